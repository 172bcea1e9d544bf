/** A/B of small-query latency over HTTP between two built checkouts on the same database, interleaved:
 *  `node dist/bench/small-ab.js BASE_ROOT [NEW_ROOT]` with DATABASE_URL naming a database that already holds
 *  csc2.master_source (e.g. loaded by `xtap ingest csc2`). Starts `dist/server/main.js` of both checkouts (as
 *  `npm start` runs them), then for each repetition and each query kind sends n sequential requests to each,
 *  alternating A and B request by request. Prints per kind the median (min–max) over repetitions of each side's
 *  median latency, the per-repetition ratio A/B, and each server's CPU time (user + system, /proc) per request. Env: SMALL_AB_REPS (default 7), SMALL_AB_N
 *  (requests per batch, default 100), SMALL_AB_LOAD_S (seconds per side of the 8-client cone load, default 5; 0 = skip). */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startServer, type Server } from './download.js';
import { coneLoad, coneQuery } from './side/http.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};
const fmt = (xs: number[], d = 2) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

async function sync(base: string, query: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/tap/sync`, { method: 'POST', body: new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: query }) });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (!res.ok || body.includes('value="ERROR"')) throw new Error(`HTTP ${res.status} ${body.slice(0, 300)}`);
  return ms;
}

/** User + system CPU time (ms) of a process so far, from /proc (Linux). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/** n requests to each server, alternating one by one (A B B A A B …), so that both see the same machine load;
 *  returns each side's median latency and server CPU per request. */
async function pairedBatch(a: Server, b: Server, queries: string[], n: number, offset: number): Promise<{ a: number; b: number; cpuA: number; cpuB: number }> {
  const la: number[] = [];
  const lb: number[] = [];
  const ca = cpuMs(a.child.pid);
  const cb = cpuMs(b.child.pid);
  for (let i = 0; i < n; i++) {
    const q = queries[(offset + i) % queries.length] as string;
    if (i % 2 === 0) {
      la.push(await sync(a.base, q));
      lb.push(await sync(b.base, q));
    } else {
      lb.push(await sync(b.base, q));
      la.push(await sync(a.base, q));
    }
  }
  return { a: median(la), b: median(lb), cpuA: (cpuMs(a.child.pid) - ca) / n, cpuB: (cpuMs(b.child.pid) - cb) / n };
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const [baseRoot, newRoot = process.cwd()] = process.argv.slice(2);
  if (!url || !baseRoot) throw new Error('usage: DATABASE_URL=… node dist/bench/small-ab.js BASE_ROOT [NEW_ROOT]');
  const reps = Number(process.env.SMALL_AB_REPS ?? 7);
  const n = Number(process.env.SMALL_AB_N ?? 100);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // The cone selects the columns of the CSV the bench loaded (side-by-side's 48), as the side-by-side bench does.
  const csv = process.env.SMALL_AB_CSV ?? '/var/gavo/inputs/csc2/data/master_source.csv';
  const cols = existsSync(csv) ? (readFileSync(csv, 'utf8').slice(0, 4096).split('\n')[0] ?? '').split(',').join(', ') : 'name, ra, dec';
  const centres = (await c.query<{ ra: number; dec: number }>('SELECT ra + 0.01 AS ra, dec - 0.01 AS dec FROM csc2.master_source ORDER BY md5(name) LIMIT 200')).rows;
  await c.end();
  const kinds: Record<string, string[]> = {
    top1: ['SELECT TOP 1 name FROM csc2.master_source'],
    cone: centres.map((p) => coneQuery('csc2.master_source', cols, p.ra, p.dec)),
  };
  const env = { XTAP_MAXREC_DEFAULT: '100000', XTAP_SYNC_QUERY_TIMEOUT_S: '900', XTAP_SYNC_TIMEOUT_S: '900' };
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-small-ab-'));
  const servers: Server[] = [];
  try {
    const a = await startServer(url, true, join(tmp, 'a'), env, resolve(baseRoot));
    servers.push(a);
    const b = await startServer(url, true, join(tmp, 'b'), env, resolve(newRoot));
    servers.push(b);
    process.stderr.write(`A ${resolve(baseRoot)} ${a.base}; B ${resolve(newRoot)} ${b.base}; ${reps} reps × ${n} requests; cone columns: ${cols.split(',').length}\n`);
    // warm-up
    for (const q of Object.values(kinds)) await pairedBatch(a, b, q, 100, 0);
    const res: Record<string, { a: number[]; b: number[]; ratio: number[]; cpuA: number[]; cpuB: number[] }> = {};
    for (let rep = 0; rep < reps; rep++) {
      for (const [kind, qs] of Object.entries(kinds)) {
        const r = (res[kind] ??= { a: [], b: [], ratio: [], cpuA: [], cpuB: [] });
        const got = await pairedBatch(a, b, qs, n, rep * n);
        r.a.push(got.a);
        r.b.push(got.b);
        r.ratio.push(got.a / got.b);
        r.cpuA.push(got.cpuA);
        r.cpuB.push(got.cpuB);
        process.stderr.write(`rep ${rep + 1} ${kind}: A ${got.a.toFixed(2)} ms (CPU ${got.cpuA.toFixed(2)}), B ${got.b.toFixed(2)} ms (CPU ${got.cpuB.toFixed(2)})\n`);
      }
    }
    // Throughput of cones at 8 concurrent clients (SMALL_AB_LOAD_S seconds per side and repetition, alternating
    // which side goes first), as the side-by-side bench's 8-client figure.
    const loadS = Number(process.env.SMALL_AB_LOAD_S ?? 5);
    const qps: { a: number[]; b: number[]; ratio: number[] } = { a: [], b: [], ratio: [] };
    for (let rep = 0; loadS > 0 && rep < Math.min(reps, 5); rep++) {
      const got = new Map<Server, number>();
      for (const s of rep % 2 ? [b, a] : [a, b]) got.set(s, (await coneLoad({ label: s === a ? 'A' : 'B', base: `${s.base}/tap` }, kinds.cone as string[], 8, loadS)).qps);
      qps.a.push(got.get(a) as number);
      qps.b.push(got.get(b) as number);
      qps.ratio.push((got.get(b) as number) / (got.get(a) as number));
      process.stderr.write(`rep ${rep + 1} cone at 8 clients: A ${got.get(a)?.toFixed(0)} q/s, B ${got.get(b)?.toFixed(0)} q/s\n`);
    }
    for (const [kind, r] of Object.entries(res)) {
      process.stdout.write(
        `${kind}: latency A ${fmt(r.a)} ms, B ${fmt(r.b)} ms, A/B ${fmt(r.ratio)}×; server CPU per request A ${fmt(r.cpuA)} ms, B ${fmt(r.cpuB)} ms ` +
          `(median over ${reps} reps of ${n} requests to each, alternating one by one)\n`,
      );
    }
    if (qps.a.length) process.stdout.write(`cone at 8 clients: A ${fmt(qps.a, 0)} q/s, B ${fmt(qps.b, 0)} q/s, B/A ${fmt(qps.ratio)}× (${qps.a.length} reps of ${loadS} s per side)\n`);
  } finally {
    for (const s of servers) await s.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
