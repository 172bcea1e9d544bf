// Shared by blend_v8_parity.mjs and blend_v9_parity.mjs: the fixture of a scratch build directory, onnxruntime-node
// probabilities of its model.onnx and of mlp-2.1.0.onnx (first 30 features) on the fixture rows, and the
// vector-scaling calibration the Python side applies.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

async function run(file, F, M) {
  const s = await ort.InferenceSession.create(file);
  const n = F.length, w = F[0].length;
  const o = await s.run({ features: new ort.Tensor('float32', Float32Array.from(F.flat()), [n, w]), mask: new ort.Tensor('float32', Float32Array.from(M.flat()), [n, w]) });
  return o.probabilities.data;
}

/** fx = DIR/fixtures/blend_fixture.json; P = DIR/model.onnx, Q = mlp-2.1.0.onnx on its rows (flat, 8 per row). */
export async function parityInputs(dir) {
  const fx = JSON.parse(readFileSync(`${dir}/fixtures/blend_fixture.json`, 'utf8'));
  const P = await run(`${dir}/model.onnx`, fx.features, fx.mask);
  const Q = await run(new URL('../mlp-2.1.0.onnx', import.meta.url).pathname, fx.features.map((r) => r.slice(0, 30)), fx.mask.map((r) => r.slice(0, 30)));
  return { fx, P, Q };
}

/** softmax(a log(clip(p, eps, 1)) + b), c = { a, b }. */
export function calibrate(p, c, eps) {
  const z = p.map((v, k) => c.a[k] * Math.log(Math.min(Math.max(v, eps), 1)) + c.b[k]);
  const mx = Math.max(...z); const e = z.map((v) => Math.exp(v - mx)); const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
}
