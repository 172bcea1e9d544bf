/** `npm run bench -- shards` (issue 11 point 6): the catalogue partitioned by HEALPix range over two more
 *  PostgreSQL clusters through postgres_fdw (db/shards.ts) against the single table, in one run: a synthetic
 *  catalogue (XTAP_BENCH_SHARD_MASTERS master sources, default the full 400k) in a fresh database on DATABASE_URL,
 *  sharded onto XTAP_BENCH_SHARDS (name=url,…; default shard1/shard2 of scripts/pg-shards.sh), then the bench's
 *  queries on both tables (query/shard-check.ts), repetitions interleaved (XTAP_BENCH_REPS, default 3): rows,
 *  order-insensitive checksum equal or not, partitions scanned, median and range of the times. Skips with a
 *  note when the shards do not answer. */
import { join } from 'node:path';
import pg from 'pg';
import { openDb } from '../db/index.js';
import { setupShards } from '../db/shards.js';
import type { ShardTarget } from '../db/shards.js';
import { benchCentre, benchShardQueries, compareSharded } from '../query/shard-check.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { createLogger } from '../config/logger.js';
import { silentProgress } from '../ingest/index.js';
import { SYNTH_SCALES } from '../synth/generate.js';
import { synthesize } from '../synth/load.js';
import { freshDatabase } from './ingest.js';
import { loadText, spread } from './stats.js';
import type { BenchRow } from './types.js';

export function shardTargets(spec = process.env.XTAP_BENCH_SHARDS): ShardTarget[] {
  const text = spec ?? 'shard1=postgres://postgres@127.0.0.1:5433/xtap_shard,shard2=postgres://postgres@127.0.0.1:5434/xtap_shard';
  return text.split(',').map((s) => {
    const i = s.indexOf('=');
    if (i < 1) throw new Error(`a shard is name=postgres://…, got "${s}"`);
    return { name: s.slice(0, i).trim(), url: s.slice(i + 1).trim() };
  });
}

const ms = (xs: number[]) => {
  const s = spread(xs);
  return `${s.median.toFixed(1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
};

export async function benchShards(): Promise<BenchRow[]> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the shards benchmark needs DATABASE_URL (the coordinator server), e.g. postgres://postgres@127.0.0.1:5432/test');
  const shards = shardTargets();
  for (const s of shards) {
    const c = new pg.Client({ connectionString: s.url });
    try {
      await c.connect();
      await c.end();
    } catch (err) {
      return [{ name: `shards: skipped — ${s.name} does not answer (${(err as Error).message}); run scripts/pg-shards.sh`, value: 0, unit: '' }];
    }
  }
  const masters = Number(process.env.XTAP_BENCH_SHARD_MASTERS ?? SYNTH_SCALES.full);
  const reps = Number(process.env.XTAP_BENCH_REPS ?? 3);
  const url = await freshDatabase(adminUrl, 'xtap_bench_shards');
  const log = createLogger('warn', 'bench-shards', process.stderr);
  const db = await openDb({ databaseUrl: url, dataDir: 'unused' });
  try {
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'never' }, log);
    await synthesize(db, { masters, seed: 1, sampleDir: join(process.cwd(), 'data', 'sample'), log, progress: silentProgress, classify: false });
  } finally {
    await db.close();
  }
  const t0 = performance.now();
  const parts = await setupShards(url, shards, { partitionsPerShard: 2, fetchSize: 10_000, log: (m) => process.stderr.write(`  ${m}\n`) });
  const setupS = (performance.now() - t0) / 1000;
  const results = await compareSharded(url, benchShardQueries(await benchCentre(url)), reps);
  const rows: BenchRow[] = [
    {
      name: `shard setup: ${masters} master sources → ${parts.length} partitions on ${shards.length} shards`,
      value: setupS,
      unit: 's',
      reference: parts.map((p) => `${p.table}@${p.shard} ${p.rows}`).join(', '),
    },
  ];
  for (const r of results) {
    rows.push({
      name: `${r.name}: same rows ${r.same ? 'yes' : 'NO'} (${r.single.rows} rows; ${r.plan.scanned}/${r.plan.partitions} partitions${r.plan.async ? ', async' : ''})`,
      value: spread(r.shardedMs).median,
      unit: 'ms sharded',
      reference: `single table ${ms(r.singleMs)}; sharded ${ms(r.shardedMs)}; checksum incl.; ${reps} interleaved reps`,
    });
  }
  rows.push({ name: 'all queries same rows', value: results.every((r) => r.same) ? 1 : 0, unit: '1 = yes', reference: loadText() });
  return rows;
}
