/** Reads a result document ahead before the response starts, so that a small result goes out as one buffer with
 *  a Content-Length (one write, no chunked framing, no spooler) and a large or slow one streams as before.
 *  Stops at `maxBytes` or after `maxMs`, whichever comes first; what it read is sent first, unchanged. */

export type ReadAhead =
  /** The whole document. */
  | { kind: 'whole'; body: Buffer }
  /** The document so far, then the rest: an iterator that yields the chunks read ahead and then the source's,
   *  and whose return() closes the source. A failure during the read-ahead is thrown after the chunks read. */
  | { kind: 'stream'; body: AsyncIterableIterator<Uint8Array> };

const TIMEOUT = Symbol('timeout');

export async function readAhead(source: AsyncIterableIterator<Uint8Array>, maxBytes: number, maxMs: number): Promise<ReadAhead> {
  const head: Uint8Array[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), maxMs);
  });
  let pending: Promise<IteratorResult<Uint8Array>> | undefined;
  let failure: { err: unknown } | undefined;
  try {
    while (bytes < maxBytes) {
      pending = source.next();
      const r = await Promise.race([pending, timeout]);
      if (r === TIMEOUT) break;
      pending = undefined;
      if (r.done) return { kind: 'whole', body: Buffer.concat(head, bytes) };
      head.push(r.value);
      bytes += r.value.length;
    }
  } catch (err) {
    pending = undefined;
    failure = { err };
  } finally {
    clearTimeout(timer);
  }
  return { kind: 'stream', body: continued(head, pending, failure, source) };
}

function continued(
  head: Uint8Array[],
  pending: Promise<IteratorResult<Uint8Array>> | undefined,
  failure: { err: unknown } | undefined,
  source: AsyncIterableIterator<Uint8Array>,
): AsyncIterableIterator<Uint8Array> {
  let waiting = pending;
  let finished = failure !== undefined;
  const self: AsyncIterableIterator<Uint8Array> = {
    async next(): Promise<IteratorResult<Uint8Array>> {
      const chunk = head.shift();
      if (chunk !== undefined) return { done: false, value: chunk };
      if (failure) {
        const { err } = failure;
        failure = undefined;
        throw err;
      }
      if (finished) return { done: true, value: undefined };
      const p = waiting ?? source.next();
      waiting = undefined;
      const r = await p;
      if (r.done) finished = true;
      return r;
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      head.length = 0;
      failure = undefined;
      if (!finished) {
        finished = true;
        await waiting?.catch(() => undefined);
        await source.return?.();
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => self,
  };
  return self;
}
