/** Translations of recent ADQL queries, so that a repeated query (the same text and row limit) skips parsing,
 *  name resolution, the HEALPix cover and SQL writing. Only for the published catalogue, which is immutable for the
 *  life of a process (TAP_SCHEMA is published from the same definitions at start-up): the runner bypasses the
 *  cache for a query with TAP_UPLOAD tables, whose catalogue is this request's own. Errors are never cached.
 *  Bounded, least recently used first out. Pure. */

export class TranslationCache<V> {
  private readonly entries = new Map<string, V>();

  /** `capacity` 0 keeps nothing. */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      // Map iteration order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

/** Everything a translation depends on besides the (fixed) catalogue and limits: the query text and the row limit. */
export function translationKey(query: string, rowLimit: number): string {
  return `${rowLimit}\u0000${query}`;
}
