// Export check of a protocol v8 candidate built by blend_v8.py --dev-select (scratch dir, not deployed):
//   /usr/bin/python3 models/source-classifier/blend_v8.py --dev-select C5 --out-dir /tmp/b8
//   node models/source-classifier/experiments/blend_v8_parity.mjs /tmp/b8
// Compares onnxruntime-node model.onnx with calibrate_g((mlp-2.1.0.onnx + Python forests) / 2) on the fixture rows,
// g = the row's photometry group as Python computed it; prints rows per group and the max abs difference.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const dir = process.argv[2];
const fx = JSON.parse(readFileSync(`${dir}/fixtures/blend_fixture.json`, 'utf8'));
async function run(file, F, M) {
  const s = await ort.InferenceSession.create(file);
  const n = F.length, w = F[0].length;
  const o = await s.run({ features: new ort.Tensor('float32', Float32Array.from(F.flat()), [n, w]), mask: new ort.Tensor('float32', Float32Array.from(M.flat()), [n, w]) });
  return o.probabilities.data;
}
const P = await run(`${dir}/model.onnx`, fx.features, fx.mask);
const Q = await run(new URL('../mlp-2.1.0.onnx', import.meta.url).pathname, fx.features.map((r) => r.slice(0, 30)), fx.mask.map((r) => r.slice(0, 30)));
let maxd = 0; const byGroup = {}; let maxUncal = 0;
fx.p_forest.forEach((pf, i) => {
  const p = pf.map((v, k) => 0.5 * (v + Q[i * 8 + k]));
  const g = fx.calibration_groups[String(fx.group[i])];
  const z = p.map((v, k) => g.a[k] * Math.log(Math.min(Math.max(v, fx.eps), 1)) + g.b[k]);
  const mx = Math.max(...z); const e = z.map((v) => Math.exp(v - mx)); const t = e.reduce((a, b) => a + b, 0);
  e.forEach((v, k) => { maxd = Math.max(maxd, Math.abs(P[i * 8 + k] - v / t)); maxUncal = Math.max(maxUncal, Math.abs(P[i * 8 + k] - p[k])); });
  byGroup[fx.group[i]] = (byGroup[fx.group[i]] ?? 0) + 1;
});
console.log(JSON.stringify({ rows: fx.p_forest.length, byGroup, maxAbsDiff: maxd, maxDiffVsUncalibrated: maxUncal }));
