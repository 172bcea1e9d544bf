// Export check of a protocol v8 candidate built by blend_v8.py --dev-select (scratch dir, not deployed):
//   /usr/bin/python3 models/source-classifier/blend_v8.py --dev-select C5 --out-dir /tmp/b8
//   node models/source-classifier/experiments/blend_v8_parity.mjs /tmp/b8
// Compares onnxruntime-node model.onnx with calibrate_g((mlp-2.1.0.onnx + Python forests) / 2) on the fixture rows,
// g = the row's photometry group as Python computed it; prints rows per group and the max abs difference.
import { calibrate, parityInputs } from './parity.mjs';
const { fx, P, Q } = await parityInputs(process.argv[2]);
let maxd = 0; const byGroup = {}; let maxUncal = 0;
fx.p_forest.forEach((pf, i) => {
  const p = pf.map((v, k) => 0.5 * (v + Q[i * 8 + k]));
  const c = calibrate(p, fx.calibration_groups[String(fx.group[i])], fx.eps);
  c.forEach((v, k) => { maxd = Math.max(maxd, Math.abs(P[i * 8 + k] - v)); maxUncal = Math.max(maxUncal, Math.abs(P[i * 8 + k] - p[k])); });
  byGroup[fx.group[i]] = (byGroup[fx.group[i]] ?? 0) + 1;
});
console.log(JSON.stringify({ rows: fx.p_forest.length, byGroup, maxAbsDiff: maxd, maxDiffVsUncalibrated: maxUncal }));
