/** Download benchmark: 1M synthetic csc2.master_source rows × 30 columns (name, ra, dec and 27 numeric/boolean
 *  ones) through the real server (`node dist/server/main.js`, /tap/sync over HTTP, bulk COPY paths) as VOTable
 *  BINARY2, VOTable TABLEDATA and CSV, each against raw `COPY (SELECT …) TO STDOUT` measured in the same
 *  repetition (binary for the VOTables, csv for CSV), with the server's RSS sampled every 50 ms. The young
 *  generation size is swept in the same run: every format is downloaded with `--max-semi-space-size` 4/16/32/64
 *  MB (XTAP_BENCH_SEMI), a fresh server per download, the (format, size) order rotated each repetition, at least
 *  3 interleaved repetitions (XTAP_BENCH_REPS); the table is also written to bench/results/download-gc.md. Ratios
 *  are taken at the size `npm start` uses (read from package.json). Then the BINARY2 cursor path
 *  (XTAP_BULK_COPY=0) once. Every document is checked (BINARY2: row count from the STREAM length and a parsed
 *  sample; TABLEDATA: one </TR> per row and a clean end; CSV: line count) so a broken stream cannot pass. Needs
 *  DATABASE_URL and a built dist/; XTAP_BENCH_ROWS overrides the row count, XTAP_BENCH_DB the database made (and
 *  dropped first: default xtap_bench_download). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { copyTo } from '../db/copy-out-stream.js';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { parseVotable } from '../votable/decoder.js';
import { freshDatabase } from './ingest.js';
import type { BenchRow } from './types.js';
import { spread, type Spread } from './stats.js';

/** The 30 columns: name, ra, dec, then 27 numeric and boolean ones (types as in schema/csc2/master-source.ts). */
const DOUBLES = [
  'err_ellipse_r0', 'err_ellipse_r1', 'significance', 'flux_aper90_b', 'flux_aper90_lolim_b', 'flux_aper90_hilim_b',
  'flux_aper90_s', 'flux_aper90_lolim_s', 'flux_aper90_hilim_s', 'flux_aper90_m', 'flux_aper90_lolim_m', 'flux_aper90_hilim_m',
  'flux_aper90_h', 'flux_aper90_lolim_h', 'flux_aper90_hilim_h', 'hard_hm', 'hard_hs', 'hard_ms', 'kp_intra_prob_b',
  'var_intra_prob_b', 'var_inter_prob_b', 'nh_gal', 'gal_l', 'gal_b',
];
const BOOLEANS = ['conf_flag', 'var_flag'];
const INTS = ['acis_num'];
const COLUMNS = ['name', 'ra', 'dec', ...DOUBLES, ...BOOLEANS, ...INTS];
const NAME_PREFIX = '2CXO JBENCH';
/** BINARY2 bytes of one row: null mask, name (int32 length + 19 chars), doubles, booleans, int. */
const ROW_BYTES = 4 + 4 + NAME_PREFIX.length + 8 + 8 * (2 + DOUBLES.length) + BOOLEANS.length + 4 * INTS.length;

async function fill(url: string, rows: number): Promise<void> {
  const db = await openDb({ databaseUrl: url, dataDir: 'unused' });
  try {
    await migrate(db, MIGRATIONS);
    const values = [
      `'${NAME_PREFIX}' || lpad(i::text, 8, '0')`,
      'random() * 360',
      'degrees(asin(2 * random() - 1))',
      ...DOUBLES.map(() => 'random() * 100 - 10'),
      ...BOOLEANS.map(() => 'random() < 0.1'),
      ...INTS.map(() => '1 + floor(random() * 10)::int'),
      '(i % 3221225472)::bigint',
    ];
    await db.exec(
      `INSERT INTO csc2.master_source (${[...COLUMNS, 'hpx14'].join(', ')}) SELECT ${values.join(', ')} FROM generate_series(1, ${rows}) AS i`,
    );
    await db.exec('VACUUM (ANALYZE) csc2.master_source');
  } finally {
    await db.close();
  }
}

