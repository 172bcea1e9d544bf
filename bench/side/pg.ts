/** Raw PostgreSQL references of the side-by-side bench: COPY of a SELECT to STDOUT (output counted, not kept) with
 *  time to first byte, read by the same COPY reader xtap's bulk path uses (db/copy-out-stream.ts, faster than
 *  pg-copy-streams), so the reference is not slowed by a weaker client, repeated small queries on one connection, and the row checksum that proves xtap and DaCHS
 *  serve the same rows. */
import pg from 'pg';
import { copyTo } from '../../db/copy-out-stream.js';

export interface CopyResult {
  seconds: number;
  firstByteS: number;
  bytes: number;
  rows?: number;
}

export async function withClient<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** COPY (select) TO STDOUT in `format`; for csv/text the lines are counted. */
export async function copyOut(url: string, select: string, format: 'binary' | 'csv' | 'text'): Promise<CopyResult> {
  return withClient(url, async (c) => {
    const t0 = performance.now();
    const stream = c.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT ${format})`));
    let first = 0;
    let bytes = 0;
    let lines = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!first) first = performance.now();
      bytes += chunk.length;
      if (format !== 'binary') for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    }
    const out: CopyResult = { seconds: (performance.now() - t0) / 1000, firstByteS: (first - t0) / 1000, bytes };
    if (format !== 'binary') out.rows = lines;
    return out;
  });
}

/** Per-query milliseconds of `n` runs of `sql` (or for `seconds` when given) on one connection. */
export async function repeatQuery(url: string, sql: string | ((i: number) => string), opts: { n?: number; seconds?: number }): Promise<number[]> {
  return withClient(url, async (c) => {
    const out: number[] = [];
    const end = performance.now() + (opts.seconds ?? 0) * 1000;
    for (let i = 0; opts.seconds ? performance.now() < end : i < (opts.n ?? 1); i++) {
      const text = typeof sql === 'string' ? sql : sql(i);
      const t0 = performance.now();
      await c.query({ text, rowMode: 'array' });
      out.push(performance.now() - t0);
    }
    return out;
  });
}

/** Order-independent fingerprint of the bench table: count, names hashed in order, exact (numeric) sums of a few
 *  columns; significance is compared as real, the type DaCHS's resource descriptor gives it (xtap's is double). */
export const CHECKSUM_SQL = `SELECT count(*)::text AS n, md5(string_agg(name, '|' ORDER BY name)) AS names,
  sum(ra::numeric)::text AS ra, sum(dec::numeric)::text AS dec,
  coalesce(sum(acis_num), 0)::text AS acis, count(flux_aper_b)::text AS flux_b_n,
  sum(significance::real::numeric)::text AS sig FROM csc2.master_source`;

export async function checksum(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => (await c.query<Record<string, string>>(CHECKSUM_SQL)).rows[0] ?? {});
}
