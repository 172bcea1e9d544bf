/** Runs a row source up to its first item before anything is sent, so that a query failing in the database
 *  before its first row can still be answered with an error document and its HTTP status (DALI §4.4.2)
 *  instead of an HTTP 200 whose body ends in a trailing ERROR. Pure. */

export interface PrimedSource<T> extends AsyncIterable<T> {
  /** Closes the source (its cursor, its connection) if it was not read to the end; safe to call twice. A primed
   *  source holds a database connection, so whoever does not read it must close it. */
  close(): Promise<void>;
}

/** Pulls the first item of `source` (running the query); throws what the source throws. The returned iterable
 *  yields that item and then the rest of the source, once. */
export async function primeFirst<T>(source: AsyncIterable<T> | Iterable<T>): Promise<PrimedSource<T>> {
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  let pending: IteratorResult<T> | undefined = await it.next();
  let done = pending.done === true;
  const close = async (): Promise<void> => {
    pending = undefined;
    if (done) return;
    done = true;
    if (it.return) await it.return();
  };
  const iterator: AsyncIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      if (pending !== undefined) {
        const r = pending;
        pending = undefined;
        return r;
      }
      if (done) return { done: true, value: undefined };
      try {
        const r = await it.next();
        if (r.done) done = true;
        return r;
      } catch (err) {
        done = true;
        throw err;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      await close();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, close };
}

/** An async iterator over `inner` whose return() (early stop, or a consumer that never started) also closes
 *  `owned`: an async generator that never started runs no `finally`, so it cannot do this itself. */
export function closingIterator<T>(inner: AsyncIterator<T>, owned: { close(): Promise<void> }): AsyncIterableIterator<T> {
  const self: AsyncIterableIterator<T> = {
    next: () => inner.next(),
    async return(): Promise<IteratorResult<T>> {
      try {
        if (inner.return) await inner.return();
      } finally {
        await owned.close();
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => self,
  };
  return self;
}
