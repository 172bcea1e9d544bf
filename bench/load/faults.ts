/** `npm run test:faults -- [--only name,...]`: fault injection against a real server process on loopback, on a
 *  private throw-away PostgreSQL cluster (initdb/pg_ctl on a free port, so restarting it touches nothing else).
 *  Scenarios (each bounded in time):
 *   - pg-restart: PostgreSQL restarted (pg_ctl restart -m fast) under load → the process survives and serves again;
 *   - pg-terminate: pg_terminate_backend of a streaming download → the process survives and serves the next request;
 *   - slow-readers: ten downloads read at ~2 KB/s → once spooled they hold no database session; availability and
 *     a small cone query answer in < 1 s (worst of the probes after a warm-up); every reader gets its whole document;
 *   - disconnect: a client leaves mid-download (COPY path and cursor path) → its query is gone from
 *     pg_stat_activity within 1 s;
 *   - kill-jobs: kill -9 of the server with async jobs executing → after restart no query of the dead process is
 *     left in pg_stat_activity and every job completes (none lost);
 *   - kill-ingest: kill -9 of `xtap ingest` while it copies rows → no row of it is visible.
 *  Prints one result table; exits 1 if a scenario failed. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticMasterCsv } from '../synthetic-csc2.js';
import { PrivateCluster, XtapServer, adminQuery, flags, freePort, sleep, withDatabase } from './harness.js';
import { printTally, runLoad } from './load.js';
import { Tally, textTable } from './stats.js';

interface Outcome {
  scenario: string;
  measured: string;
  ok: boolean;
}

interface Env {
  cluster: PrivateCluster;
  dbUrl: string;
  server: XtapServer;
  work: string;
}

const BIG = (alias: string) => `SELECT a.name, a.ra, a.dec, b.name AS ${alias} FROM csc2.master_source AS a, csc2.master_source AS b`;

function syncUrl(base: string, query: string, format: string, maxrec = 1_000_000): string {
  const u = new URL('/tap/sync', base);
  for (const [k, v] of Object.entries({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: format, MAXREC: String(maxrec) })) u.searchParams.set(k, v);
  return u.toString();
}

/** Backends of our database whose query text contains `marker` (not ours). */
async function backendsWith(env: Env, marker: string): Promise<Array<{ pid: number; state: string; query_start: Date | null }>> {
  return adminQuery(
    env.dbUrl,
    "SELECT pid, state, query_start FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND query LIKE '%' || $1 || '%' AND query NOT LIKE '%pg_stat_activity%'",
    [marker],
  );
}

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    return { ms: performance.now() - t0, status: r.status };
  } catch {
    return { ms: performance.now() - t0, status: 0 };
  }
}

async function servesAgain(env: Env, withinMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    const r = await timed(syncUrl(env.server.base, 'SELECT TOP 3 name FROM csc2.master_source', 'votable/td'));
    if (r.status === 200) return Date.now() - t0;
    await sleep(200);
  }
  return undefined;
}

async function pgRestart(env: Env): Promise<Outcome> {
  const tally = new Tally();
  const loadStart = Date.now();
  const load = runLoad(env.server.base, 20, 12_000, tally);
  await sleep(3000);
  const t0 = Date.now();
  env.cluster.restart();
  const restartMs = Date.now() - t0;
  await load;
  // 12 s of load, plus the longest a request may legitimately take around a restart (a sync query's bound before
  // its first row is 2 x 30 s + 2 x 10 s + 5 s): a request hanging beyond that is a failure, not a slow pass.
  const loadMs = Date.now() - loadStart;
  printTally('pg-restart: load around the restart (errors while PostgreSQL is down are expected)', tally);
  const alive = env.server.alive();
  const back = alive ? await servesAgain(env, 15_000) : undefined;
  return {
    scenario: 'pg-restart under load (20 clients)',
    measured: `restart took ${restartMs} ms; ${tally.errorCount()} failed requests around it; load ended after ${(loadMs / 1000).toFixed(1)} s (12 s + the slowest request); process ${alive ? 'alive' : 'DEAD'}; serving again ${back === undefined ? 'NO' : `after ${back} ms`}`,
    ok: alive && back !== undefined && loadMs < 12_000 + 90_000,
  };
}

