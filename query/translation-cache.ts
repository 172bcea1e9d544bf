/** Translations of recent ADQL queries, so that a repeated query (the same text and row limit) skips parsing,
 *  name resolution, the HEALPix cover and SQL writing. Only for the published catalogue, which is immutable for the
 *  life of a process (TAP_SCHEMA is published from the same definitions at start-up): the runner bypasses the
 *  cache for a query with TAP_UPLOAD tables, whose catalogue is this request's own. Errors are never cached.
 *  Bounded in entries and in weight (the caller's size measure, e.g. characters of query and SQL), least recently
 *  used first out; an entry heavier than 1/16 of the weight bound is not kept. Pure. */

/** Default weight bound: 4 Mi characters of query text and SQL (UTF-16: ≤ 8 MiB) per process. */
export const DEFAULT_MAX_WEIGHT = 4 * 1024 * 1024;

export class TranslationCache<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private weight = 0;

  /** `capacity` 0 keeps nothing. */
  constructor(
    readonly capacity: number,
    readonly maxWeight = DEFAULT_MAX_WEIGHT,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Sum of the weights of the entries kept. */
  get totalWeight(): number {
    return this.weight;
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, weight = key.length): void {
    if (this.capacity <= 0 || weight > this.maxWeight / 16) return;
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    while (this.entries.size > this.capacity || this.weight > this.maxWeight) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.weight -= e.weight;
  }
}

/** Everything a translation depends on besides the (fixed) catalogue and limits: the query text and the row limit. */
export function translationKey(query: string, rowLimit: number): string {
  return `${rowLimit}\u0000${query}`;
}
