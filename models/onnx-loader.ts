/** What every model on ingest shares: one ONNX Runtime CPU session per model directory, loaded (and validated by
 *  the model's own loader) once per process; a failed load is not cached, so a fixed model can be retried. */
import * as ort from 'onnxruntime-node';
import path from 'node:path';

/** A CPU session, one thread each way unless told (ingest runs models next to the database on small machines; a
 *  model run over large batches, such as the source classifier's Monte-Carlo draws, takes every core). */
export function createCpuSession(bytes: Uint8Array, opts: { intraOpNumThreads?: number } = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: opts.intraOpNumThreads ?? 1, interOpNumThreads: 1 });
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
