/** Ingest benchmark: 1M synthetic csc2.master_source rows loaded by `xtap ingest csc2 --table master_source`
 *  (parse, validate, COPY to staging, upsert) next to `psql \copy` of the same CSV into a bare table, in one run.
 *  Needs DATABASE_URL (PostgreSQL); XTAP_BENCH_ROWS overrides the row count. */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pino } from 'pino';
import pg from 'pg';
import { migrate, openDb } from '../db/index.js';
import { createProgress, ingestCsc2 } from '../ingest/index.js';
import { MIGRATIONS } from '../schema/index.js';
import type { BenchRow } from './types.js';

const COLUMNS = [
  'name', 'ra', 'dec', 'err_ellipse_r0', 'err_ellipse_r1', 'err_ellipse_ang', 'significance', 'likelihood_class',
  'conf_flag', 'extent_flag', 'var_flag', 'flux_aper90_b', 'flux_aper90_lolim_b', 'flux_aper90_hilim_b',
  'flux_aper90_s', 'flux_aper90_m', 'flux_aper90_h', 'hard_hm', 'hard_hs', 'hard_ms', 'var_intra_prob_b',
  'var_inter_prob_b', 'nh_gal', 'powlaw_gamma', 'bb_kt', 'flux_powlaw', 'gal_l', 'gal_b', 'acis_num', 'acis_time',
];

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${COLUMNS.join(',')}\n`);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < rows; i++) {
    const ra = rand() * 360;
    const dec = Math.asin(2 * rand() - 1) * (180 / Math.PI);
    const f = 1e-15 * (1 + rand() * 100);
    const line = [
      `2CXO JBENCH${String(i).padStart(8, '0')}`, ra.toFixed(6), dec.toFixed(6), (rand() * 2).toFixed(2), (rand()).toFixed(2),
      (rand() * 180).toFixed(1), (rand() * 50).toFixed(2), rand() < 0.9 ? 'TRUE' : 'MARGINAL', rand() < 0.1 ? 'TRUE' : 'FALSE',
      rand() < 0.05 ? 'TRUE' : 'FALSE', rand() < 0.1 ? 'TRUE' : 'FALSE', f.toExponential(3), (f * 0.7).toExponential(3),
      (f * 1.3).toExponential(3), (f * 0.3).toExponential(3), (f * 0.3).toExponential(3), (f * 0.4).toExponential(3),
      (rand() * 2 - 1).toFixed(3), (rand() * 2 - 1).toFixed(3), (rand() * 2 - 1).toFixed(3), rand().toFixed(3), rand().toFixed(3),
      (rand() * 100).toFixed(2), (1 + rand() * 2).toFixed(3), (rand() * 2).toFixed(3), f.toExponential(3), (rand() * 360).toFixed(5),
      (rand() * 180 - 90).toFixed(5), String(1 + Math.floor(rand() * 10)), (rand() * 1e5).toFixed(1),
    ].join(',');
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function benchIngest(): Promise<BenchRow[]> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the ingest benchmark needs DATABASE_URL (a PostgreSQL server), e.g. postgres://postgres@127.0.0.1:5432/test');
  const rows = Number(process.env.XTAP_BENCH_ROWS ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'xtap-bench-'));
  const csv = join(dir, 'master_source.csv');
  const log = pino({ level: 'warn' });
  try {
    process.stderr.write(`writing ${rows} synthetic rows to ${csv}\n`);
    await writeCsv(csv, rows);

    const url = await freshDatabase(adminUrl, 'xtap_bench_ingest');
    const db = await openDb({ databaseUrl: url, dataDir: 'unused' });
    await migrate(db, MIGRATIONS);
    const t0 = performance.now();
    // The loader alone (as `xtap ingest csc2 --no-classify`); classification is measured by `npm run bench -- classify`.
    await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: createProgress(log), classify: false });
    const xtapS = (performance.now() - t0) / 1000;
    const count = (await db.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0];
    if (count !== BigInt(rows)) throw new Error(`expected ${rows} rows loaded, found ${String(count)}`);
    await db.exec('CREATE TABLE xtap.bench_copy (LIKE csc2.master_source)');
    await db.close();

    const t1 = performance.now();
    execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy xtap.bench_copy (${COLUMNS.join(', ')}) FROM '${csv}' WITH (FORMAT csv, HEADER true)`], { stdio: 'pipe' });
    const psqlS = (performance.now() - t1) / 1000;

    const xtapRate = rows / xtapS;
    const psqlRate = rows / psqlS;
    return [
      { name: `xtap ingest csc2 (${rows} rows × ${COLUMNS.length} cols, validate + hpx + COPY + upsert)`, value: xtapRate, unit: 'rows/s', reference: `${xtapS.toFixed(1)} s` },
      { name: 'psql \\copy of the same CSV into a bare table', value: psqlRate, unit: 'rows/s', reference: `${psqlS.toFixed(1)} s` },
      { name: 'ratio xtap / psql \\copy', value: xtapRate / psqlRate, unit: '×', reference: 'same run, same machine' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
