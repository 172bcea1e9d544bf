// Export check of a protocol v9 candidate built by blend_v9.py --dev-select (scratch dir, not deployed):
//   /usr/bin/python3 models/source-classifier/blend_v9.py --dev-select R2 --out-dir /tmp/b9
//   node models/source-classifier/experiments/blend_v9_parity.mjs /tmp/b9
// Compares onnxruntime-node model.onnx with the routed Python definition on the fixture rows: rows Python routes
// (bands within G+J+W1) get route((p_2.1.0 + p_T6) / 2 or p_T6, calibrated if the fixture says so), the others
// (p_2.1.0 + p_T3) / 2. Prints rows per route, the max abs difference, and the max difference had every row been
// routed the other way (which must be large, or the check could not see a routing error).
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
function want(i, routed) {
  const pf = fx.p_forest[i];
  const pm = Array.from(Q.slice(i * 8, i * 8 + 8));
  if (!routed) return pm.map((v, k) => 0.5 * (v + pf[k]));
  const p = fx.route_mode === 'forest' ? [...pf] : pm.map((v, k) => 0.5 * (v + pf[k]));
  const c = fx.route_calibration;
  if (!c) return p;
  const z = p.map((v, k) => c.a[k] * Math.log(Math.min(Math.max(v, fx.eps), 1)) + c.b[k]);
  const mx = Math.max(...z); const e = z.map((v) => Math.exp(v - mx)); const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
}
let maxd = 0, maxWrong = 0; const byRoute = { routed: 0, not_routed: 0 };
fx.routed.forEach((r, i) => {
  const w = want(i, r), x = want(i, !r);
  for (let k = 0; k < 8; k++) { maxd = Math.max(maxd, Math.abs(P[i * 8 + k] - w[k])); maxWrong = Math.max(maxWrong, Math.abs(P[i * 8 + k] - x[k])); }
  byRoute[r ? 'routed' : 'not_routed'] += 1;
});
console.log(JSON.stringify({ rows: fx.routed.length, byRoute, maxAbsDiff: maxd, maxDiffIfRoutedTheOtherWay: maxWrong }));