/** Rows/s of COPY (SELECT …) TO STDOUT in the given format, output discarded. */
async function copyRate(url: string, format: 'binary' | 'text' | 'csv', rows: number): Promise<{ rate: number; bytes: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = performance.now();
    const stream = client.query(copyTo(`COPY (SELECT ${COLUMNS.join(', ')} FROM csc2.master_source) TO STDOUT (FORMAT ${format})`));
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
    return { rate: rows / ((performance.now() - t0) / 1000), bytes };
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface Server {
  child: ChildProcess;
  base: string;
  stop(): Promise<void>;
}

/** Starts `node dist/server/main.js` of this checkout, or of `root` (another checkout, for a baseline). */
export async function startServer(url: string, bulkCopy: boolean, resultsDir: string, env: Record<string, string> = {}, root = process.cwd(), semiSpaceMb = serverSemiSpaceMb(root)): Promise<Server> {
  const port = await freePort();
  // Started as `npm start` starts it (package.json's young generation size), unless a size is asked for.
  const child = spawn(process.execPath, [`--max-semi-space-size=${semiSpaceMb}`, join(root, 'dist/server/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      XTAP_LOAD_SAMPLE: 'never',
      XTAP_MAXREC_DEFAULT: '1000000',
      XTAP_MAXREC_HARD: '10000000',
      XTAP_BULK_COPY: bulkCopy ? '1' : '0',
      XTAP_RESULTS_DIR: resultsDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    // XTAP_BENCH_SERVER_LOG=FILE keeps the server's log (stdout) in FILE, appended, e.g. with LOG_LEVEL=info in env.
    stdio: ['ignore', process.env.XTAP_BENCH_SERVER_LOG ? openSync(process.env.XTAP_BENCH_SERVER_LOG, 'a') : 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/tap/availability`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    base,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The `--max-semi-space-size` (MB) of `npm start` in package.json: the one setting the server runs with. */
export function serverSemiSpaceMb(root = process.cwd()): number {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const m = /--max-semi-space-size=(\d+)/.exec(start);
  if (!m) throw new Error('package.json scripts.start sets no --max-semi-space-size');
  return Number(m[1]);
}

function kib(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

type Format = 'BINARY2' | 'TABLEDATA' | 'CSV';
const FORMATS: Format[] = ['BINARY2', 'TABLEDATA', 'CSV'];
const RESPONSEFORMAT: Record<Format, string> = { BINARY2: 'votable/b2', TABLEDATA: 'votable/td', CSV: 'csv' };

const syncBody = (query: string, maxrec: number, format: Format = 'BINARY2') => new URLSearchParams({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: RESPONSEFORMAT[format], MAXREC: String(maxrec) });

interface Download {
  /** VmRSS of the started server before the download. */
  idleRssMb: number;
  seconds: number;
  rate: number;
  bytes: number;
  peakRssMb: number;
  hwmMb: number;
}

const TR_END = Buffer.from('</TR>');

/** Downloads the whole table in `format`, counting bytes and sampling the server's RSS; checks that the document
 *  is complete and holds exactly `rows` rows (see the module comment). */
async function download(server: Server, rows: number, format: Format = 'BINARY2'): Promise<Download> {
  const pid = server.child.pid as number;
  const idle = kib(pid, 'VmRSS');
  let peak = idle;
  const timer = setInterval(() => {
    peak = Math.max(peak, kib(pid, 'VmRSS'));
  }, 50);
  const t0 = performance.now();
  const res = await fetch(`${server.base}/tap/sync`, { method: 'POST', body: syncBody(`SELECT ${COLUMNS.join(', ')} FROM csc2.master_source`, rows, format) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  let bytes = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let lines = 0;
  let trs = 0;
  let carry = Buffer.alloc(0);
  // The client does as little as it can (the COPY references discard their output): the first chunks, the last
  // two, and a </TR> count by indexOf, with a 4-byte window across chunk boundaries.
  let prev = Buffer.alloc(0);
  let lastChunk = Buffer.alloc(0);
  for await (const part of res.body) {
    const chunk = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    bytes += chunk.length;
    if (format === 'CSV') {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      continue;
    }
    if (head.length < 65536) head = Buffer.concat([head, chunk]);
    prev = lastChunk;
    lastChunk = chunk;
    if (format === 'TABLEDATA') {
      for (let i = chunk.indexOf(TR_END); i >= 0; i = chunk.indexOf(TR_END, i + TR_END.length)) trs++;
      if (carry.length > 0) {
        const edge = Buffer.concat([carry, chunk.subarray(0, 4)]);
        if (edge.indexOf(TR_END) >= 0) trs++;
      }
      carry = chunk.subarray(-4);
    }
  }
  tail = Buffer.concat([prev, lastChunk]);
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, kib(pid, 'VmRSS'));
  const hwm = kib(pid, 'VmHWM');
  const result = { idleRssMb: idle / 1024, seconds: s, rate: rows / s, bytes, peakRssMb: peak / 1024, hwmMb: hwm / 1024 };
  if (format === 'CSV') {
    if (lines !== rows + 1) throw new Error(`the CSV has ${lines} lines, expected ${rows + 1}`);
    return result;
  }
  const text = tail.toString('latin1');
  const status = /<INFO name="QUERY_STATUS" value="(ERROR|OVERFLOW)"[^>]*>/.exec(text);
  if (status) throw new Error(`the download ended with QUERY_STATUS=${status[1]}: ${text.slice(status.index, status.index + 300)}`);
  if (!text.endsWith('</VOTABLE>\n')) throw new Error(`the ${format} download is not a complete VOTable`);
  if (format === 'TABLEDATA') {
    if (trs !== rows) throw new Error(`the TABLEDATA holds ${trs} rows, expected ${rows}`);
    return result;
  }
  const open = '<STREAM encoding="base64">\n';
  const start = head.indexOf(open);
  const endInTail = tail.lastIndexOf('</STREAM>');
  if (start < 0 || endInTail < 0) throw new Error('the download is not a complete BINARY2 VOTable');
  const streamBytes = bytes - tail.length + endInTail - (start + open.length);
  const nlines = Math.floor(streamBytes / 77);
  const rest = streamBytes - 77 * nlines;
  const chars = 76 * nlines + (rest > 0 ? rest - 1 : 0);
  const padding = tail.subarray(endInTail - 3, endInTail).toString('latin1').split('=').length - 1;
  const binary = (chars / 4) * 3 - padding;
  if (binary !== rows * ROW_BYTES) throw new Error(`the STREAM holds ${binary} bytes, expected ${rows} rows × ${ROW_BYTES} = ${rows * ROW_BYTES}`);
  return result;
}

/** A small result through the same server, parsed whole: the right rows, names and OVERFLOW. */
async function checkSample(server: Server): Promise<void> {
  const res = await fetch(`${server.base}/tap/sync`, { method: 'POST', body: syncBody(`SELECT ${COLUMNS.join(', ')} FROM csc2.master_source ORDER BY name`, 5) });
  const doc = new Uint8Array(await res.arrayBuffer());
  const table = parseVotable(doc)[0];
  const names = table?.rows.map((r) => r[0]);
  if (table?.serialization !== 'BINARY2' || JSON.stringify(names) !== JSON.stringify([1, 2, 3, 4, 5].map((i) => `${NAME_PREFIX}${String(i).padStart(8, '0')}`))) {
    throw new Error(`unexpected sample: ${JSON.stringify(names)}`);
  }
  if (!Buffer.from(doc).toString('utf8').includes('<INFO name="QUERY_STATUS" value="OVERFLOW"/>')) throw new Error('the sample has no OVERFLOW');
  const row = table.rows[0] as unknown[];
  if (row.length !== 30 || typeof row[1] !== 'number' || typeof row[28] !== 'boolean' || typeof row[29] !== 'number') throw new Error(`unexpected sample row ${JSON.stringify(row)}`);
}

/** Seconds of `COPY (SELECT …) TO STDOUT` in the given format, output discarded. */
async function copySeconds(url: string, format: 'binary' | 'csv', rows: number): Promise<number> {
  return rows / (await copyRate(url, format, rows)).rate;
}

const fmtS = (x: Spread, d = 2) => `${x.median.toFixed(d)} s (${x.min.toFixed(d)}–${x.max.toFixed(d)})`;
const fmtMb = (x: Spread) => `${x.median.toFixed(0)} MB (max ${x.max.toFixed(0)})`;

export async function benchDownload(): Promise<BenchRow[]> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the download benchmark needs DATABASE_URL (a PostgreSQL server), e.g. postgres://postgres@127.0.0.1:5432/test');
  const rows = Number(process.env.XTAP_BENCH_ROWS ?? 1_000_000);
  const reps = Math.max(3, Number(process.env.XTAP_BENCH_REPS ?? 3));
  const semis = (process.env.XTAP_BENCH_SEMI ?? '4,16,32,64').split(',').map(Number);
  const serverSemi = serverSemiSpaceMb();
  if (!semis.includes(serverSemi)) semis.push(serverSemi);
  const resultsDir = mkdtempSync(join(tmpdir(), 'xtap-bench-download-'));
  const loads: number[] = [];
  try {
    const url = await freshDatabase(adminUrl, process.env.XTAP_BENCH_DB ?? 'xtap_bench_download');
    process.stderr.write(`filling csc2.master_source with ${rows} synthetic rows\n`);
    await fill(url, rows);
    await copyRate(url, 'binary', rows); // warm-up: table in cache, hint bits set
    {
      const server = await startServer(url, true, resultsDir);
      try {
        await checkSample(server);
      } finally {
        await server.stop();
      }
    }
    const copyBin: number[] = [];
    const copyCsv: number[] = [];
    const runs = new Map<string, Download[]>();
    const key = (f: Format, semi: number) => `${f}@${semi}`;
    const combos = FORMATS.flatMap((f) => semis.map((semi) => [f, semi] as const));
    for (let rep = 0; rep < reps; rep++) {
      copyBin.push(await copySeconds(url, 'binary', rows));
      copyCsv.push(await copySeconds(url, 'csv', rows));
      // Rotate the order each repetition so that no setting always runs first or last.
      const order = combos.map((_, i) => combos[(i + rep * semis.length + rep) % combos.length] as (typeof combos)[number]);
      for (const [format, semi] of order) {
        const server = await startServer(url, true, resultsDir, {}, process.cwd(), semi);
        try {
          const d = await download(server, rows, format);
          runs.set(key(format, semi), [...(runs.get(key(format, semi)) ?? []), d]);
          process.stderr.write(`rep ${rep + 1}: ${format} semi-space ${semi} MB: ${d.seconds.toFixed(2)} s, peak RSS ${d.peakRssMb.toFixed(0)} MB\n`);
        } finally {
          await server.stop();
        }
      }
      loads.push(loadavg()[0] as number);
      process.stderr.write(`rep ${rep + 1}: COPY binary ${copyBin[rep]?.toFixed(2)} s, COPY csv ${copyCsv[rep]?.toFixed(2)} s, load ${loadavg()[0]?.toFixed(1)}\n`);
    }
    // The cursor path once, for reference (BINARY2, the server's setting).
    const cursorServer = await startServer(url, false, resultsDir);
    let cursor: Download;
    try {
      cursor = await download(cursorServer, rows, 'BINARY2');
    } finally {
      await cursorServer.stop();
    }

    const label = `${rows} rows × ${COLUMNS.length} cols`;
    const loadNote = `load average during the reps ${spread(loads).min.toFixed(1)}–${spread(loads).max.toFixed(1)} on ${cpus().length} cores`;
    const out: BenchRow[] = [
      { name: `COPY (SELECT …) TO STDOUT (FORMAT binary), ${label}, output discarded, median of ${reps}`, value: spread(copyBin).median, unit: 's', reference: fmtS(spread(copyBin)) },
      { name: `COPY (SELECT …) TO STDOUT (FORMAT csv), median of ${reps}`, value: spread(copyCsv).median, unit: 's', reference: fmtS(spread(copyCsv)) },
    ];
    for (const format of FORMATS) {
      const ds = runs.get(key(format, serverSemi)) ?? [];
      const secs = ds.map((d) => d.seconds);
      const ref = format === 'CSV' ? copyCsv : copyBin;
      const ratios = secs.map((x, i) => (ref[i] as number) / x);
      const r = spread(ratios);
      out.push(
        { name: `xtap /tap/sync ${format} (${RESPONSEFORMAT[format]}, HTTP, rows checked), semi-space ${serverSemi} MB, median of ${reps}`, value: spread(secs).median, unit: 's', reference: `${fmtS(spread(secs))}; ${(ds[0]?.bytes ?? 0) / 1e6 | 0} MB` },
        { name: `ratio xtap ${format} speed / COPY ${format === 'CSV' ? 'csv' : 'binary'} speed (same rep)`, value: r.median, unit: '×', reference: `range ${r.min.toFixed(2)}–${r.max.toFixed(2)}; ${loadNote}` },
        { name: `xtap server peak RSS, ${format} (VmRSS every 50 ms)`, value: spread(ds.map((d) => d.peakRssMb)).median, unit: 'MB', reference: `max ${spread(ds.map((d) => d.peakRssMb)).max.toFixed(0)} MB; target ≤ 150 MB` },
      );
    }
    out.push({ name: 'xtap /tap/sync BINARY2, cursor path (XTAP_BULK_COPY=0), once', value: cursor.seconds, unit: 's', reference: `peak RSS ${cursor.peakRssMb.toFixed(0)} MB` });
    for (const format of FORMATS) {
      for (const semi of semis) {
        const ds = runs.get(key(format, semi)) ?? [];
        out.push({ name: `GC: ${format} with --max-semi-space-size=${semi}`, value: spread(ds.map((d) => d.seconds)).median, unit: 's', reference: `${fmtS(spread(ds.map((d) => d.seconds)))}; peak RSS ${fmtMb(spread(ds.map((d) => d.peakRssMb)))}` });
      }
    }
    writeGcTable(rows, reps, semis, serverSemi, runs, key, loadNote);
    return out;
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

/** bench/results/download-gc.md: download time and peak RSS by format and young-generation size. */
function writeGcTable(rows: number, reps: number, semis: number[], serverSemi: number, runs: Map<string, Download[]>, key: (f: Format, s: number) => string, loadNote: string): void {
  const lines = [
    `## Young generation size vs download (${new Date().toISOString()})`,
    '',
    `\`npm run bench -- download\`: ${rows} rows × ${COLUMNS.length} columns over HTTP, a fresh server per download, ${reps} interleaved repetitions; median seconds (min–max) and peak RSS median (max); ${loadNote}. \`npm start\` uses ${serverSemi} MB.`,
    '',
    `| format | ${semis.map((s) => `--max-semi-space-size=${s}`).join(' | ')} |`,
    `|---|${semis.map(() => '---').join('|')}|`,
    ...FORMATS.map((f) => `| ${f} | ${semis.map((s) => {
      const ds = runs.get(key(f, s)) ?? [];
      return `${fmtS(spread(ds.map((d) => d.seconds)))}, ${fmtMb(spread(ds.map((d) => d.peakRssMb)))}`;
    }).join(' | ')} |`),
    '',
  ];
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'download-gc.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n') + '\n');
}
