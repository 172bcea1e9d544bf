/** What every model on ingest shares: one ONNX Runtime CPU session per model directory, loaded (and validated by
 *  the model's own loader) once per process; a failed load is not cached, so a fixed model can be retried. */
import * as ort from 'onnxruntime-node';
import path from 'node:path';

/** A CPU session, one thread each way unless told (ingest runs models next to the database on small machines; a
 *  model run over large batches, such as the source classifier's Monte-Carlo draws, takes every core).
 *  The intra-op pool does not spin between runs: onnxruntime-node runs a session on the JS thread, and a worker left
 *  spinning takes the core that JS (the next batch's draws) or PostgreSQL needs. On the shared 2-core machine
 *  (load 3-4) classification on ingest went from 272 to 322 sources/s (medians of 4 interleaved runs of
 *  `XTAP_BENCH_SOURCES=3000 npm run bench -- classify`). Spinning changes when threads wait, not what they compute:
 *  results stay bit-identical (one intra-op thread instead of two changed them on 1000 synthetic sources). */
export function createCpuSession(bytes: Uint8Array, opts: { intraOpNumThreads?: number } = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

/** Memoizes a loader by resolved model directory. */
export function cachedByDirectory<T>(load: (dir: string) => Promise<T>, defaultDir: () => string): (modelDir?: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (modelDir?: string) => {
    const dir = path.resolve(modelDir ?? defaultDir());
    let p = cache.get(dir);
    if (p === undefined) {
      p = load(dir);
      cache.set(dir, p);
      p.catch(() => cache.delete(dir));
    }
    return p;
  };
}
