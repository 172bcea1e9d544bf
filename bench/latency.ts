/** Small-query benchmarks over HTTP (issue #11.1), each figure next to the same SQL on PostgreSQL directly in the
 *  same run. The real server (`node dist/server/main.js`, listening on a port, keep-alive clients) answers
 *  /tap/sync in the default format (BINARY2) on csc2.master_source filled with XTAP_BENCH_SMALL_ROWS (default
 *  1,000,000) synthetic rows in the 48 columns of the DaCHS table (bench/small-data.ts).
 *  - `top1`: `SELECT TOP 1 name`, sequential.
 *  - `cone`: 0.05° cones (48 columns) around 200 deterministic sources offset by 0.01° (as the DaCHS bench picks
 *    them), sequential latency and throughput at 1 and 8 clients for a fixed time; then the cover figures of
 *    bench/cone.ts.
 *  The reference is the translator's SQL (inline literals) sent by node-postgres on open connections (one per
 *  client). Rounds interleave xtap and pg; latencies are the median over all requests with the range of the
 *  per-round medians, throughputs the median (min–max) over rounds; the load average is printed with them.
 *  Needs DATABASE_URL and a built dist/. XTAP_BENCH_ROUNDS (5), XTAP_BENCH_REQUESTS (200 per round),
 *  XTAP_BENCH_SECONDS (3 per throughput round), XTAP_BENCH_DB (database name, default xtap_bench_small).
 *  XTAP_BENCH_BASELINE=<dir> (another built checkout) adds its server to the same rounds. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { translateAdql } from '../adql/index.js';
import { publishedCatalog } from '../schema/index.js';
import { startServer, type Server } from './download.js';
import { get, postForm } from './side/keepalive-client.js';
import { freshDatabase } from './ingest.js';
import { CONE_COLUMNS, fillSmallCatalogue } from './small-data.js';
import { loadText, spread } from './stats.js';
import type { BenchRow } from './types.js';

interface Series {
  all: number[];
  rounds: number[];
}
const series = (): Series => ({ all: [], rounds: [] });

interface Setup {
  url: string;
  server: Server;
  baseline?: Server;
  baselineDir?: string;
  /** One pg connection per client of the reference. */
  pool: pg.Pool;
  rows: number;
  close(): Promise<void>;
}

let shared: Promise<Setup> | undefined;

