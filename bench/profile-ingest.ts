/** One CSC2 ingest to profile: `XTAP_BENCH_ROWS=200000 DATABASE_URL=… node --cpu-prof --cpu-prof-dir=prof
 *  dist/bench/profile-ingest.js` writes synthetic master_source rows (the ingest bench's generator), loads them into
 *  a fresh database's empty csc2.master_source (as `xtap ingest csc2 --table master_source --no-classify`) and
 *  prints the load time; the .cpuprofile then shows where the loader's time goes (idle = waiting on PostgreSQL). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { ingestCsc2 } from '../ingest/index.js';
import { benchLogger, benchProgress } from './log.js';
import { freshDatabase } from './ingest.js';
import { writeSyntheticMasterCsv } from './synthetic-csc2.js';

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('needs DATABASE_URL (a PostgreSQL server)');
const rows = Number(process.env.XTAP_BENCH_ROWS ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'xtap-prof-'));
try {
  const csv = join(dir, 'master_source.csv');
  await writeSyntheticMasterCsv(csv, rows);
  const db = await openDb({ databaseUrl: await freshDatabase(adminUrl, 'xtap_profile_ingest'), dataDir: 'unused' });
  await migrate(db, MIGRATIONS);
  const log = benchLogger();
  const t0 = performance.now();
  await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: benchProgress(), classify: false });
  process.stdout.write(`ingest of ${rows} rows: ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
