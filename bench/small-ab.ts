/** A/B of small-query latency over HTTP between two built checkouts on the same database, interleaved:
 *  `node dist/bench/small-ab.js BASE_ROOT [NEW_ROOT]` with DATABASE_URL naming a database that already holds
 *  csc2.master_source (e.g. loaded by `xtap ingest csc2`). Starts `dist/server/main.js` of both checkouts (as
 *  `npm start` runs them), then for each repetition and each query kind sends a batch of sequential requests to
 *  A, then to B, alternating which goes first. Prints per kind the median (min–max) over repetitions of each
 *  batch's median latency, and the per-repetition ratio A/B. Env: SMALL_AB_REPS (default 7), SMALL_AB_N
 *  (requests per batch, default 100). */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startServer, type Server } from './download.js';
import { coneQuery } from './side/http.js';

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

async function batch(base: string, queries: string[], n: number, offset: number): Promise<number> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) lat.push(await sync(base, queries[(offset + i) % queries.length] as string));
  return median(lat);
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
    for (const q of Object.values(kinds)) for (const s of [a, b]) await batch(s.base, q, 50, 0);
    const res: Record<string, { a: number[]; b: number[]; ratio: number[] }> = {};
    for (let rep = 0; rep < reps; rep++) {
      for (const [kind, qs] of Object.entries(kinds)) {
        const r = (res[kind] ??= { a: [], b: [], ratio: [] });
        const order = rep % 2 ? [b, a] : [a, b];
        const got = new Map<Server, number>();
        for (const s of order) got.set(s, await batch(s.base, qs, n, rep * n));
        r.a.push(got.get(a) as number);
        r.b.push(got.get(b) as number);
        r.ratio.push((got.get(a) as number) / (got.get(b) as number));
        process.stderr.write(`rep ${rep + 1} ${kind}: A ${got.get(a)?.toFixed(2)} ms, B ${got.get(b)?.toFixed(2)} ms\n`);
      }
    }
    for (const [kind, r] of Object.entries(res)) {
      process.stdout.write(`${kind}: A ${fmt(r.a)} ms, B ${fmt(r.b)} ms, A/B ${fmt(r.ratio)}× (median of ${n} sequential requests per batch, ${reps} interleaved reps)\n`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
