/** Scale-out on processes (issue 11 point 6): `xtap serve --workers 2` is a node:cluster primary with two HTTP
 *  workers on one port; with --no-async-executor they only enqueue, and a separate `xtap worker` process
 *  executes the job created over HTTP; a killed HTTP worker is forked again; SIGTERM drains everything. Real
 *  processes (the CLI bundled by esbuild) on a fresh test database. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/databases.js';
import { freePort, startXtap } from './helpers/xtap-process.js';
import type { XtapProcess } from './helpers/xtap-process.js';

describe('xtap serve --workers / xtap worker', () => {
  let database: { url: string; drop(): Promise<void> };
  let env: Record<string, string>;
  let base: string;
  let dir: string;
  const started: XtapProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'xtap-scale-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      XTAP_BASE_URL: base,
      XTAP_LOAD_SAMPLE: 'never',
      XTAP_RESULTS_DIR: join(dir, 'results'),
      XTAP_SPOOL_DIR: join(dir, 'spool'),
      XTAP_POOL_SIZE: '3',
      LOG_LEVEL: 'info',
    };
  });

  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from two processes, executes async jobs in a separate worker, restarts a dead worker, drains on SIGTERM', async () => {
    const serve = await startXtap(['serve', '--workers', '2', '--no-async-executor'], env);
    started.push(serve);
    const listening = (l: Record<string, unknown>) => l.msg === 'xtap listening';
    await serve.waitFor(listening, 90_000, 2);
    const pids = new Set(serve.logs.filter(listening).map((l) => l.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(serve.child.pid)).toBe(false);
    // no worker died at start (issue 11: a sibling's orphan sweep ended a lifeline between connect and lock)
    expect(serve.logs.filter((l) => l.msg === 'HTTP worker died; restarting it')).toEqual([]);
    expect(serve.logs.filter((l) => l.msg === 'ended a session of an xtap process that is gone')).toEqual([]);

    // Both workers answer on the one port.
    const avail = await fetch(`${base}/tap/availability`);
    expect(avail.status).toBe(200);

    const form = new URLSearchParams({ LANG: 'ADQL', QUERY: 'SELECT TOP 3 table_name FROM TAP_SCHEMA.tables ORDER BY table_name', PHASE: 'RUN', RESPONSEFORMAT: 'csv' });
    const created = await fetch(`${base}/tap/async`, { method: 'POST', body: form, redirect: 'manual' });
    expect(created.status).toBe(303);
    const jobUrl = created.headers.get('location') ?? '';
    const jobId = jobUrl.split('/').pop() ?? '';
    expect(jobId).toMatch(/^[0-9a-f]+$/);
    // No executor in the HTTP processes: the job waits in the queue.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await (await fetch(`${jobUrl}/phase`)).text()).toBe('QUEUED');

    const worker = await startXtap(['worker', '--jobs', '1'], env);
    started.push(worker);
    await worker.waitFor((l) => l.msg === 'job completed' && l.jobId === jobId, 60_000);
    expect(await (await fetch(`${jobUrl}/phase`)).text()).toBe('COMPLETED');
    const result = await (await fetch(`${jobUrl}/results/result`)).text();
    expect(result.trim().split(/\r?\n/)).toHaveLength(4); // header + 3 rows, served by an HTTP worker from the shared results dir
    // Executed exactly once, by the separate process and by nobody else.
    expect(serve.logs.some((l) => l.msg === 'job started')).toBe(false);
    expect(worker.logs.filter((l) => l.msg === 'job started' && l.jobId === jobId)).toHaveLength(1);

    // A worker that dies is forked again.
    const victim = [...pids][0] as number;
    process.kill(victim, 'SIGKILL');
    const died = await serve.waitFor((l) => l.msg === 'HTTP worker died; restarting it', 20_000);
    expect(died.pid).toBe(victim);
    expect(died.signal).toBe('SIGKILL');
    await serve.waitFor(listening, 60_000, 3);
    expect((await fetch(`${base}/tap/availability`)).status).toBe(200);

    worker.child.kill('SIGTERM');
    serve.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await serve.exited).toBe(0);
    expect(serve.logs.filter((l) => l.msg === 'HTTP worker stopped')).toHaveLength(2);
  }, 240_000);

  it('with the embedded PostgreSQL, the primary starts it and migrates once; the workers use it; SIGTERM stops it', async () => {
    const port = await freePort();
    const dataDir = join(dir, 'embedded');
    const serve = await startXtap(['serve', '--workers', '2'], { ...env, DATABASE_URL: '', XTAP_DATA_DIR: dataDir, PORT: String(port), XTAP_BASE_URL: `http://127.0.0.1:${port}` });
    started.push(serve);
    await serve.waitFor((l) => l.msg === 'xtap listening', 180_000, 2);
    expect(serve.logs.filter((l) => l.msg === 'embedded PostgreSQL started')).toHaveLength(1);
    expect(serve.logs.filter((l) => l.msg === 'migrations applied')).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    expect(existsSync(join(dataDir, 'data', 'postmaster.pid'))).toBe(true);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(existsSync(join(dataDir, 'data', 'postmaster.pid'))).toBe(false);
  }, 300_000);
});