/** Starts a download and reads it slowly (bytesPerS) until `stop` is aborted, or, once `fast` is aborted, reads
 *  the rest at full speed. Resolves with the bytes read and whether the document ended (and not with a trailing ERROR). */
async function slowRead(url: string, bytesPerS: number, stop: AbortSignal, fast?: AbortSignal): Promise<{ bytes: number; complete: boolean }> {
  let n = 0;
  let tail = '';
  try {
    const r = await fetch(url, { signal: stop });
    const reader = r.body?.getReader();
    if (!reader) return { bytes: 0, complete: false };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      tail = (tail + Buffer.from(value.subarray(Math.max(0, value.length - 300))).toString('latin1')).slice(-300);
      // Sleep in short steps so that stop/fast take effect at once.
      const until = Date.now() + (value.length / bytesPerS) * 1000;
      while (Date.now() < until && !stop.aborted && !fast?.aborted) await sleep(Math.min(100, until - Date.now()));
      if (stop.aborted) break;
    }
  } catch {
    // aborted or cut: expected
  }
  return { bytes: n, complete: /<\/VOTABLE>\s*$/.test(tail) && !/QUERY_STATUS" value="ERROR"/.test(tail) };
}

async function pgTerminate(env: Env): Promise<Outcome> {
  const marker = `term_${Date.now().toString(36)}`;
  const stop = new AbortController();
  const reading = slowRead(syncUrl(env.server.base, BIG(marker), 'votable/b2'), 20_000, stop.signal);
  let pids: number[] = [];
  for (let i = 0; i < 50 && pids.length === 0; i++) {
    await sleep(100);
    pids = (await backendsWith(env, marker)).map((b) => b.pid);
  }
  for (const pid of pids) await adminQuery(env.cluster.url, 'SELECT pg_terminate_backend($1)', [pid]);
  await sleep(500);
  stop.abort();
  await reading;
  const alive = env.server.alive();
  const next = alive ? await timed(syncUrl(env.server.base, 'SELECT TOP 3 name FROM csc2.master_source', 'votable/td')) : undefined;
  return {
    scenario: 'pg_terminate_backend of a streaming download',
    measured: `${pids.length} backend(s) terminated; process ${alive ? 'alive' : 'DEAD'}; next request HTTP ${next?.status ?? '-'} in ${next ? next.ms.toFixed(0) : '-'} ms`,
    ok: pids.length > 0 && alive && next?.status === 200,
  };
}

/** Ten downloads read at 2 KB/s. After a warm-up (their queries running, then spooled once they waited on their
 *  client for XTAP_SYNC_SPOOL_AFTER_MS), availability and a cone query are probed for 8 s; the worst probe is
 *  reported (a busy machine makes the first request after a burst slow, hence the warm-up). Then the readers read
 *  the rest at full speed: each must get its complete document. */
async function slowReaders(env: Env): Promise<Outcome> {
  const stop = new AbortController();
  const fast = new AbortController();
  const readers = Array.from({ length: 10 }, (_, i) => slowRead(syncUrl(env.server.base, BIG(`slow_${i}`), i % 2 ? 'votable/td' : 'votable/b2'), 2048, stop.signal, fast.signal));
  const t0 = Date.now();
  let held = -1;
  // Warm-up: until no slow reader's query holds a database session (spooled), at most 30 s.
  while (Date.now() - t0 < 30_000) {
    await sleep(500);
    held = (await backendsWith(env, 'slow_')).filter((b) => b.state !== 'idle').length;
    if (held === 0 && Date.now() - t0 > 2000) break;
  }
  const warmMs = Date.now() - t0;
  const avail: number[] = [];
  const cone: number[] = [];
  let bad = 0;
  const until = Date.now() + 8000;
  while (Date.now() < until) {
    const [a, c] = await Promise.all([
      timed(`${env.server.base}/tap/availability`),
      timed(syncUrl(env.server.base, "SELECT name FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.41, -58.75, 0.1))", 'votable/td')),
    ]);
    avail.push(a.ms);
    cone.push(c.ms);
    if (a.status !== 200 || c.status !== 200) bad++;
    await sleep(250);
  }
  fast.abort();
  const timer = setTimeout(() => stop.abort(), 120_000);
  const done = await Promise.all(readers);
  clearTimeout(timer);
  const complete = done.filter((d) => d.complete).length;
  const maxA = Math.max(...avail);
  const maxC = Math.max(...cone);
  return {
    scenario: 'ten slow readers (2 KB/s) holding downloads',
    measured: `sessions held after ${(warmMs / 1000).toFixed(1)} s warm-up: ${held}; availability max ${maxA.toFixed(0)} ms, cone max ${maxC.toFixed(0)} ms over ${avail.length} probes, ${bad} failed probes; complete downloads ${complete}/10`,
    ok: maxA < 1000 && maxC < 1000 && bad === 0 && complete === 10,
  };
}

