/** The UWS queue in the database: concurrent claims, crash recovery through expired leases, graceful release,
 *  destruction, and blocking WAIT timed on a listening server. On the test PostgreSQL. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import { JobStore } from '../uws/index.js';
import { testDatabases } from './helpers/databases.js';
import { trustedSqlRunner } from './helpers/trusted-sql-runner.js';
import { createJob, getJob, ownerHttp, migrateUws, openUwsApp, parseJob, removeDir, testResultsDir, uwsConfig, waitForPhase } from './helpers/uws-app.js';
import type { UwsTestApp } from './helpers/uws-app.js';

const QUERY = 'SELECT g FROM generate_series(1, 5) AS g';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(testDatabases())('UWS queue on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let resultsDir: string;
  let config: Readonly<Config>;
  const open: UwsTestApp[] = [];
  const app = (opts: Parameters<typeof openUwsApp>[3] = {}) => {
    const t = openUwsApp(db, config, trustedSqlRunner(db), opts);
    open.push(t);
    return t;
  };

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await migrateUws(db);
    resultsDir = testResultsDir();
    config = uwsConfig(resultsDir);
  });
  afterAll(async () => {
    for (const t of open) await t.close();
    await drop();
    removeDir(resultsDir);
  });

  it('hands each QUEUED job to exactly one of many concurrent claimers (FOR UPDATE SKIP LOCKED)', async () => {
    const idle = app({ start: false });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await createJob(idle.app, { LANG: 'ADQL', QUERY, PHASE: 'RUN' }));
    // Separate stores stand for separate processes (on pg each claim uses its own pooled connection).
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => new JobStore(db).claim(`claimer-${i}`, 60)));
    const got = claims.flatMap((c) => (c ? [c.jobId] : []));
    expect(got.sort()).toEqual([...ids].sort());
    const rows = await db.query(`SELECT count(DISTINCT worker_id) FROM uws.job WHERE job_id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [
      JSON.stringify(ids),
    ]);
    expect(Number(rows.rows[0]?.[0])).toBe(5);
    // These claimers never run anything: clean up so later tests' workers are not confused.
    for (const id of ids) await idle.jobs.delete(id);
  });

  it('survives a crash mid-execution: the dead worker lease expires and a new worker set completes the job', async () => {
    // Process A accepts the job; its worker claims it and dies (kill -9: no heartbeat, no cleanup).
    const a = app({ start: false });
    const id = await createJob(a.app, { LANG: 'ADQL', QUERY, RUNID: 'crash', PHASE: 'RUN' });
    const dead = await new JobStore(db).claim('dead-worker', 0.5);
    expect(dead?.jobId).toBe(id);
    expect((await getJob(a.app, id)).phase).toBe('EXECUTING');
    await a.close();

    // Process B starts on the same database and results store.
    const b = app();
    const job = await waitForPhase(b.app, id, ['COMPLETED', 'ERROR'], 15_000);
    expect(job.phase).toBe('COMPLETED');
    expect(job.runId).toBe('crash');
    const attempts = await db.query('SELECT attempts, worker_id FROM uws.job WHERE job_id = $1', [id]);
    expect(attempts.rows[0]).toEqual([2, null]);
    const r = await request(b.app.callback()).get(`/tap/async/${id}/results/result`);
    expect(r.status).toBe(200);
    expect(r.text).toBe('c1\r\n1\r\n2\r\n3\r\n4\r\n5\r\n');
    await b.close();
  });

  it('keeps jobs and results across a restart, and a graceful stop puts a running job back in the queue', async () => {
    const a = app();
    const done = await createJob(a.app, { LANG: 'ADQL', QUERY, PHASE: 'RUN' });
    await waitForPhase(a.app, done, ['COMPLETED']);
    const slow = await createJob(a.app, { LANG: 'ADQL', QUERY, SLEEPMS: '1500', PHASE: 'RUN' });
    await waitForPhase(a.app, slow, ['EXECUTING']);
    await a.close(); // SIGTERM: stop claiming, release the running job
    expect((await getJob(a.app, slow)).phase).toBe('QUEUED');

    const b = app();
    expect((await getJob(b.app, done)).phase).toBe('COMPLETED');
    expect((await request(b.app.callback()).get(`/tap/async/${done}/results/result`)).text).toBe('c1\r\n1\r\n2\r\n3\r\n4\r\n5\r\n');
    expect((await waitForPhase(b.app, slow, ['COMPLETED', 'ERROR'])).phase).toBe('COMPLETED');
    await b.close();
  });

  it('an ABORT made by another process reaches the running worker through its heartbeat', async () => {
    const runner = trustedSqlRunner(db);
    const worker = openUwsApp(db, config, runner); // process A runs jobs
    open.push(worker);
    const front = app({ start: false }); // process B only serves HTTP
    const id = await createJob(front.app, { LANG: 'ADQL', QUERY, SLEEPMS: '20000', PHASE: 'RUN' });
    await waitForPhase(front.app, id, ['EXECUTING']);
    await ownerHttp(front.app).post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'ABORT' });
    while (runner.cleanups() === 0) await sleep(20); // heartbeatMs = 150
    expect(runner.interruptedSleeps()).toBe(1); // the worker was told and let go; its 20 s wait was not slept out
    expect((await getJob(front.app, id)).phase).toBe('ABORTED');
    await worker.close();
  });

  it('re-queues at once a job whose database session was terminated (not after its lease)', async () => {
    const a = app({ options: { leaseS: 60, maxAttempts: 3 } });
    const id = await createJob(a.app, { LANG: 'ADQL', QUERY: 'SELECT pg_sleep(30) AS lost_session_probe', PHASE: 'RUN' });
    const backend = async () =>
      (
        await db.queryObjects<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%lost_session_probe%' AND pid <> pg_backend_pid()",
        )
      )[0]?.pid;
    let pid: number | undefined;
    for (let i = 0; i < 100 && pid === undefined; i++) {
      await sleep(100);
      pid = await backend();
    }
    expect(pid).toBeDefined();
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    const t0 = Date.now();
    let state: { phase: string; attempts: number } | undefined;
    while (Date.now() - t0 < 10_000) {
      [state] = await db.queryObjects<{ phase: string; attempts: number }>('SELECT phase, attempts FROM uws.job WHERE job_id = $1', [id]);
      if (state?.attempts === 2 && state.phase === 'EXECUTING') break;
      await sleep(50);
    }
    // Running again (second claim) within seconds, far inside the 60 s lease; no error recorded.
    expect(state).toEqual({ phase: 'EXECUTING', attempts: 2 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await getJob(a.app, id)).errorMessage).toBeUndefined();
    await a.jobs.delete(id);
    await a.close();
  });

  it('gives up a job whose workers keep dying, with a transient error', async () => {
    const a = app({ start: false, options: { maxAttempts: 2 } });
    const id = await createJob(a.app, { LANG: 'ADQL', QUERY, PHASE: 'RUN' });
    const store = new JobStore(db);
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect((await store.claim(`dead-${attempt}`, 0.2))?.jobId).toBe(id);
      await sleep(300);
      await a.jobs.maintain();
    }
    const job = await getJob(a.app, id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorType).toBe('transient');
    expect(job.errorMessage).toMatch(/interrupted 2 times/);
  });

  it('destroys jobs past their destruction time, with their files', async () => {
    const a = app({ start: false });
    const id = await createJob(a.app, { LANG: 'ADQL', QUERY });
    const keep = await createJob(a.app, { LANG: 'ADQL', QUERY });
    await a.jobs.setParameters(id, [], [{ field: 't', filename: 't.vot', path: join(process.cwd(), 'package.json'), size: 1 }]);
    expect(existsSync(join(resultsDir, id))).toBe(true);
    await db.query("UPDATE uws.job SET destruction_time = now() - interval '1 second' WHERE job_id = $1", [id]);
    await a.jobs.maintain();
    expect((await request(a.app.callback()).get(`/tap/async/${id}`)).status).toBe(404);
    expect(existsSync(join(resultsDir, id))).toBe(false);
    expect((await getJob(a.app, keep)).phase).toBe('PENDING');
  });

  describe('blocking WAIT on a listening server', () => {
    let t: UwsTestApp;
    let server: Server;
    let base: string;
    beforeAll(async () => {
      t = app({ maxWaitS: 2 });
      server = t.app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tap/async`;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
    });

    const timed = async (url: string) => {
      const started = Date.now();
      const r = await fetch(url);
      expect(r.status).toBe(200);
      return { ms: Date.now() - started, job: parseJob(await r.text()) };
    };

    it('blocks in an active phase for WAIT seconds, and WAIT=-1 stops at the server cap', async () => {
      const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
      const one = await timed(`${base}/${id}?WAIT=1`);
      expect(one.job.phase).toBe('PENDING');
      expect(one.ms).toBeGreaterThanOrEqual(950);
      expect(one.ms).toBeLessThan(1_800);
      const capped = await timed(`${base}/${id}?wait=-1`);
      expect(capped.ms).toBeGreaterThanOrEqual(1_950); // maxWaitS = 2
      expect(capped.ms).toBeLessThan(2_900);
      const huge = await timed(`${base}/${id}?WAIT=600`);
      expect(huge.ms).toBeLessThan(2_900);
    });

    it('returns as soon as the phase changes', async () => {
      const id = await createJob(t.app, { LANG: 'ADQL', QUERY, SLEEPMS: '700', PHASE: 'RUN' });
      await waitForPhase(t.app, id, ['EXECUTING']);
      const r = await timed(`${base}/${id}?WAIT=30`);
      expect(r.job.phase).toBe('COMPLETED');
      expect(r.ms).toBeLessThan(1_900);
    });

    it('returns at once in a final phase, or when PHASE= names another phase', async () => {
      const id = await createJob(t.app, { LANG: 'ADQL', QUERY, PHASE: 'RUN' });
      await waitForPhase(t.app, id, ['COMPLETED']);
      expect((await timed(`${base}/${id}?WAIT=10`)).ms).toBeLessThan(500);
      const pending = await createJob(t.app, { LANG: 'ADQL', QUERY });
      const other = await timed(`${base}/${pending}?PHASE=EXECUTING&WAIT=10`);
      expect(other.job.phase).toBe('PENDING');
      expect(other.ms).toBeLessThan(500);
      const same = await timed(`${base}/${pending}?PHASE=PENDING&WAIT=1`);
      expect(same.ms).toBeGreaterThanOrEqual(950);
      const bad = await fetch(`${base}/${pending}?WAIT=soon`);
      expect(bad.status).toBe(400);
    });

    it('wakes a waiting client when another request runs the job', async () => {
      const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
      const waiting = timed(`${base}/${id}?WAIT=30`);
      await sleep(200);
      await fetch(`${base}/${id}/phase`, { method: 'POST', body: new URLSearchParams({ PHASE: 'RUN' }), redirect: 'manual' });
      const r = await waiting;
      expect(['QUEUED', 'EXECUTING', 'COMPLETED']).toContain(r.job.phase);
      expect(r.ms).toBeLessThan(1_500);
    });
  });
});
