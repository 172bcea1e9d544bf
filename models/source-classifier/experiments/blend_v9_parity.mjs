// Export check of a protocol v9 candidate built by blend_v9.py --dev-select (scratch dir, not deployed):
//   /usr/bin/python3 models/source-classifier/blend_v9.py --dev-select R2 --out-dir /tmp/b9
//   node models/source-classifier/experiments/blend_v9_parity.mjs /tmp/b9
// Compares onnxruntime-node model.onnx with the routed Python definition on the fixture rows: rows Python routes
// (bands within G+J+W1) get route((p_2.1.0 + p_T6) / 2 or p_T6, calibrated if the fixture says so), the others
// (p_2.1.0 + p_T3) / 2. Prints rows per route, the max abs difference, and the max difference had every row been
// routed the other way (which must be large, or the check could not see a routing error).
import { calibrate, parityInputs } from './parity.mjs';
const { fx, P, Q } = await parityInputs(process.argv[2]);
function want(i, routed) {
  const pf = fx.p_forest[i];
  const pm = Array.from(Q.slice(i * 8, i * 8 + 8));
  if (!routed) return pm.map((v, k) => 0.5 * (v + pf[k]));
  const p = fx.route_mode === 'forest' ? [...pf] : pm.map((v, k) => 0.5 * (v + pf[k]));
  return fx.route_calibration ? calibrate(p, fx.route_calibration, fx.eps) : p;
}
let maxd = 0, maxWrong = 0; const byRoute = { routed: 0, not_routed: 0 };
fx.routed.forEach((r, i) => {
  const w = want(i, r), x = want(i, !r);
  for (let k = 0; k < 8; k++) { maxd = Math.max(maxd, Math.abs(P[i * 8 + k] - w[k])); maxWrong = Math.max(maxWrong, Math.abs(P[i * 8 + k] - x[k])); }
  byRoute[r ? 'routed' : 'not_routed'] += 1;
});
console.log(JSON.stringify({ rows: fx.routed.length, byRoute, maxAbsDiff: maxd, maxDiffIfRoutedTheOtherWay: maxWrong }));
