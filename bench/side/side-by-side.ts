/** `npm run bench` (or `npm run bench -- side-by-side [options]`): one run that puts xtap next to raw PostgreSQL and
 *  GAVO DaCHS on the same rows, interleaved per repetition, and writes bench/RESULTS.md and bench/RESULTS.json.
 *  Options: --rows N (rows downloaded, default 1e6), --reps N (≥ 3), --no-dachs, --smoke (tiny, for CI),
 *  --load-seconds S (per client count, default 10), --clients 1,8,64, --ingest-reps N, --no-ml, --rss-rows N
 *  (optional xtap-only RSS check on an N-row table), --out DIR (default bench). Needs DATABASE_URL and a built dist/. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { migrate, openDb, MIGRATIONS } from '../../db/index.js';
import { createProgress, ingestCsc2 } from '../../ingest/index.js';
import { translateAdql } from '../../adql/index.js';
import { publishedCatalog } from '../../schema/index.js';
import { serverSemiSpaceMb, startServer, type Server } from '../download.js';
import { freshDatabase } from '../ingest.js';
import { spread } from '../stats.js';
import { writeSyntheticMasterCsv } from '../synthetic-csc2.js';
import type { BenchRow } from '../types.js';
import { DACHS_DEFAULTS, probeDachs, type Dachs } from './dachs.js';
import { asyncRoundTrip, coneLoad, coneQuery, download, latency, type Tap } from './http.js';
import { checksum, copyOut, repeatQuery, withClient } from './pg.js';
import { renderJson, renderMarkdown, type Figure, type Results, type Series, type Target } from './report.js';
import type { Format } from './row-count.js';

export interface SideOptions {
  rows: number;
  reps: number;
  dachs: boolean;
  loadSeconds: number;
  clients: number[];
  ingestReps: number;
  ml: boolean;
  rssRows?: number;
  /** `--only rss`: just the RSS check (no DaCHS, cones, ingest timing or ML) into bench/results/rss.{md,json} */
  only?: 'rss';
  /** database the bench makes (dropped first) or, with --only rss, reuses when it already holds --rss-rows rows */
  db: string;
  /** --max-semi-space-size values (MB) the RSS check compares, interleaved; default: package.json's start script */
  rssSemis?: number[];
  topN: number;
  /** Untimed requests before each timed TOP 1 block (per server and rep). */
  topWarmup: number;
  asyncRows: number;
  out: string;
  smoke: boolean;
}

export function parseSideArgs(argv: string[]): SideOptions {
  const o: SideOptions = { rows: 1_000_000, reps: 3, dachs: true, loadSeconds: 10, clients: [1, 8, 64], ingestReps: 3, ml: true, topN: 50, topWarmup: 20, asyncRows: 100_000, out: 'bench', smoke: false, db: 'xtap_bench_side' };
  let outGiven = false;
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!v || !Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--rows') o.rows = Math.round(num(next(), a));
    else if (a === '--reps') o.reps = Math.max(3, Math.round(num(next(), a)));
    else if (a === '--no-dachs') o.dachs = false;
    else if (a === '--load-seconds') o.loadSeconds = num(next(), a);
    else if (a === '--clients') o.clients = (next() ?? '').split(',').map((c) => Math.round(num(c, a)));
    else if (a === '--ingest-reps') o.ingestReps = Math.round(num(next(), a));
    else if (a === '--no-ml') o.ml = false;
    else if (a === '--rss-rows') o.rssRows = Math.round(num(next(), a));
    else if (a === '--only') {
      const what = next();
      if (what !== 'rss') throw new Error(`--only takes rss, got ${what}`);
      o.only = 'rss';
    } else if (a === '--db') {
      const name = next() ?? '';
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`--db needs a plain lower-case database name, got ${name}`);
      o.db = name;
    } else if (a === '--rss-semi') o.rssSemis = (next() ?? '').split(',').map((c) => Math.round(num(c, a)));
    else if (a === '--out') {
      o.out = next() ?? 'bench';
      outGiven = true;
    }
    else if (a === '--smoke') Object.assign(o, { smoke: true, rows: 2000, loadSeconds: 1, clients: [1, 8], ingestReps: 1, ml: false, topN: 5, topWarmup: 2, asyncRows: 1000 });
    else if (a !== 'side-by-side') throw new Error(`unknown option ${a}`);
  }
  o.asyncRows = Math.min(o.asyncRows, o.rows);
  if (o.only === 'rss') {
    o.rssRows ??= 10_000_000;
    o.dachs = false;
    // bench/RESULTS.md is the full run's; the RSS-only run writes next to the single benches (git-ignored).
    if (!outGiven) o.out = 'bench/results';
  }
  return o;
}