async function disconnect(env: Env): Promise<Outcome> {
  const parts: string[] = [];
  let ok = true;
  for (const format of ['votable/b2', 'votable/td']) {
    const marker = `gone_${format.replace('/', '_')}_${Date.now().toString(36)}`;
    const stop = new AbortController();
    const r = await fetch(syncUrl(env.server.base, BIG(marker), format), { signal: stop.signal });
    const reader = r.body?.getReader();
    await reader?.read();
    let before = (await backendsWith(env, marker)).length;
    for (let i = 0; i < 20 && before === 0; i++) {
      await sleep(50);
      before = (await backendsWith(env, marker)).length;
    }
    const t0 = performance.now();
    stop.abort();
    let goneMs: number | undefined;
    while (performance.now() - t0 < 5000) {
      const left = (await backendsWith(env, marker)).filter((b) => b.state !== 'idle');
      if (left.length === 0) {
        goneMs = performance.now() - t0;
        break;
      }
      await sleep(25);
    }
    parts.push(`${format}: ${before} running → gone ${goneMs === undefined ? 'NOT within 5 s' : `in ${goneMs.toFixed(0)} ms`}`);
    ok &&= before > 0 && goneMs !== undefined && goneMs < 1000;
  }
  return { scenario: 'client disconnect mid-download', measured: parts.join('; '), ok };
}

async function jobPhase(url: string): Promise<string> {
  const r = await timed(`${url}/phase`);
  if (r.status !== 200) return `HTTP ${r.status}`;
  return (await (await fetch(`${url}/phase`)).text()).trim();
}

async function killJobs(env: Env): Promise<Outcome> {
  // Long enough (tens of seconds on the sample) to outlive the restart, short enough to complete afterwards.
  const slow = 'SELECT COUNT(*) AS n FROM csc2.master_source AS a, csc2.master_source AS b, csc2.master_source AS c, (SELECT TOP 3 name FROM csc2.master_source) AS d';
  const jobs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${env.server.base}/tap/async`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ LANG: 'ADQL', QUERY: slow, PHASE: 'RUN', RUNID: `kill-${i}` }) });
    await r.arrayBuffer();
    const loc = r.headers.get('location');
    if (loc) jobs.push(loc);
  }
  for (let i = 0; i < 100; i++) {
    const phases = await Promise.all(jobs.map(jobPhase));
    if (phases.filter((p) => p === 'EXECUTING').length >= 2) break;
    await sleep(100);
  }
  const killedAt = new Date();
  await sleep(300);
  await env.server.kill9();
  const orphansAtKill = (await backendsWith(env, 'count(*)')).filter((b) => b.state === 'active').length;
  const t0 = Date.now();
  await env.server.start();
  const readyMs = Date.now() - t0;
  const leftAfterRestart = (await backendsWith(env, 'count(*)')).filter((b) => b.state === 'active' && b.query_start !== null && b.query_start < killedAt).length;
  const deadline = Date.now() + 240_000;
  let phases: string[] = [];
  while (Date.now() < deadline) {
    phases = await Promise.all(jobs.map(jobPhase));
    if (phases.every((p) => !['PENDING', 'QUEUED', 'EXECUTING'].includes(p))) break;
    await sleep(1000);
  }
  const lost = phases.filter((p) => p !== 'COMPLETED').length;
  return {
    scenario: 'kill -9 of the server with async jobs executing',
    measured: `${jobs.length} jobs; dead process's queries running at kill: ${orphansAtKill}, still running once restarted (${readyMs} ms later): ${leftAfterRestart}; lost jobs: ${lost} (${phases.join(', ')})`,
    ok: jobs.length === 4 && lost === 0 && leftAfterRestart === 0,
  };
}

