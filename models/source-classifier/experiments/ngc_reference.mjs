// The deployed model.onnx's probabilities for the NGC 3532 check rows (input: JSON {X, M} written by
// v6_candidates.py's --dump-ngc step; output: JSON [n][8]). Usage: node ngc_reference.mjs IN.json OUT.json
import * as ort from 'onnxruntime-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [inPath, outPath] = process.argv.slice(2);
const { X, M } = JSON.parse(readFileSync(inPath, 'utf8'));
const model = fileURLToPath(new URL('../model.onnx', import.meta.url));
const session = await ort.InferenceSession.create(model);
const n = X.length;
const f = X[0].length;
const out = await session.run({
  features: new ort.Tensor('float32', Float32Array.from(X.flat()), [n, f]),
  mask: new ort.Tensor('float32', Float32Array.from(M.flat()), [n, f]),
});
const p = Array.from(out.probabilities.data);
writeFileSync(outPath, JSON.stringify(Array.from({ length: n }, (_, i) => p.slice(i * 8, i * 8 + 8))));
