/** Bulk download benchmark: 1M synthetic csc2.master_source rows × 30 columns (name, ra, dec and 27
 *  numeric/boolean ones), measured in one run as (a) `COPY (SELECT …) TO STDOUT` binary and text, discarding the
 *  output, (b) the real server (`node dist/server/main.js`) answering /tap/sync with RESPONSEFORMAT=votable/b2
 *  and MAXREC=1000000 over HTTP through the bulk COPY path, with its RSS sampled every 50 ms, and (c) the same
 *  download forced through the cursor path (XTAP_BULK_COPY=0). The downloaded documents are checked (row count
 *  from the STREAM length, a small parsed sample) so a broken stream cannot pass. Needs DATABASE_URL and a
 *  built dist/; XTAP_BENCH_ROWS overrides the row count. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { parseVotable } from '../votable/decoder.js';
import { freshDatabase } from './ingest.js';
import type { BenchRow } from './types.js';

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
    const stream = client.query(copyStreams.to(`COPY (SELECT ${COLUMNS.join(', ')} FROM csc2.master_source) TO STDOUT (FORMAT ${format})`));
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
export async function startServer(url: string, bulkCopy: boolean, resultsDir: string, env: Record<string, string> = {}, root = process.cwd()): Promise<Server> {
  const port = await freePort();
  // Started as `npm start` starts it (package.json): a 4 MB young generation keeps streaming garbage from piling up.
  const child = spawn(process.execPath, ['--max-semi-space-size=4', join(root, 'dist/server/main.js')], {
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
    stdio: ['ignore', 'ignore', 'inherit'],
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

function kib(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const syncBody = (query: string, maxrec: number) => new URLSearchParams({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: 'votable/b2', MAXREC: String(maxrec) });

interface Download {
  /** VmRSS of the started server before the download. */
  idleRssMb: number;
  rate: number;
  bytes: number;
  peakRssMb: number;
  hwmMb: number;
}

/** Downloads the whole table, counting bytes and sampling the server's RSS; checks the document's shape and
 *  that its STREAM holds exactly `rows` rows of ROW_BYTES. */