async function killIngest(env: Env): Promise<Outcome> {
  const file = join(env.work, 'synthetic-master.csv');
  await writeSyntheticMasterCsv(file, 300_000);
  const count = async () => Number((await adminQuery<{ n: string }>(env.dbUrl, "SELECT count(*) AS n FROM csc2.master_source WHERE name LIKE '2CXO JBENCH%'"))[0]?.n ?? -1);
  const before = await count();
  const proc = spawn(process.execPath, ['bin/xtap.js', 'ingest', 'csc2', '--table', 'master_source', '--no-classify', file], {
    env: { ...process.env, DATABASE_URL: env.dbUrl, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let copying = false;
  for (let i = 0; i < 300 && !copying && proc.exitCode === null; i++) {
    await sleep(100);
    copying = (await backendsWith(env, 'COPY')).length > 0;
  }
  await sleep(500);
  const finishedFirst = proc.exitCode !== null;
  proc.kill('SIGKILL');
  await exited;
  await sleep(500);
  const after = await count();
  return {
    scenario: 'kill -9 of `xtap ingest` while it copies 300k rows',
    measured: finishedFirst ? `the ingest finished before the kill (inconclusive); rows ${before} → ${after}` : `copy seen: ${copying}; synthetic rows visible before ${before}, after the kill ${after}`,
    ok: !finishedFirst && copying && after === before,
  };
}

const SCENARIOS: Record<string, (env: Env) => Promise<Outcome>> = {
  'pg-restart': pgRestart,
  'pg-terminate': pgTerminate,
  'slow-readers': slowReaders,
  disconnect,
  'kill-jobs': killJobs,
  'kill-ingest': killIngest,
};

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const only = f.get('only')?.split(',') ?? Object.keys(SCENARIOS);
  const unknown = only.filter((n) => !SCENARIOS[n]);
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const work = mkdtempSync(join(tmpdir(), 'xtap-faults-'));
  process.stderr.write('faults: starting a private PostgreSQL cluster\n');
  const cluster = await PrivateCluster.create();
  const outcomes: Outcome[] = [];
  let server: XtapServer | undefined;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void server?.kill9();
      cluster.destroy();
      process.exit(130);
    });
  }
  try {
    await adminQuery(cluster.url, 'CREATE DATABASE xtap');
    const dbUrl = withDatabase(cluster.url, 'xtap');
    server = new XtapServer({ databaseUrl: dbUrl, resultsDir: join(work, 'results'), port: await freePort(), logFile: join(work, 'server.log'), env: { XTAP_WORKERS: '4' } });
    process.stderr.write(`faults: starting xtap (log ${join(work, 'server.log')})\n`);
    await server.start();
    const env: Env = { cluster, dbUrl, server, work };
    for (const name of only) {
      process.stderr.write(`faults: ${name}\n`);
      const t0 = Date.now();
      try {
        outcomes.push(await (SCENARIOS[name] as (env: Env) => Promise<Outcome>)(env));
      } catch (err) {
        outcomes.push({ scenario: name, measured: `scenario crashed: ${err instanceof Error ? err.message : String(err)}`, ok: false });
      }
      process.stderr.write(`faults: ${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      if (!server.alive()) {
        process.stderr.write('faults: the server died; restarting it for the next scenario\n');
        await server.start();
      }
    }
  } finally {
    await server?.stop();
    cluster.destroy();
    if (process.env.XTAP_KEEP_FAULTS_LOG !== '1') rmSync(work, { recursive: true, force: true });
    else process.stderr.write(`faults: logs kept in ${work}\n`);
  }
  process.stdout.write(`\n${textTable(['scenario', 'result', 'measured'], outcomes.map((o) => [o.scenario, o.ok ? 'PASS' : 'FAIL', o.measured]))}\n`);
  const failed = outcomes.filter((o) => !o.ok).length;
  process.stdout.write(failed ? `FAIL: ${failed} of ${outcomes.length} scenarios\n` : `OK: ${outcomes.length} scenarios passed\n`);
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`fault test failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
