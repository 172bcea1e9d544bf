/** Classification benchmark: sources/s through the whole CSC2 ingest with the source classifier and its
 *  Monte-Carlo uncertainties (100 draws per source), next to the same ingest without classification, in one run.
 *  Uses fresh databases on DATABASE_URL's server when set, else on an embedded PostgreSQL started for the run.
 *  XTAP_BENCH_SOURCES overrides the count. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import type { Db } from '../db/index.js';
import { createProgress, ingestCsc2 } from '../ingest/index.js';
import { freshDatabase } from './ingest.js';
import { writeSyntheticMasterCsv } from './synthetic-csc2.js';
import type { BenchRow } from './types.js';

async function openBenchDb(admin: string, name: string): Promise<Db> {
  const db = await openDb({ databaseUrl: await freshDatabase(admin, name), dataDir: 'unused' });
  await migrate(db, MIGRATIONS);
  return db;
}

export async function benchClassify(): Promise<BenchRow[]> {
  const n = Number(process.env.XTAP_BENCH_SOURCES ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'xtap-bench-classify-'));
  const csv = join(dir, 'sources.csv');
  const log = pino({ level: 'warn' });
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(join(dir, 'postgres'), log);
  const admin = process.env.DATABASE_URL ?? (embedded as NonNullable<typeof embedded>).url;
  try {
    await writeSyntheticMasterCsv(csv, n, 777);
    const timed = async (classify: boolean): Promise<number> => {
      const db = await openBenchDb(admin, classify ? 'xtap_bench_classify' : 'xtap_bench_classify_off');
      try {
        const t0 = performance.now();
        await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: createProgress(log), classify });
        const s = (performance.now() - t0) / 1000;
        if (classify) {
          const rows = Number((await db.query('SELECT count(*) FROM ml.source_class')).rows[0]?.[0]);
          if (rows !== n) throw new Error(`expected ${n} classified sources, found ${rows}`);
        }
        return s;
      } finally {
        await db.close();
      }
    };
    const withMl = await timed(true);
    const without = await timed(false);
    const backend = embedded ? 'embedded PostgreSQL' : 'PostgreSQL';
    return [
      { name: `ingest + classification, 100 Monte-Carlo draws (${n} sources, ${backend})`, value: n / withMl, unit: 'sources/s', reference: `${withMl.toFixed(1)} s` },
      { name: 'ingest without classification (same file, same run)', value: n / without, unit: 'sources/s', reference: `${without.toFixed(1)} s` },
      { name: 'classification alone (difference)', value: n / Math.max(1e-9, withMl - without), unit: 'sources/s', reference: 'derived from the two rows above' },
    ];
  } finally {
    await embedded?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