async function download(server: Server, rows: number): Promise<Download> {
  const pid = server.child.pid as number;
  const idle = kib(pid, 'VmRSS');
  let peak = idle;
  const timer = setInterval(() => {
    peak = Math.max(peak, kib(pid, 'VmRSS'));
  }, 50);
  const t0 = performance.now();
  const res = await fetch(`${server.base}/tap/sync`, { method: 'POST', body: syncBody(`SELECT ${COLUMNS.join(', ')} FROM csc2.master_source`, rows) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  let bytes = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  for await (const chunk of res.body) {
    bytes += chunk.length;
    if (head.length < 65536) head = Buffer.concat([head, chunk]);
    tail = Buffer.concat([tail, chunk]).subarray(-65536);
  }
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, kib(pid, 'VmRSS'));
  const hwm = kib(pid, 'VmHWM');

  const open = '<STREAM encoding="base64">\n';
  const start = head.indexOf(open);
  const endInTail = tail.lastIndexOf('</STREAM>');
  const text = tail.toString('latin1');
  if (start < 0 || endInTail < 0 || !text.endsWith('</VOTABLE>\n')) throw new Error('the download is not a complete BINARY2 VOTable');
  const status = /<INFO name="QUERY_STATUS" value="(ERROR|OVERFLOW)"[^>]*>/.exec(text);
  if (status) throw new Error(`the download ended with QUERY_STATUS=${status[1]}: ${text.slice(status.index, status.index + 300)}`);
  const streamBytes = bytes - tail.length + endInTail - (start + open.length);
  const lines = Math.floor(streamBytes / 77);
  const rest = streamBytes - 77 * lines;
  const chars = 76 * lines + (rest > 0 ? rest - 1 : 0);
  const padding = tail.subarray(endInTail - 3, endInTail).toString('latin1').split('=').length - 1;
  const binary = (chars / 4) * 3 - padding;
  if (binary !== rows * ROW_BYTES) throw new Error(`the STREAM holds ${binary} bytes, expected ${rows} rows × ${ROW_BYTES} = ${rows * ROW_BYTES}`);
  return { idleRssMb: idle / 1024, rate: rows / s, bytes, peakRssMb: peak / 1024, hwmMb: hwm / 1024 };
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

/** Seconds to download the whole table as CSV from the server; checks the line count (header + rows). */
async function downloadCsv(server: Server, rows: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.base}/tap/sync`, {
    method: 'POST',
    body: new URLSearchParams({ LANG: 'ADQL', QUERY: `SELECT ${COLUMNS.join(', ')} FROM csc2.master_source`, RESPONSEFORMAT: 'csv', MAXREC: String(rows) }),
  });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  let lines = 0;
  for await (const chunk of res.body) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  }
  const s = (performance.now() - t0) / 1000;
  if (lines !== rows + 1) throw new Error(`the CSV has ${lines} lines, expected ${rows + 1}`);
  return s;
}

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? (a[(a.length - 1) / 2] as number) : ((a[a.length / 2 - 1] as number) + (a[a.length / 2] as number)) / 2;
};

/** CSV through the server (COPY csv path) against `COPY … (FORMAT csv)`, interleaved, XTAP_BENCH_REPS (≥ 3) times. */
async function benchCsv(url: string, rows: number, resultsDir: string): Promise<BenchRow[]> {
  const reps = Math.max(3, Number(process.env.XTAP_BENCH_REPS ?? 3));
  const server = await startServer(url, true, resultsDir);
  const copyS: number[] = [];
  const xtapS: number[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      copyS.push(rows / (await copyRate(url, 'csv', rows)).rate);
      xtapS.push(await downloadCsv(server, rows));
      process.stderr.write(`rep ${i + 1}: COPY csv ${copyS[i]?.toFixed(2)} s, xtap csv ${xtapS[i]?.toFixed(2)} s\n`);
    }
  } finally {
    await server.stop();
  }
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} s`;
  const ratios = copyS.map((c, i) => c / (xtapS[i] as number));
  return [
    { name: `COPY (SELECT …) TO STDOUT (FORMAT csv), median of ${reps}`, value: median(copyS), unit: 's', reference: range(copyS) },
    { name: `xtap /tap/sync csv (COPY csv path, HTTP, line count checked), median of ${reps}`, value: median(xtapS), unit: 's', reference: range(xtapS) },
    { name: 'ratio xtap csv speed / COPY csv speed (same rep, median)', value: median(ratios), unit: '×', reference: `range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}` },
  ];
}

export async function benchDownload(): Promise<BenchRow[]> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the download benchmark needs DATABASE_URL (a PostgreSQL server), e.g. postgres://postgres@127.0.0.1:5432/test');
  const rows = Number(process.env.XTAP_BENCH_ROWS ?? 1_000_000);
  const resultsDir = mkdtempSync(join(tmpdir(), 'xtap-bench-download-'));
  try {
    const url = await freshDatabase(adminUrl, 'xtap_bench_download');
    process.stderr.write(`filling csc2.master_source with ${rows} synthetic rows\n`);
    await fill(url, rows);
    await copyRate(url, 'binary', rows); // warm-up: table in cache, hint bits set
    const copyBinary = await copyRate(url, 'binary', rows);
    const copyText = await copyRate(url, 'text', rows);
    process.stderr.write(`COPY binary ${copyBinary.rate.toFixed(0)} rows/s, text ${copyText.rate.toFixed(0)} rows/s\n`);

    const measure = async (bulkCopy: boolean): Promise<Download> => {
      const server = await startServer(url, bulkCopy, resultsDir);
      try {
        await checkSample(server);
        const d = await download(server, rows);
        process.stderr.write(`xtap ${bulkCopy ? 'COPY' : 'cursor'} path: ${d.rate.toFixed(0)} rows/s, peak RSS ${d.peakRssMb.toFixed(0)} MB\n`);
        return d;
      } finally {
        await server.stop();
      }
    };
    const bulk = await measure(true);
    const cursor = await measure(false);
    const copyAfter = await copyRate(url, 'binary', rows);
    const ref = Math.max(copyBinary.rate, copyAfter.rate);

    const csv = await benchCsv(url, rows, resultsDir);
    const label = `${rows} rows × ${COLUMNS.length} cols`;
    return [
      ...csv,
      { name: `COPY (SELECT …) TO STDOUT, binary (${label}, output discarded)`, value: copyBinary.rate, unit: 'rows/s', reference: `${(copyBinary.bytes / 1e6).toFixed(0)} MB; again after the downloads: ${copyAfter.rate.toFixed(0)} rows/s` },
      { name: 'COPY (SELECT …) TO STDOUT, text', value: copyText.rate, unit: 'rows/s', reference: `${(copyText.bytes / 1e6).toFixed(0)} MB` },
      { name: 'xtap /tap/sync votable/b2, bulk COPY path (HTTP, body discarded)', value: bulk.rate, unit: 'rows/s', reference: `${(bulk.bytes / 1e6).toFixed(0)} MB; row count checked` },
      { name: 'ratio xtap COPY path / COPY binary (best of the two COPY runs)', value: bulk.rate / ref, unit: '×', reference: 'target ≥ 0.5' },
      { name: 'xtap server peak RSS, COPY path (VmRSS every 50 ms)', value: bulk.peakRssMb, unit: 'MB', reference: `target ≤ 150 MB; VmHWM ${bulk.hwmMb.toFixed(0)} MB; ${bulk.idleRssMb.toFixed(0)} MB idle before the download` },
      { name: 'xtap /tap/sync votable/b2, cursor path (XTAP_BULK_COPY=0)', value: cursor.rate, unit: 'rows/s', reference: `${(bulk.rate / cursor.rate).toFixed(2)}× slower than the COPY path; row count checked` },
      { name: 'xtap server peak RSS, cursor path', value: cursor.peakRssMb, unit: 'MB', reference: `VmHWM ${cursor.hwmMb.toFixed(0)} MB; ${cursor.idleRssMb.toFixed(0)} MB idle before the download` },
    ];
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
