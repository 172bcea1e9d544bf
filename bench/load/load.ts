/** `npm run test:load -- [--clients 200] [--duration 60s] [--url http://host:port]`: many concurrent clients
 *  mixing sync queries (cone searches in three formats, a join with the ML tables), async jobs (create, run,
 *  blocking WAIT, fetch the result, delete) and bulk downloads, for a fixed time, against a server on loopback.
 *  Without --url it starts its own server (dist/server/main.js) on a scratch database of DATABASE_URL, or on
 *  the embedded default when DATABASE_URL is unset. Prints p50/p95/p99 per kind of request and the errors;
 *  exits 1 when any request failed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XtapServer, flags, freePort, scratchDatabase } from './harness.js';
import { Tally, parseDuration, textTable } from './stats.js';

interface Action {
  kind: string;
  weight: number;
  run(base: string): Promise<void>;
}

class RequestFailed extends Error {}

async function expectOk(r: Response, what: string): Promise<string> {
  const body = await r.text();
  if (r.status !== 200) throw new RequestFailed(`${what}: HTTP ${r.status}`);
  if (/<INFO name="QUERY_STATUS" value="ERROR"/.test(body)) throw new RequestFailed(`${what}: QUERY_STATUS=ERROR`);
  return body;
}

function syncUrl(base: string, query: string, format: string, maxrec?: number): string {
  const u = new URL('/tap/sync', base);
  u.searchParams.set('LANG', 'ADQL');
  u.searchParams.set('QUERY', query);
  u.searchParams.set('RESPONSEFORMAT', format);
  if (maxrec !== undefined) u.searchParams.set('MAXREC', String(maxrec));
  return u.toString();
}

const FORMATS = ['votable/td', 'votable/b2', 'csv'];
const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(Math.random() * xs.length)] as T;

const ACTIONS: Action[] = [
  {
    kind: 'sync cone',
    weight: 45,
    async run(base) {
      // Around NGC 3532 and IC 2395 (the bundled sample), jittered so the plans and rows vary.
      const [ra, dec] = pick([[166.41, -58.75], [130.55, -48.1]]) as [number, number];
      const q = `SELECT name, ra, dec, flux_aper90_b, significance FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${(ra + (Math.random() - 0.5) * 0.4).toFixed(4)}, ${(dec + (Math.random() - 0.5) * 0.4).toFixed(4)}, ${(0.05 + Math.random() * 0.4).toFixed(3)}))`;
      await expectOk(await fetch(syncUrl(base, q, pick(FORMATS))), 'cone');
    },
  },
  {
    kind: 'sync join',
    weight: 15,
    async run(base) {
      const q = 'SELECT TOP 100 m.name, m.flux_aper90_b, c.predicted_class, c.p_agn FROM csc2.master_source AS m JOIN ml.source_class AS c ON c.name = m.name ORDER BY c.p_agn DESC';
      await expectOk(await fetch(syncUrl(base, q, pick(FORMATS))), 'join');
    },
  },
  {
    kind: 'download',
    weight: 15,
    async run(base) {
      // A bulk BINARY2 download: every row and column of master_source (the bulk COPY path on PostgreSQL).
      const q = 'SELECT * FROM csc2.master_source';
      const body = await expectOk(await fetch(syncUrl(base, q, 'votable/b2', 1_000_000)), 'download');
      if (!body.includes('</VOTABLE>')) throw new RequestFailed('download: truncated document');
    },
  },
  {
    kind: 'async job',
    weight: 12,
    async run(base) {
      const form = new URLSearchParams({ LANG: 'ADQL', QUERY: 'SELECT var_flag, COUNT(*) AS n, AVG(significance) AS s FROM csc2.master_source GROUP BY var_flag', PHASE: 'RUN', RESPONSEFORMAT: pick(FORMATS) });
      const created = await fetch(new URL('/tap/async', base), { method: 'POST', body: form, redirect: 'manual' });
      await created.arrayBuffer();
      const job = created.headers.get('location');
      const token = created.headers.get('x-owner-token') ?? '';
      if (created.status !== 303 || !job) throw new RequestFailed(`async create: HTTP ${created.status}`);
      let phase = '';
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${job}?WAIT=30`);
        const text = await r.text();
        phase = /<uws:phase>([A-Z]+)<\/uws:phase>/.exec(text)?.[1] ?? `HTTP ${r.status}`;
        if (!['PENDING', 'QUEUED', 'EXECUTING'].includes(phase)) break;
      }
      if (phase !== 'COMPLETED') throw new RequestFailed(`async job ended ${phase}`);
      await expectOk(await fetch(`${job}/results/result`), 'async result');
      const del = await fetch(job, { method: 'DELETE', redirect: 'manual', headers: { 'X-Owner-Token': token } });
      await del.arrayBuffer();
      if (del.status !== 303) throw new RequestFailed(`async delete: HTTP ${del.status}`);
    },
  },
  {
    kind: 'metadata',
    weight: 8,
    async run(base) {
      await expectOk(await fetch(new URL(pick(['/tap/availability', '/tap/capabilities', '/tap/tables']), base)), 'metadata');
    },
  },
];

function chooseAction(): Action {
  const total = ACTIONS.reduce((a, b) => a + b.weight, 0);
  let x = Math.random() * total;
  for (const a of ACTIONS) if ((x -= a.weight) < 0) return a;
  return ACTIONS[0] as Action;
}

export async function runLoad(base: string, clients: number, durationMs: number, tally: Tally): Promise<void> {
  const deadline = Date.now() + durationMs;
  const started = Date.now();
  const progress = setInterval(() => {
    const rows = tally.rows();
    const all = rows.at(-1);
    process.stderr.write(`  ${Math.round((Date.now() - started) / 1000)} s: ${all?.ok ?? 0} ok, ${all?.errors ?? 0} errors\n`);
  }, 10_000);
  const client = async () => {
    while (Date.now() < deadline) {
      const a = chooseAction();
      const t0 = performance.now();
      try {
        await a.run(base);
        tally.ok(a.kind, performance.now() - t0);
      } catch (err) {
        tally.fail(a.kind, err instanceof RequestFailed ? err.message : `${(err as Error).name}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    clearInterval(progress);
  }
}

export function printTally(title: string, tally: Tally): void {
  const rows = tally.rows();
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(
    `${textTable(['kind', 'ok', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows.map((r) => [r.kind, r.ok, r.errors, r.p50, r.p95, r.p99, r.max]))}\n`,
  );
  const details = tally.errorDetails();
  if (details.length) process.stdout.write(`errors:\n  ${details.join('\n  ')}\n`);
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const clients = Number(f.get('clients') ?? 200);
  const durationMs = parseDuration(f.get('duration') ?? '60s');
  let base = f.get('url');
  let server: XtapServer | undefined;
  let cleanup = async () => undefined as void;
  if (!base) {
    const work = mkdtempSync(join(tmpdir(), 'xtap-load-'));
    const dbBase = process.env.DATABASE_URL;
    const scratch = dbBase ? await scratchDatabase(dbBase, 'xtap_load') : undefined;
    server = new XtapServer({
      databaseUrl: scratch?.url,
      resultsDir: join(work, 'results'),
      port: await freePort(),
      logFile: join(work, 'server.log'),
      env: scratch ? {} : { XTAP_DATA_DIR: join(work, 'data') },
    });
    process.stderr.write(`starting xtap on ${scratch ? `database ${scratch.name}` : 'the embedded default'} (log ${join(work, 'server.log')})\n`);
    await server.start();
    base = server.base;
    cleanup = async () => {
      await server?.stop();
      await scratch?.drop();
      if (process.env.XTAP_KEEP_LOAD_LOG !== '1') rmSync(work, { recursive: true, force: true });
    };
  }
  process.stderr.write(`load: ${clients} clients for ${durationMs / 1000} s against ${base}\n`);
  const tally = new Tally();
  const t0 = Date.now();
  try {
    await runLoad(base, clients, durationMs, tally);
  } finally {
    await cleanup();
  }
  const secs = (Date.now() - t0) / 1000;
  printTally(`load: ${clients} clients, ${secs.toFixed(0)} s, ${(tally.rows().at(-1)?.ok ?? 0) / secs >= 0 ? ((tally.rows().at(-1)?.ok ?? 0) / secs).toFixed(1) : '-'} requests/s`, tally);
  if (tally.errorCount() > 0) {
    process.stdout.write(`FAIL: ${tally.errorCount()} errors\n`);
    process.exitCode = 1;
  } else process.stdout.write('OK: 0 errors\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`load test failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
}
