/** Does the postgres_fdw-sharded catalogue (db/shards.ts) answer the bench's queries with the same rows as the
 *  single table? Each ADQL query is translated once, as the TAP service does, and run against
 *  csc2.master_source and csc2_sharded.master_source; rows are compared by count and an order-insensitive
 *  checksum computed on the coordinator (so every row really crosses the foreign scans). Timings are
 *  interleaved repetitions (single, sharded, single, …). An unordered TOP n may legitimately return different
 *  rows on the two tables: only its row count is compared (sameRowsRequired: false). */
import pg from 'pg';
import { translateAdql } from '../adql/index.js';
import { checksum, onShards, shardPlan } from '../db/shards.js';
import type { Checksum } from '../db/shards.js';
import { publishedCatalog } from '../schema/index.js';

export interface ShardQuery {
  name: string;
  adql: string;
  /** false for an unordered TOP: any rows are a right answer, so only the count must agree. */
  sameRowsRequired: boolean;
}

/** The bench's queries (bench/latency.ts, bench/download.ts) plus a range query and a cone across partitions,
 *  for a catalogue whose first source (by name) is at (ra, dec). */
export function benchShardQueries(centre: { ra: number; dec: number }): ShardQuery[] {
  const cone = (r: number) => `SELECT * FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${centre.ra}, ${centre.dec}, ${r}))`;
  return [
    { name: 'TOP 1 name (unordered)', adql: 'SELECT TOP 1 name FROM csc2.master_source', sameRowsRequired: false },
    { name: 'TOP 100 ORDER BY name', adql: 'SELECT TOP 100 name, ra, dec FROM csc2.master_source ORDER BY name', sameRowsRequired: true },
    { name: 'cone 0.05° (all columns)', adql: cone(0.05), sameRowsRequired: true },
    { name: 'cone 10° (all columns)', adql: cone(10), sameRowsRequired: true },
    { name: 'range: dec −30…+30, ra 90…270', adql: 'SELECT name, ra, dec, hpx14 FROM csc2.master_source WHERE dec BETWEEN -30 AND 30 AND ra BETWEEN 90 AND 270', sameRowsRequired: true },
    { name: 'full download (all rows, all columns)', adql: 'SELECT * FROM csc2.master_source', sameRowsRequired: true },
    { name: 'COUNT(*)', adql: 'SELECT COUNT(*) AS n FROM csc2.master_source', sameRowsRequired: true },
  ];
}

export interface ShardComparison {
  name: string;
  single: Checksum;
  sharded: Checksum;
  same: boolean;
  /** Foreign scans kept after pruning / all partitions; async: the scans run as Async Foreign Scans. */
  plan: { scanned: number; partitions: number; async: boolean };
  singleMs: number[];
  shardedMs: number[];
}

export async function compareSharded(coordinatorUrl: string, queries: ReadonlyArray<ShardQuery>, reps = 1): Promise<ShardComparison[]> {
  const client = new pg.Client({ connectionString: coordinatorUrl, application_name: 'xtap:shard-check' });
  await client.connect();
  try {
    const out: ShardComparison[] = [];
    for (const q of queries) {
      const sql = translateAdql(q.adql, publishedCatalog(), { rowLimit: 100_000_001, inlineLiterals: true }).sql;
      const sharded = onShards(sql);
      const singleMs: number[] = [];
      const shardedMs: number[] = [];
      let a: Checksum | undefined;
      let b: Checksum | undefined;
      for (let i = 0; i < reps; i++) {
        let t = performance.now();
        a = await checksum(client, sql);
        singleMs.push(performance.now() - t);
        t = performance.now();
        b = await checksum(client, sharded);
        shardedMs.push(performance.now() - t);
      }
      if (!a || !b) throw new Error('reps must be at least 1');
      const same = a.rows === b.rows && (!q.sameRowsRequired || a.sum === b.sum);
      out.push({ name: q.name, single: a, sharded: b, same, plan: await shardPlan(client, sharded), singleMs, shardedMs });
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Centre of the bench's cone: the first master source by name. */
export async function benchCentre(coordinatorUrl: string): Promise<{ ra: number; dec: number }> {
  const client = new pg.Client({ connectionString: coordinatorUrl });
  await client.connect();
  try {
    const r = (await client.query<{ ra: number; dec: number }>('SELECT ra, dec FROM csc2.master_source WHERE ra IS NOT NULL ORDER BY name LIMIT 1')).rows[0];
    if (!r) throw new Error('csc2.master_source is empty: load a catalogue first (xtap synth, or the sample)');
    return r;
  } finally {
    await client.end();
  }
}
