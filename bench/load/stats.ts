/** Latency and error bookkeeping for the load and fault scripts: per-kind samples, nearest-rank percentiles and a
 *  plain-text table. Pure. */

export function percentile(sorted: ReadonlyArray<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export class Tally {
  private readonly samples = new Map<string, number[]>();
  private readonly errors = new Map<string, Map<string, number>>();

  ok(kind: string, ms: number): void {
    let s = this.samples.get(kind);
    if (!s) this.samples.set(kind, (s = []));
    s.push(ms);
  }

  fail(kind: string, what: string): void {
    let e = this.errors.get(kind);
    if (!e) this.errors.set(kind, (e = new Map()));
    e.set(what, (e.get(what) ?? 0) + 1);
  }

  errorCount(): number {
    let n = 0;
    for (const e of this.errors.values()) for (const c of e.values()) n += c;
    return n;
  }

  /** One row per kind and a total: requests, errors, p50/p95/p99/max in ms. */
  rows(): Array<{ kind: string; ok: number; errors: number; p50: number; p95: number; p99: number; max: number }> {
    const kinds = [...new Set([...this.samples.keys(), ...this.errors.keys()])].sort();
    const all: number[] = [];
    const rows = kinds.map((kind) => {
      const s = [...(this.samples.get(kind) ?? [])].sort((a, b) => a - b);
      all.push(...s);
      const errors = [...(this.errors.get(kind)?.values() ?? [])].reduce((a, b) => a + b, 0);
      return { kind, ok: s.length, errors, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
    });
    all.sort((a, b) => a - b);
    rows.push({ kind: 'ALL', ok: all.length, errors: this.errorCount(), p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99), max: all.at(-1) ?? NaN });
    return rows;
  }

  errorDetails(): string[] {
    const out: string[] = [];
    for (const [kind, e] of this.errors) for (const [what, n] of e) out.push(`${kind}: ${n} × ${what}`);
    return out;
  }
}

/** A fixed-width text table. */
export function textTable(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isNaN(c) ? '-' : Number.isInteger(c) ? String(c) : c.toFixed(1)) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: ReadonlyArray<string | number>) => r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** "60s", "2m", "1500ms", "30" (seconds) → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (e.g. 60s, 2m, 500ms)`);
  const v = Number(m[1]);
  return m[2] === 'ms' ? v : m[2] === 'm' ? v * 60_000 : v * 1000;
}
