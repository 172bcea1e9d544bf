// Protocol v11 point 4: ONNX throughput of the students S32 / S64 (fold 0's fits, exported by v11_student.py) next to
// the deployed model.onnx, in onnxruntime-node with classify.ts's session options, on one 32768-row batch filled as
// bench/classify.ts modelRowsPerSecond does; one warm-up, then 5 timed runs per model, interleaved; median (min-max).
// Writes /work/ml-cache/v11/throughput.json (read by v11_student.py's evaluation).
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const here = dirname(fileURLToPath(import.meta.url));
const cache = process.env.V11_CACHE ?? '/work/ml-cache/v11';
const BATCH_ROWS = 32768;
const WIDTH = 30;
const REPS = 5;
const models = {
  deployed: join(here, '..', 'model.onnx'),
  S32: join(cache, 's32_u0.onnx'),
  S64: join(cache, 's64_u0.onnx'),
};

const features = new Float32Array(BATCH_ROWS * WIDTH);
const mask = new Float32Array(BATCH_ROWS * WIDTH);
for (let i = 0; i < BATCH_ROWS * WIDTH; i++) {
  features[i] = ((i * 2654435761) % 1000) / 500 - 1;
  mask[i] = i % WIDTH < 10 || i % 3 === 0 ? 1 : 0;
}
const feed = {
  features: new ort.Tensor('float32', features, [BATCH_ROWS, WIDTH]),
  mask: new ort.Tensor('float32', mask, [BATCH_ROWS, WIDTH]),
};

const sessions = {};
for (const [name, path] of Object.entries(models)) {
  // models/onnx-loader.ts createCpuSession with classify.ts's intraOpNumThreads
  sessions[name] = await ort.InferenceSession.create(readFileSync(path), {
    intraOpNumThreads: availableParallelism(), interOpNumThreads: 1,
  });
  await sessions[name].run(feed); // warm-up
}
const times = Object.fromEntries(Object.keys(models).map((k) => [k, []]));
const load = [loadavg()[0]];
for (let rep = 0; rep < REPS; rep++) {
  for (const name of Object.keys(models)) {
    const t0 = performance.now();
    const out = await sessions[name].run(feed);
    const s = (performance.now() - t0) / 1000;
    if (out.probabilities.dims[0] !== BATCH_ROWS) throw new Error(`${name}: ${out.probabilities.dims}`);
    times[name].push(BATCH_ROWS / s);
  }
  load.push(loadavg()[0]);
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const result = {
  batch_rows: BATCH_ROWS, reps: REPS, intra_op_threads: availableParallelism(), onnxruntime: ort.env.versions?.common ?? null,
  load_average_1min: load.map((x) => Math.round(x * 100) / 100),
  note: `onnxruntime-node, intra-op threads ${availableParallelism()}, one ${BATCH_ROWS}-row batch, 1 warm-up + ${REPS} timed runs per model interleaved, median (min - max); 1-min load average during the run ${Math.min(...load).toFixed(2)}-${Math.max(...load).toFixed(2)}.`,
  models: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, {
    file: models[k], median_rows_per_s: Math.round(median(v)), min_rows_per_s: Math.round(Math.min(...v)),
    max_rows_per_s: Math.round(Math.max(...v)), runs_rows_per_s: v.map(Math.round),
  }])),
};
writeFileSync(join(cache, 'throughput.json'), JSON.stringify(result, null, 1));
for (const [k, v] of Object.entries(result.models)) console.log(`${k}: ${(v.median_rows_per_s / 1e6).toFixed(3)}M rows/s (${(v.min_rows_per_s / 1e6).toFixed(3)}-${(v.max_rows_per_s / 1e6).toFixed(3)}M)`);
console.log(result.note);