const say = (msg: string) => process.stderr.write(`[side-by-side ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const here = dirname(fileURLToPath(import.meta.url));
/** bench/dachs in the source tree (dist/bench/side → ../../../bench/dachs, bench/side → ../dachs). */
const dachsDir = [join(here, '../dachs'), join(here, '../../../bench/dachs')].find((d) => existsSync(join(d, 'gen_csv.py'))) ?? join(here, '../dachs');

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unavailable';
  }
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

interface Sides {
  xtap: Series;
  dachs?: Series;
  raw?: Series;
}

function fig(id: string, what: string, unit: Figure['unit'], better: Figure['better'], s: Sides, note?: string): Figure {
  return { id, what, unit, better, xtap: s.xtap, ...(s.dachs ? { dachs: s.dachs } : {}), ...(s.raw ? { raw: s.raw } : {}), ...(note ? { note } : {}) };
}

const series = (label = ''): Series => ({ label, values: [] });
const med = (xs: number[]) => spread(xs).median;
const TOP1 = 'SELECT TOP 1 name FROM csc2.master_source';
const TOP1_SQL = 'SELECT name FROM csc2.master_source LIMIT 1';

export const TARGETS: Target[] = [
  { text: 'BINARY2 ≥ 0.7× COPY binary', figure: 'download.binary2', of: 'vsRaw', op: '>=', limit: 0.7 },
  { text: 'CSV ≥ 0.5× COPY csv', figure: 'download.csv', of: 'vsRaw', op: '>=', limit: 0.5 },
  { text: 'CSV ≥ 3× DaCHS', figure: 'download.csv', of: 'vsDachs', op: '>=', limit: 3 },
  { text: 'TABLEDATA ≥ 3× DaCHS', figure: 'download.tabledata', of: 'vsDachs', op: '>=', limit: 3 },
  { text: 'xtap peak RSS ≤ 150 MB (BINARY2 download)', figure: 'rss.binary2', of: 'xtap', op: '<=', limit: 150 },
  { text: 'xtap peak RSS ≤ 150 MB (TABLEDATA download)', figure: 'rss.tabledata', of: 'xtap', op: '<=', limit: 150 },
  { text: 'xtap peak RSS ≤ 150 MB (CSV download)', figure: 'rss.csv', of: 'xtap', op: '<=', limit: 150 },
  ...(['binary2', 'tabledata', 'csv', 'tsv'] as const).map((f): Target => ({ text: `xtap peak RSS ≤ 150 MB (${f.toUpperCase()} download of the --rss-rows table; the issue asks 10M rows)`, figure: `rss10.${f}`, of: 'xtap', op: '<=', limit: 150 })),
  { text: 'TOP 1 ≤ 2 ms', figure: 'top1', of: 'xtap', op: '<=', limit: 2 },
  { text: 'cone 0.05° ≤ 4 ms median (1 client)', figure: 'cone.p50.1', of: 'xtap', op: '<=', limit: 4 },
  { text: 'cone 0.05° ≥ 400 q/s at 8 clients', figure: 'cone.qps.8', of: 'xtap', op: '>=', limit: 400 },
  { text: 'ingest ≥ 0.5× `\\copy`', figure: 'ingest', of: 'vsRaw', op: '>=', limit: 0.5 },
];

/** The CSV both services hold: the one DaCHS imported when DaCHS is there, else gen_csv.py (numpy) or, without
 *  numpy, the TypeScript generator of bench/synthetic-csc2.ts (different columns; noted). */
async function sourceCsv(dir: string, rows: number, dachsCsv: string | undefined, notes: string[]): Promise<string> {
  if (dachsCsv) return dachsCsv;
  const file = join(dir, 'master_source.csv');
  try {
    say(`generating ${rows} rows with ${join(dachsDir, 'gen_csv.py')}`);
    execFileSync('python3', [join(dachsDir, 'gen_csv.py'), String(rows), file], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    notes.push('python3 with numpy was not available: the rows come from bench/synthetic-csc2.ts (30 columns), not gen_csv.py (48 columns).');
    await writeSyntheticMasterCsv(file, rows);
  }
  return file;
}

export async function benchSideBySide(opts: SideOptions): Promise<Results> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the side-by-side bench needs DATABASE_URL (a PostgreSQL server), e.g. postgres://postgres@127.0.0.1:5432/test');
  if (opts.only === 'rss') return benchRssOnly(adminUrl, opts);
  const started = new Date().toISOString();
  const loadStart = load();
  const notes: string[] = [];
  const log = pino({ level: 'warn' });
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-side-'));
  let server: Server | undefined;
  try {
    // --- DaCHS
    let dachs: Dachs | undefined;
    let dachsCsv: string | undefined;
    let tableRows = opts.rows;
    if (!opts.dachs) notes.push('DaCHS skipped (--no-dachs): its columns are empty.');
    else {
      const gavo = new URL(adminUrl);
      gavo.pathname = '/gavo';
      const probe = await probeDachs({ ...DACHS_DEFAULTS, databaseUrl: gavo.toString() });
      if (!probe.ok) {
        notes.push(`DaCHS skipped: ${probe.reason}. Its columns are empty.`);
        say(probe.reason);
      } else {
        dachs = probe.dachs;
        tableRows = Number((await withClient(dachs.databaseUrl, (c) => c.query<{ n: string }>('SELECT count(*)::text AS n FROM csc2.master_source'))).rows[0]?.n);
        const csv = '/var/gavo/inputs/csc2/data/master_source.csv';
        if (existsSync(csv) && readFileSync('/var/gavo/inputs/csc2/data/.n', 'utf8').trim() === String(tableRows)) dachsCsv = csv;
        say(`DaCHS at ${dachs.base} (pid ${dachs.pid ?? '?'}) holds ${tableRows} rows`);
        if (opts.rows > tableRows) throw new Error(`--rows ${opts.rows} is more than DaCHS's table holds (${tableRows}); run bench/dachs/setup.sh with N=${opts.rows}`);
      }
    }
    const csv = await sourceCsv(tmp, tableRows, dachsCsv, notes);
    const columns = (readFileSync(csv, 'utf8').slice(0, 4096).split('\n')[0] ?? '').split(',');
    const cols = columns.join(', ');

    // --- ingest: xtap's loader against \copy, interleaved; the first xtap load is the table the bench then serves
    const url = await freshDatabase(adminUrl, opts.db);
    const ingest = { xtap: series(), raw: series('`\\copy`') };
    for (let rep = 0; rep < opts.ingestReps; rep++) {
      const target = rep === 0 ? url : await freshDatabase(adminUrl, `${opts.db}_ingest`);
      const db = await openDb({ databaseUrl: target, dataDir: 'unused' });
      try {
        await migrate(db, MIGRATIONS);
        say(`ingest rep ${rep + 1}/${opts.ingestReps}: xtap ingest csc2 of ${tableRows} rows`);
        const t0 = performance.now();
        await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: createProgress(log), classify: false });
        ingest.xtap.values.push((performance.now() - t0) / 1000);
        await db.exec('CREATE TABLE xtap.bench_copy (LIKE csc2.master_source)');
      } finally {
        await db.close();
      }
      say(`ingest rep ${rep + 1}: xtap ${ingest.xtap.values[rep]?.toFixed(1)} s; now psql \\copy`);
      const t1 = performance.now();
      execFileSync('psql', [target, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy xtap.bench_copy (${cols}) FROM '${csv}' WITH (FORMAT csv, HEADER true)`], { stdio: ['ignore', 'ignore', 'inherit'] });
      ingest.raw.values.push((performance.now() - t1) / 1000);
      await withClient(target, (c) => c.query('DROP TABLE xtap.bench_copy'));
      if (rep > 0) await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${opts.db}_ingest WITH (FORCE)`));
    }
    await withClient(url, (c) => c.query('VACUUM (ANALYZE) csc2.master_source'));
    const mine = await checksum(url);
    if (mine.n !== String(tableRows)) throw new Error(`xtap holds ${mine.n} rows after ingest, expected ${tableRows}`);
    if (dachs) {
      const theirs = await checksum(dachs.databaseUrl);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) throw new Error(`xtap and DaCHS hold different rows: ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`);
      notes.push('DaCHS\'s table (bench/dachs/rd/q.rd) stores at least 12 of the 48 columns as real or smallint where xtap\'s CSC2 schema has double or int, so its BINARY2 rows are smaller (sizes in the notes column).');
      notes.push(`Same rows in both services, checked: ${Object.entries(mine).map(([k, v]) => `${k}=${v}`).join(', ')}.`);
    }

    // --- xtap server, as `npm start` runs it, with the sync timeouts raised like DaCHS's (setup.sh: 900 s) and the
    //     translation cache off: the cone section cycles 200 query texts, which a real user's new cones would not repeat.
    const resultsDir = join(tmp, 'results');
    server = await startServer(url, true, resultsDir, { XTAP_MAXREC_DEFAULT: '100000', XTAP_SYNC_QUERY_TIMEOUT_S: '900', XTAP_SYNC_TIMEOUT_S: '900', XTAP_TRANSLATION_CACHE: '0' });
    notes.push('xtap runs with its translation cache off (XTAP_TRANSLATION_CACHE=0): the cone section repeats 200 query texts, and every figure here is for queries xtap has not seen before.');
    const xtap: Tap = { label: 'xtap', base: `${server.base}/tap`, ...(server.child.pid ? { pid: server.child.pid } : {}) };
    const taps: Tap[] = dachs ? [xtap, dachs] : [xtap];
    const figures: Figure[] = [];
    /** A failing section is noted in RESULTS.md and the run goes on, so one broken part does not lose the rest. */
    const guard = async (name: string, run: () => Promise<void>): Promise<void> => {
      try {
        await run();
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        notes.push(`The ${name} section failed and its figures are missing: ${msg.slice(0, 400)}`);
        say(`${name} failed: ${msg}`);
      }
    };

    // --- bulk downloads
    await guard('download', async () => {
      const select = `SELECT TOP ${opts.rows} ${cols} FROM csc2.master_source`;
      const rawSelect = `SELECT ${cols} FROM csc2.master_source LIMIT ${opts.rows}`;
      const formats: Array<{ f: Format; raw: 'binary' | 'csv' | 'text' }> = [
        { f: 'binary2', raw: 'binary' },
        { f: 'tabledata', raw: 'text' },
        { f: 'csv', raw: 'csv' },
      ];
      const dl = new Map<string, Sides>();
      const get = (k: string, rawLabel?: string): Sides => {
        let s = dl.get(k);
        if (!s) dl.set(k, (s = { xtap: series(), dachs: series(), ...(rawLabel ? { raw: series(rawLabel) } : {}) }));
        return s;
      };
      const bytes = new Map<string, number>();
      for (let rep = 0; rep < opts.reps; rep++) {
        for (const { f, raw } of formats) {
          for (const tap of taps) {
            say(`download rep ${rep + 1}/${opts.reps} ${f} ${opts.rows} rows from ${tap.label}`);
            const d = await download(tap, select, f, opts.rows, opts.rows);
            const side = tap === xtap ? 'xtap' : 'dachs';
            get(`download.${f}`, `COPY ${raw}`)[side]?.values.push(d.seconds);
            get(`first.${f}`, `COPY ${raw}`)[side]?.values.push(d.firstByteS);
            if (d.peakRssMb !== undefined) get(`rss.${f}`)[side]?.values.push(d.peakRssMb);
            bytes.set(`${side}.${f}`, d.bytes);
            say(`  ${d.seconds.toFixed(2)} s, first byte ${d.firstByteS.toFixed(2)} s, ${(d.bytes / 1e6).toFixed(0)} MB, peak RSS ${d.peakRssMb?.toFixed(0) ?? '?'} MB`);
          }
          say(`download rep ${rep + 1} ${f}: raw COPY (FORMAT ${raw})`);
          const c = await copyOut(url, rawSelect, raw);
          if (c.rows !== undefined && c.rows !== opts.rows) throw new Error(`COPY ${raw} gave ${c.rows} rows, expected ${opts.rows}`);
          get(`download.${f}`).raw?.values.push(c.seconds);
          get(`first.${f}`).raw?.values.push(c.firstByteS);
          bytes.set(`raw.${f}`, c.bytes);
        }
      }
      const mb = (k: string) => (bytes.has(k) ? `${((bytes.get(k) as number) / 1e6).toFixed(0)} MB` : '—');
      const names: Record<Format, string> = { binary2: 'BINARY2', tabledata: 'TABLEDATA', csv: 'CSV', tsv: 'TSV' };
      for (const { f } of formats) {
        const noDachs = (s: Sides): Sides => (dachs ? s : { xtap: s.xtap, ...(s.raw ? { raw: s.raw } : {}) });
        figures.push(fig(`download.${f}`, `${names[f]} download, ${opts.rows.toLocaleString('en')} rows × ${columns.length} columns (row count verified)`, 's', 'lower', noDachs(get(`download.${f}`)), `sizes: xtap ${mb(`xtap.${f}`)}, DaCHS ${mb(`dachs.${f}`)}, COPY ${mb(`raw.${f}`)}`));
        figures.push(fig(`first.${f}`, `${names[f]} time to first byte`, 's', 'lower', noDachs(get(`first.${f}`))));
        figures.push(fig(`rss.${f}`, `server peak RSS during the ${names[f]} download`, 'MB', 'lower', noDachs(get(`rss.${f}`)), 'VmRSS sampled every 50 ms, VmHWM reset before each download'));
      }

    });

    // --- cones: the same 200 centres for everyone (source positions offset by 0.01°, as bench.sh does)
    await guard('cone', async () => {
      const centres = (await withClient(url, (c) => c.query<{ ra: number; dec: number }>('SELECT ra + 0.01 AS ra, dec - 0.01 AS dec FROM csc2.master_source ORDER BY md5(name) LIMIT 200'))).rows;
      const cones = centres.map((p) => coneQuery('csc2.master_source', cols, p.ra, p.dec));
      const coneSql = cones.map((q) => translateAdql(q, publishedCatalog(), { rowLimit: 100_001, inlineLiterals: true }).sql);
      const q3cSql = centres.map((p) => `SELECT ${cols} FROM csc2.master_source WHERE q3c_join(${p.ra}, ${p.dec}, ra, dec, 0.05) LIMIT 20000`);
      const coneRows = await withClient(url, async (c) => {
        let n = 0;
        for (const s of coneSql.slice(0, 50)) n += (await c.query(s)).rowCount ?? 0;
        return n / Math.min(50, coneSql.length);
    });
    const qps = new Map<number, Sides>();
    const p50 = new Map<number, Sides>();
    const q3c = series('q3c (DaCHS SQL)');
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const clients of opts.clients) {
        const q = qps.get(clients) ?? { xtap: series(), ...(dachs ? { dachs: series() } : {}), ...(clients === 1 ? { raw: series('same SQL, pg client') } : {}) };
        const p = p50.get(clients) ?? { xtap: series(), ...(dachs ? { dachs: series() } : {}), ...(clients === 1 ? { raw: series('same SQL, pg client') } : {}) };
        qps.set(clients, q);
        p50.set(clients, p);
        for (const tap of taps) {
          say(`cone rep ${rep + 1}/${opts.reps}: ${clients} client(s) × ${opts.loadSeconds} s on ${tap.label}`);
          const r = await coneLoad(tap, cones, clients, opts.loadSeconds);
          if (r.errors) notes.push(`${tap.label}, ${clients} clients, rep ${rep + 1}: ${r.errors} failed cone queries (first: ${r.firstError?.slice(0, 200)})`);
          say(`  ${r.qps.toFixed(1)} q/s, p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, ${r.errors} errors`);
          const side = tap === xtap ? 'xtap' : 'dachs';
          q[side]?.values.push(r.qps);
          p[side]?.values.push(r.p50Ms);
        }
        if (clients === 1) {
          say(`cone rep ${rep + 1}: the same SQL on PostgreSQL for ${opts.loadSeconds} s`);
          const t = await repeatQuery(url, (i) => coneSql[i % coneSql.length] as string, { seconds: opts.loadSeconds });
          q.raw?.values.push(t.length / (t.reduce((a, b) => a + b, 0) / 1000));
          p.raw?.values.push(med(t));
          if (dachs) q3c.values.push(med(await repeatQuery(dachs.databaseUrl, (i) => q3cSql[i % q3cSql.length] as string, { n: 200 })));
        }
      }
    }
    const coneWhat = `cone 0.05°, ${columns.length} columns (≈ ${coneRows.toFixed(1)} rows), default format`;
    for (const clients of opts.clients) {
      if (clients === 1) figures.push(fig('cone.p50.1', `${coneWhat}: sequential latency (p50 per ${opts.loadSeconds} s window)`, 'ms', 'lower', p50.get(1) as Sides, q3c.values.length ? `q3c on DaCHS's table: ${spread(q3c.values).median.toFixed(2)} ms` : undefined));
      figures.push(fig(`cone.qps.${clients}`, `${coneWhat}: throughput at ${clients} client${clients > 1 ? 's' : ''}`, 'q/s', 'higher', qps.get(clients) as Sides));
      if (clients > 1) figures.push(fig(`cone.p50.${clients}`, `cone latency p50 at ${clients} clients`, 'ms', 'lower', p50.get(clients) as Sides));
    }

    });

    // --- SELECT TOP 1 name
    await guard('TOP 1', async () => {
      const top1 = { xtap: series(), ...(dachs ? { dachs: series() } : {}), raw: series('`SELECT name … LIMIT 1`, pg client') };
      for (let rep = 0; rep < opts.reps; rep++) {
        say(`TOP 1 rep ${rep + 1}/${opts.reps}: ${opts.topN} requests each`);
        // Each timed block follows its own untimed warm-up of the same requests, for every server and for raw
        // PostgreSQL alike (as bench/latency.ts does): the section before this one is the 64-client cone load, and
        // the figure is the steady sequential latency, not the first requests after another server's load.
        for (const tap of taps) {
          await latency(tap, TOP1, opts.topWarmup);
          (tap === xtap ? top1.xtap : top1.dachs)?.values.push(med(await latency(tap, TOP1, opts.topN)));
        }
        top1.raw.values.push(med((await repeatQuery(url, TOP1_SQL, { n: opts.topWarmup + opts.topN })).slice(opts.topWarmup))); // one connection: warm-up, then the timed block
      }
      figures.push(fig('top1', `\`SELECT TOP 1 name\` latency (median of ${opts.topN} sequential requests after ${opts.topWarmup} untimed)`, 'ms', 'lower', top1));

    });

    // --- async round trip
    await guard('async', async () => {
      const asyncS = { xtap: series(), ...(dachs ? { dachs: series() } : {}), raw: series('COPY binary of the same rows') };
      const asyncQuery = `SELECT TOP ${opts.asyncRows} ${cols} FROM csc2.master_source`;
      for (let rep = 0; rep < opts.reps; rep++) {
        for (const tap of taps) {
          say(`async rep ${rep + 1}/${opts.reps}: ${opts.asyncRows} rows on ${tap.label}`);
          (tap === xtap ? asyncS.xtap : asyncS.dachs)?.values.push((await asyncRoundTrip(tap, asyncQuery, opts.asyncRows)).seconds);
        }
        asyncS.raw.values.push((await copyOut(url, `SELECT ${cols} FROM csc2.master_source LIMIT ${opts.asyncRows}`, 'binary')).seconds);
      }
      figures.push(fig('async', `async UWS round trip, ${opts.asyncRows.toLocaleString('en')} rows BINARY2 (create, run, poll every 0.1 s, fetch with row count, delete)`, 's', 'lower', asyncS));
    });
    figures.push(fig('ingest', `ingest of the same ${tableRows.toLocaleString('en')}-row CSV into an empty table (xtap ingest csc2 --no-classify, in process)`, 's', 'lower', ingest, `${opts.ingestReps} interleaved reps; DaCHS's own import (\`dachs imp\`) is not timed here`));

    // --- optional: xtap peak RSS on a larger table (xtap only)
    if (opts.rssRows) {
      await server.stop();
      server = undefined;
      figures.push(...(await rssCheck(url, opts.rssRows, cols, resultsDir, opts.reps, opts.rssSemis, notes)));
    }
    await server?.stop();
    server = undefined;

    // --- xtap-only benches (ML)
    const xtapOnly: Results['xtapOnly'] = [];
    if (opts.ml) {
      for (const [name, mod] of [['dedt', '../dedt.js'], ['classify', '../classify.js']] as const) {
        await guard(name, async () => {
          say(`running the ${name} bench (xtap only)`);
          const m = (await import(mod)) as Record<string, () => Promise<BenchRow[]>>;
          const fn = name === 'dedt' ? m.benchDedt : m.benchClassify;
          if (fn) xtapOnly.push({ bench: name, rows: await fn() });
        });
      }
    }

    const facts = await machineFacts(url, loadStart, notes, [
      ['DaCHS', dachs ? `${dachs.version} at ${dachs.base}` : 'not measured'],
      ['client', `this process, same machine: downloads by Node.js fetch, small queries (TOP 1, cones) by node:http with a keep-alive agent (bench/side/keepalive-client.ts); cones: ${opts.clients.join('/')} concurrent clients for ${opts.loadSeconds} s each`],
    ]);
    if (opts.rows < tableRows) notes.push(`Downloads fetch the first ${opts.rows.toLocaleString('en')} rows (TOP/LIMIT) of the ${tableRows.toLocaleString('en')}-row table (\`--rows ${opts.rows}\`), not the whole table.`);
    if (opts.smoke) notes.push('--smoke run: tiny sizes, only checks that the bench works; the figures mean nothing.');
    return {
      meta: { started, finished: new Date().toISOString(), command: `${Object.entries(process.env).filter(([k]) => k.startsWith('XTAP_BENCH_')).map(([k, v]) => `${k}=${v} `).join('')}npm run bench -- side-by-side ${process.argv.slice(2).filter((a) => a !== 'side-by-side').join(' ')}`.trim(), rows: opts.rows, tableRows, reps: opts.reps, facts, notes },
      figures,
      xtapOnly,
      targets: TARGETS,
    };
  } finally {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Machine and version facts of a run, and a note when the machine was busy (load above the core count). */
async function machineFacts(url: string, loadStart: string, notes: string[], extra: Array<[string, string]>): Promise<Array<[string, string]>> {
  const loadEnd = load();
  const pgVersion = await withClient(url, async (c) => (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? '?');
  const [l1] = loadavg();
  const cores = Number(sh('nproc', []));
  if ((l1 ?? 0) > cores || Number(loadStart.split(' / ')[0]) > cores) {
    notes.push(`The machine was shared with other work during this run (load average ${loadStart} at start, ${loadEnd} at end on ${cores} cores): absolute figures are slower than on an idle machine; the ratios compare measurements taken under the same load.`);
  }
  return [
    ['cores (nproc)', String(cores)],
    ['CPU', cpus()[0]?.model ?? '?'],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['load average (1/5/15 min) at start', loadStart],
    ['load average at end', loadEnd],
    ['xtap commit', `${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : ''}`],
    ['Node.js', process.version],
    ['PostgreSQL', pgVersion],
    ...extra,
  ];
}

const FORMAT_NAMES: Record<Format, string> = { binary2: 'BINARY2', tabledata: 'TABLEDATA', csv: 'CSV', tsv: 'TSV' };
const RSS_FORMATS = ['binary2', 'tabledata', 'csv', 'tsv'] as const;

/** Grows the table to `rssRows` rows (copies of the loaded rows with suffixed names) unless it holds them, then
 *  downloads the whole table `reps` times per format (and per young-generation size in `semis`; default
 *  package.json's, i.e. as `npm start` runs the server), interleaved with the order rotated every repetition, each
 *  from a server that stays up for the run, sampling its RSS. xtap only. Figures rss10.FORMAT (peak RSS) and
 *  dl10.FORMAT (download time); with several sizes the ids end in .semiN. */
async function rssCheck(url: string, rssRows: number, cols: string, resultsDir: string, reps: number, semis: number[] | undefined, notes: string[]): Promise<Figure[]> {
  const list = cols.split(', ');
  await withClient(url, async (c) => {
    const base = Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM csc2.master_source WHERE name NOT LIKE '%#%'`)).rows[0]?.n);
    const have = Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM csc2.master_source')).rows[0]?.n);
    if (have === rssRows) return;
    if (have !== base || rssRows % base !== 0) throw new Error(`csc2.master_source holds ${have} rows (${base} originals); cannot grow it to ${rssRows} rows (a multiple of the originals is needed)`);
    const copies = rssRows / base - 1;
    say(`RSS check: growing csc2.master_source from ${have} to ${rssRows} rows`);
    for (let k = 1; k <= copies; k++) {
      await c.query(`INSERT INTO csc2.master_source (${cols}, hpx14) SELECT ${list.map((x) => (x === 'name' ? `name || '#${k}'` : x)).join(', ')}, hpx14 FROM csc2.master_source WHERE name NOT LIKE '%#%'`);
      say(`  copy ${k}/${copies}`);
    }
    await c.query('VACUUM (ANALYZE) csc2.master_source');
  });
  const sizes = semis?.length ? semis : [serverSemiSpaceMb()];
  const env = { XTAP_MAXREC_DEFAULT: '100000', XTAP_MAXREC_HARD: String(Math.max(rssRows, 10_000_000)), XTAP_SYNC_QUERY_TIMEOUT_S: '3600', XTAP_SYNC_TIMEOUT_S: '3600' };
  const servers = new Map<number, Server>();
  const rss = new Map<string, number[]>();
  const secs = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const key = (f: Format, semi: number) => (sizes.length > 1 ? `${f}.semi${semi}` : f);
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  try {
    for (const semi of sizes) servers.set(semi, await startServer(url, true, resultsDir, env, process.cwd(), semi));
    const combos = RSS_FORMATS.flatMap((f) => sizes.map((semi) => [f, semi] as const));
    for (let rep = 0; rep < reps; rep++) {
      // Rotated each repetition so that no (format, size) always runs first or right after the same neighbour.
      const shift = rep * (sizes.length === 1 ? 1 : sizes.length + 1);
      const order = combos.map((_, i) => combos[(i + shift) % combos.length] as (typeof combos)[number]);
      for (const [f, semi] of order) {
        const server = servers.get(semi) as Server;
        const tap: Tap = { label: 'xtap', base: `${server.base}/tap`, ...(server.child.pid ? { pid: server.child.pid } : {}) };
        const d = await download(tap, `SELECT TOP ${rssRows} ${cols} FROM csc2.master_source`, f, rssRows, rssRows).catch((err: unknown) => {
          const cause = err instanceof Error && err.cause ? ` (cause: ${String(err.cause)})` : '';
          throw new Error(`RSS check rep ${rep + 1}, ${f} at semi-space ${semi} MB: ${err instanceof Error ? err.message : String(err)}${cause}`);
        });
        // VmHWM catches a spike between two samples (it was reset before the download).
        push(rss, key(f, semi), Math.max(d.peakRssMb ?? 0, d.hwmMb ?? 0));
        push(secs, key(f, semi), d.seconds);
        push(cpu, key(f, semi), d.serverCpuS ?? Number.NaN);
        say(`RSS check rep ${rep + 1}/${reps}: ${f} (semi-space ${semi} MB) ${rssRows} rows: peak RSS ${d.peakRssMb?.toFixed(1)} MB (VmHWM ${d.hwmMb?.toFixed(1)} MB), ${d.seconds.toFixed(1)} s, server CPU ${d.serverCpuS?.toFixed(1)} s`);
      }
    }
  } finally {
    for (const s of servers.values()) await s.stop();
  }
  notes.push(`RSS check: ${rssRows.toLocaleString('en')} rows × ${list.length} columns per download, ${reps} interleaved repetitions, each server (\`--max-semi-space-size=${sizes.join('/')}\`) up for the whole check; peak = max of VmRSS sampled every 50 ms and VmHWM reset before each download.`);
  const out: Figure[] = [];
  for (const f of RSS_FORMATS) {
    for (const semi of sizes) {
      const k = key(f, semi);
      const at = sizes.length > 1 ? `, semi-space ${semi} MB` : '';
      out.push(fig(`rss10.${k}`, `xtap peak RSS, ${FORMAT_NAMES[f]} download of ${rssRows.toLocaleString('en')} rows${at}`, 'MB', 'lower', { xtap: { label: '', values: rss.get(k) ?? [] } }));
      out.push(fig(`dl10.${k}`, `${FORMAT_NAMES[f]} download time, ${rssRows.toLocaleString('en')} rows${at} (row count verified)`, 's', 'lower', { xtap: { label: '', values: secs.get(k) ?? [] } }));
      out.push(fig(`cpu10.${k}`, `${FORMAT_NAMES[f]} download, server CPU time (user + system), ${rssRows.toLocaleString('en')} rows${at}`, 's', 'lower', { xtap: { label: '', values: (cpu.get(k) ?? []).filter((v) => Number.isFinite(v)) } }));
    }
  }
  return out;
}

/** `--only rss`: the RSS check alone. Reuses database --db when it already holds --rss-rows rows in
 *  csc2.master_source (the grown table takes minutes to build), else makes it: gen_csv.py's --rows rows loaded by
 *  xtap's ingest, then grown. */
async function benchRssOnly(adminUrl: string, opts: SideOptions): Promise<Results> {
  const started = new Date().toISOString();
  const loadStart = load();
  const notes: string[] = [];
  const rssRows = opts.rssRows ?? 10_000_000;
  const u = new URL(adminUrl);
  u.pathname = `/${opts.db}`;
  let url = u.toString();
  // The columns downloaded are the CSV's (as in the full run); the database's comment keeps them for reuse.
  const held = await withClient(adminUrl, async (c) => {
    const r = await c.query<{ cols: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS cols FROM pg_database WHERE datname = $1`, [opts.db]);
    const cols = r.rows[0]?.cols;
    if (!cols) return undefined;
    const n = await withClient(url, async (d) => Number((await d.query<{ n: string }>(`SELECT CASE WHEN to_regclass('csc2.master_source') IS NULL THEN '-1' ELSE (SELECT count(*)::text FROM csc2.master_source) END AS n`)).rows[0]?.n));
    return { n, cols };
  });
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-rss-'));
  try {
    let cols: string;
    if (held?.n === rssRows) {
      say(`RSS check: reusing ${opts.db}, which holds ${rssRows} rows`);
      notes.push(`Database ${opts.db} already held ${rssRows.toLocaleString('en')} rows and was reused (drop it to rebuild).`);
      cols = held.cols;
    } else {
      url = await freshDatabase(adminUrl, opts.db);
      const csv = await sourceCsv(tmp, opts.rows, undefined, notes);
      cols = (readFileSync(csv, 'utf8').slice(0, 4096).split('\n')[0] ?? '').split(',').join(', ');
      const log = pino({ level: 'warn' });
      const db = await openDb({ databaseUrl: url, dataDir: 'unused' });
      try {
        await migrate(db, MIGRATIONS);
        say(`RSS check: xtap ingest csc2 of ${opts.rows} rows into ${opts.db}`);
        await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: createProgress(log), classify: false });
      } finally {
        await db.close();
      }
      await withClient(adminUrl, (c) => c.query(`COMMENT ON DATABASE ${opts.db} IS '${cols}'`));
    }
    const figures = await rssCheck(url, rssRows, cols, join(tmp, 'results'), opts.reps, opts.rssSemis, notes);
    const facts = await machineFacts(url, loadStart, notes, [['client', 'this process (Node.js fetch), same machine']]);
    const ids = new Set(figures.map((f) => f.id));
    return {
      meta: { started, finished: new Date().toISOString(), command: `npm run bench -- side-by-side ${process.argv.slice(2).filter((a) => a !== 'side-by-side').join(' ')}`.trim(), rows: rssRows, tableRows: rssRows, reps: opts.reps, facts, notes },
      figures,
      xtapOnly: [],
      targets: TARGETS.filter((t) => ids.has(t.figure)),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function runSideBySide(argv: string[]): Promise<void> {
  const opts = parseSideArgs(argv);
  say(`rows ${opts.rows}, reps ${opts.reps}, DaCHS ${opts.dachs ? 'if reachable' : 'skipped'}; load average ${load()}`);
  const results = await benchSideBySide(opts);
  const md = renderMarkdown(results);
  const base = opts.only === 'rss' ? 'rss' : 'RESULTS';
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, `${base}.md`), md);
  writeFileSync(join(opts.out, `${base}.json`), renderJson(results));
  process.stdout.write(md);
  say(`wrote ${join(opts.out, `${base}.md`)} and ${base}.json`);
  const failed = results.meta.notes.filter((n) => n.includes('section failed'));
  if (opts.smoke && failed.length) throw new Error(`--smoke: ${failed.length} section(s) failed: ${failed.join(' | ')}`);
}