/** One database and one server for every small-query bench of this process (`npm run bench -- top1 cone`). */
function setup(): Promise<Setup> {
  shared ??= (async () => {
    const adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) throw new Error('the small-query benchmarks need DATABASE_URL (a PostgreSQL server), e.g. postgres://postgres@127.0.0.1:5432/test');
    const rows = Number(process.env.XTAP_BENCH_SMALL_ROWS ?? 1_000_000);
    const url = await freshDatabase(adminUrl, process.env.XTAP_BENCH_DB ?? 'xtap_bench_small');
    process.stderr.write(`filling csc2.master_source with ${rows} synthetic rows (48 columns)\n`);
    const t0 = performance.now();
    await fillSmallCatalogue(url, rows);
    process.stderr.write(`filled in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const resultsDir = mkdtempSync(join(tmpdir(), 'xtap-bench-small-'));
    const env = { XTAP_LOAD_SAMPLE: 'never', XTAP_MAXREC_DEFAULT: '100000' };
    const server = await startServer(url, true, resultsDir, env);
    const baselineDir = process.env.XTAP_BENCH_BASELINE;
    const baseline = baselineDir ? await startServer(url, true, resultsDir, env, baselineDir) : undefined;
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    return {
      url,
      server,
      baseline,
      baselineDir,
      pool,
      rows,
      close: async () => {
        await pool.end().catch(() => undefined);
        await server.stop();
        await baseline?.stop();
        rmSync(resultsDir, { recursive: true, force: true });
      },
    };
  })();
  return shared;
}

/** Closes the shared setup (main.ts calls it after the last bench). */
export async function closeSmallBenchSetup(): Promise<void> {
  const s = shared;
  shared = undefined;
  if (s) await (await s).close();
}

async function timed(n: number, run: (i: number) => Promise<void>, into: Series): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  into.all.push(...times);
  into.rounds.push(spread(times).median);
}

/** Queries per second of `clients` concurrent loops over `seconds`. */
async function throughput(clients: number, seconds: number, run: (i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        await run(next++);
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

function latencyRow(name: string, s: Series, reference: string): BenchRow {
  const r = spread(s.rounds);
  return { name, value: spread(s.all).median, unit: 'ms', reference: `round medians ${r.min.toFixed(3)}–${r.max.toFixed(3)} ms; ${reference}` };
}

interface Target {
  label: string;
  run: (i: number) => Promise<void>;
  /** CPU time (user + system, ms) the server process has used so far; servers only. */
  cpuMs?: () => number;
}

/** User + system CPU time of a process in ms (/proc/<pid>/stat, clock ticks of 10 ms). Waiting for a CPU on a
 *  loaded machine does not count, so CPU per request compares servers better than latency does there. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** The xtap server(s) and raw pg for one family of queries: `adql(i)` for request i, checked by `check`. */
function targets(s: Setup, adql: (i: number) => string, sqlOf: (i: number) => string, minRows: number): { xtap: Target; baseline?: Target; pg: Target; rowsSeen: number[] } {
  const rowsSeen: number[] = [];
  const viaServer = (server: Server, label: string): Target => ({
    label,
    cpuMs: () => processCpuMs(server.child.pid),
    run: async (i) => {
      const { status, body: text } = await postForm(`${server.base}/tap/sync`, new URLSearchParams({ LANG: 'ADQL', QUERY: adql(i) }));
      if (status !== 200 || !text.endsWith('</VOTABLE>\n') || text.includes('value="ERROR"') || !text.includes('<BINARY2>')) throw new Error(`${label} answered ${status}: ${text.slice(0, 300)}`);
    },
  });
  return {
    xtap: viaServer(s.server, 'xtap'),
    baseline: s.baseline ? viaServer(s.baseline, `baseline (${s.baselineDir})`) : undefined,
    pg: {
      label: 'pg',
      run: async (i) => {
        const n = (await s.pool.query({ text: sqlOf(i), rowMode: 'array' })).rows.length;
        if (n < minRows) throw new Error(`pg returned ${n} rows`);
        rowsSeen.push(n);
      },
    },
    rowsSeen,
  };
}

const settings = () => ({
  rounds: Number(process.env.XTAP_BENCH_ROUNDS ?? 5),
  requests: Number(process.env.XTAP_BENCH_REQUESTS ?? 200),
  seconds: Number(process.env.XTAP_BENCH_SECONDS ?? 3),
});

/** Sequential latency: rounds of `requests` requests, interleaving xtap (baseline) and pg. */
async function sequential(what: string, t: ReturnType<typeof targets>): Promise<BenchRow[]> {
  const { rounds, requests } = settings();
  const list = [t.xtap, ...(t.baseline ? [t.baseline] : []), t.pg];
  for (let i = 0; i < 50; i++) for (const x of list) await x.run(i); // warm-up: connections, caches, JIT
  const loadBefore = loadText();
  const s = new Map(list.map((x) => [x, series()]));
  const cpu = new Map(list.map((x) => [x, 0]));
  for (let r = 0; r < rounds; r++) {
    for (const x of list) {
      const c0 = x.cpuMs?.() ?? 0;
      await timed(requests, (i) => x.run(r * requests + i), s.get(x) as Series);
      cpu.set(x, (cpu.get(x) as number) + (x.cpuMs?.() ?? 0) - c0);
    }
  }
  const cpuText = (x: Target) => `server CPU ${((cpu.get(x) as number) / (rounds * requests)).toFixed(2)} ms per request`;
  const xm = spread((s.get(t.xtap) as Series).all).median;
  const pm = spread((s.get(t.pg) as Series).all).median;
  const out = [latencyRow(`xtap /tap/sync ${what}, BINARY2 over HTTP, sequential`, s.get(t.xtap) as Series, `${rounds} rounds × ${requests} requests interleaved with pg; ${xm / pm >= 10 ? (xm / pm).toFixed(0) : (xm / pm).toFixed(1)}× pg (xtap − pg = ${(xm - pm).toFixed(3)} ms); ${cpuText(t.xtap)}`)];
  if (t.baseline) out.push(latencyRow(`${t.baseline.label} ${what}, sequential`, s.get(t.baseline) as Series, `same rounds; ${cpuText(t.baseline)}`));
  out.push(latencyRow(`same SQL on PostgreSQL directly (node-postgres, one connection), ${what}`, s.get(t.pg) as Series, `${loadBefore} at start, ${loadText()} at end`));
  return out;
}

/** Throughput at `clients` concurrent clients: rounds of `seconds` each, interleaving xtap (baseline) and pg. */
async function concurrent(what: string, clients: number, t: ReturnType<typeof targets>): Promise<BenchRow[]> {
  const { rounds, seconds } = settings();
  const list = [t.xtap, ...(t.baseline ? [t.baseline] : []), t.pg];
  const qps = new Map(list.map((x) => [x, [] as number[]]));
  const loadBefore = loadText();
  for (let r = 0; r < rounds; r++) for (const x of list) qps.get(x)?.push(await throughput(clients, seconds, x.run));
  const row = (name: string, xs: number[], reference: string): BenchRow => {
    const s = spread(xs);
    return { name, value: s.median, unit: 'q/s', reference: `rounds ${s.min.toFixed(0)}–${s.max.toFixed(0)} q/s; ${reference}` };
  };
  const x = qps.get(t.xtap) as number[];
  const p = qps.get(t.pg) as number[];
  const out = [row(`xtap /tap/sync ${what}, ${clients} client${clients > 1 ? 's' : ''}`, x, `${rounds} rounds × ${seconds} s interleaved with pg; ${(spread(x).median / spread(p).median).toFixed(3)}× pg`)];
  if (t.baseline) out.push(row(`${t.baseline.label} ${what}, ${clients} clients`, qps.get(t.baseline) as number[], 'same rounds'));
  out.push(row(`same SQL on PostgreSQL directly, ${what}, ${clients} connection${clients > 1 ? 's' : ''}`, p, `${loadBefore} at start, ${loadText()} at end`));
  return out;
}

const sqlFor = (adql: string) => translateAdql(adql, publishedCatalog(), { rowLimit: 100_001, inlineLiterals: true }).sql;

/** `npm run bench -- top1`. */
export async function benchLatency(): Promise<BenchRow[]> {
  const s = await setup();
  const adql = 'SELECT TOP 1 name FROM csc2.master_source';
  const sql = sqlFor(adql);
  const out = await sequential('`SELECT TOP 1 name`', targets(s, () => adql, () => sql, 1));
  // The HTTP floor: GET /live runs every middleware (metrics, request id and log, security headers, CORS) and
  // no database call, so TOP 1 − /live is the query's own cost in the server.
  const { rounds, requests } = settings();
  const live = series();
  const hit = async () => {
    const { status } = await get(`${s.server.base}/live`);
    if (status !== 200) throw new Error(`/live answered ${status}`);
  };
  for (let i = 0; i < 50; i++) await hit();
  for (let r = 0; r < rounds; r++) await timed(requests, hit, live);
  out.push(latencyRow('xtap GET /live (HTTP and every middleware, no database), sequential', live, `${rounds} rounds × ${requests} requests; ${loadText()}`));
  return out;
}

/** `npm run bench -- cone`: cones over HTTP, then the cover figures. */
export async function benchConeHttp(): Promise<BenchRow[]> {
  const s = await setup();
  const centres = (
    await s.pool.query<{ ra: number; dec: number }>('SELECT ra + 0.01 AS ra, dec - 0.01 AS dec FROM csc2.master_source ORDER BY md5(name) LIMIT 200')
  ).rows;
  const adqls = centres.map((c) => `SELECT ${CONE_COLUMNS.join(', ')} FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${c.ra}, ${c.dec}, 0.05))`);
  const sqls = adqls.map(sqlFor);
  const pick = <T>(xs: T[]) => (i: number) => xs[i % xs.length] as T;
  const t = targets(s, pick(adqls), pick(sqls), 0);
  const what = `cone 0.05° (${CONE_COLUMNS.length} columns, ${s.rows} rows, 200 centres)`;
  const out = [...(await sequential(what, t))];
  const perCone = spread(t.rowsSeen);
  out.push({ name: 'rows per cone', value: t.rowsSeen.reduce((a, b) => a + b, 0) / t.rowsSeen.length, unit: 'rows (mean)', reference: `median ${perCone.median}, max ${perCone.max}` });
  for (const clients of [1, 8]) out.push(...(await concurrent(what, clients, t)));
  const { benchCone } = await import('./cone.js');
  out.push(...(await benchCone()));
  return out;
}
