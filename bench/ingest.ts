/** Ingest benchmark: 1M synthetic csc2.master_source rows loaded by `xtap ingest csc2 --table master_source` into
 *  an empty table (parse, validate, direct COPY) next to `psql \copy` of the same CSV into a bare table, interleaved
 *  XTAP_BENCH_REPS times (default 3) in one run.
 *  Needs DATABASE_URL (PostgreSQL); XTAP_BENCH_ROWS overrides the row count; XTAP_BENCH_STAGED=0 skips the
 *  staging + upsert comparison (minutes per repetition at 1M rows).
 *  Priorities: run the whole bench at one nice level. \copy's work is done by the PostgreSQL backend, which runs at
 *  the server's priority whatever the bench's, so on a loaded machine a niced bench starves xtap's Node side only. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { ingestCsc2 } from '../ingest/index.js';
import { benchLogger, benchProgress } from './log.js';
import { loadText, spread, spreadText } from './stats.js';
import type { BenchRow } from './types.js';
import { SYNTHETIC_COLUMNS as COLUMNS, writeSyntheticMasterCsv as writeCsv } from './synthetic-csc2.js';

export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
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
  const reps = Math.max(1, Number(process.env.XTAP_BENCH_REPS ?? 3));
  const withStaged = process.env.XTAP_BENCH_STAGED !== '0';
  const dir = mkdtempSync(join(tmpdir(), 'xtap-bench-'));
  const csv = join(dir, 'master_source.csv');
  const log = benchLogger();
  try {
    process.stderr.write(`writing ${rows} synthetic rows to ${csv}\n`);
    await writeCsv(csv, rows);
    const xtap: number[] = [];
    const staged: number[] = [];
    const psql: number[] = [];
    const ratios: number[] = [];
    const loads: string[] = [];
    // Interleaved: each repetition times xtap's load into an empty master_source, then \copy of the same file.
    for (let rep = 0; rep < reps; rep++) {
      const url = await freshDatabase(adminUrl, 'xtap_bench_ingest');
      const db = await openDb({ databaseUrl: url, dataDir: 'unused' });
      await migrate(db, MIGRATIONS);
      loads.push(loadText());
      const t0 = performance.now();
      // The loader alone (as `xtap ingest csc2 --no-classify`); classification is measured by `npm run bench -- classify`.
      await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: benchProgress(), classify: false });
      const xtapS = (performance.now() - t0) / 1000;
      const count = (await db.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0];
      if (count !== BigInt(rows)) throw new Error(`expected ${rows} rows loaded, found ${String(count)}`);
      await db.exec('CREATE TABLE xtap.bench_copy (LIKE csc2.master_source)');
      await db.close();
      // The same file through staging + upsert (what a table that already holds rows gets).
      if (withStaged) {
        const sdb = await openDb({ databaseUrl: await freshDatabase(adminUrl, 'xtap_bench_ingest_staged'), dataDir: 'unused' });
        await migrate(sdb, MIGRATIONS);
        await sdb.exec(`INSERT INTO csc2.master_source (name, ra, dec) VALUES ('2CXO JPLACEHOLDER', 0, 0)`);
        const t2 = performance.now();
        await ingestCsc2(sdb, { files: [csv], table: 'master_source', log, progress: benchProgress(), classify: false });
        staged.push((performance.now() - t2) / 1000);
        await sdb.close();
      }
      const t1 = performance.now();
      execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy xtap.bench_copy (${COLUMNS.join(', ')}) FROM '${csv}' WITH (FORMAT csv, HEADER true)`], { stdio: 'pipe' });
      const psqlS = (performance.now() - t1) / 1000;
      xtap.push(xtapS);
      psql.push(psqlS);
      ratios.push(psqlS / xtapS);
      process.stderr.write(`rep ${rep + 1}/${reps}: xtap ${xtapS.toFixed(1)} s, ${withStaged ? `staged ${staged[rep]?.toFixed(1)} s, ` : ''}\\copy ${psqlS.toFixed(1)} s\n`);
    }
    const x = spread(xtap);
    const p = spread(psql);
    const r = spread(ratios);
    const st = withStaged ? spread(staged) : undefined;
    const gain = withStaged ? spread(staged.map((v, i) => v / (xtap[i] ?? Number.NaN))) : undefined;
    return [
      { name: `xtap ingest csc2 into an empty table (${rows} rows × ${COLUMNS.length} cols: parse, validate, hpx, direct COPY)`, value: rows / x.median, unit: 'rows/s', reference: spreadText(x) },
      ...(st && gain
        ? [{ name: 'xtap ingest csc2 of the same file into a table holding one other row (staging + upsert)', value: rows / st.median, unit: 'rows/s', reference: `${spreadText(st)}; direct path ${spreadText(gain, 2, '×')} faster` }]
        : []),
      { name: 'psql \\copy of the same CSV into a bare table', value: rows / p.median, unit: 'rows/s', reference: spreadText(p) },
      { name: `ratio xtap / psql \\copy (${reps} interleaved reps)`, value: r.median, unit: '×', reference: `${spreadText(r, 2, '×')}; ${loads[0] ?? ''}` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
