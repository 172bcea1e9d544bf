/** Operations (issue 9, point 9) on the real application: security headers and a CSP the pages live with,
 *  no version in Server, CORS for browser VO clients, liveness vs readiness, Prometheus metrics, Range on
 *  async results, owner tokens on anonymous jobs (no listing of others' jobs, no cross-site DELETE), and the
 *  per-job cap on stored results. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { createApp } from '../server/app.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { ServiceMetrics } from '../server/metrics/index.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { createJobService, type JobService } from '../uws/index.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { FAST_JOB_OPTIONS, jobIdOf, parseJob, waitForPhase } from './helpers/uws-app.js';

const backend = testDatabases()[0];
const QUERY = 'SELECT TOP 200 name, ra, dec FROM csc2.master_source ORDER BY name';

describe.skipIf(!backend)(`operations on ${backend?.name}`, () => {
  let db: Db;
  let drop: () => Promise<void>;
  let app: Koa;
  let jobs: JobService;
  let smallJobs: JobService;
  let smallApp: Koa;
  const dir = mkdtempSync(join(tmpdir(), 'xtap-ops-'));
  const http = () => request(app.callback());

  beforeAll(async () => {
    if (!backend) return;
    ({ db, drop } = await backend.open());
    const { log } = testLogger();
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, log);
    const make = (env: Record<string, string>) => {
      const config = loadConfig({ XTAP_RESULTS_DIR: mkdtempSync(join(dir, 'r-')), XTAP_BASE_URL: 'http://xtap.test', ...env });
      const metrics = new ServiceMetrics({ defaultMetrics: false });
      const runner = createQueryRunner({ db, config, catalog: publishedCatalog(), log, metrics });
      const js = createJobService({ db, config, log, runner, options: FAST_JOB_OPTIONS });
      js.start();
      return { app: createApp({ db, config, log, startedAt: new Date(), runner, jobs: js, metrics }), jobs: js };
    };
    ({ app, jobs } = make({}));
    ({ app: smallApp, jobs: smallJobs } = make({ XTAP_RESULT_MAX_BYTES: '3000' }));
  });
  afterAll(async () => {
    await jobs?.stop();
    await smallJobs?.stop();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends security headers, a Server header without a version, and a CSP the service page works with', async () => {
    const home = await http().get('/about');
    expect(home.status).toBe(200);
    expect(home.headers.server).toBe('xtap');
    expect(home.headers['x-powered-by']).toBeUndefined();
    expect(home.headers['x-content-type-options']).toBe('nosniff');
    expect(home.headers['x-frame-options']).toBe('DENY');
    expect(home.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(home.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // Every inline stylesheet of the page is allowed by its hash (else the browser drops it).
    const styles = [...home.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(styles.length).toBeGreaterThan(0);
    for (const css of styles) expect(csp).toContain(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    expect(home.text).not.toMatch(/<script|\sstyle="|\son[a-z]+="/i);
    const examples = await http().get('/tap/examples');
    for (const css of [...examples.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '')) {
      expect(csp).toContain(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    }
    const sync = await http().get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 1 name FROM csc2.master_source' });
    expect([sync.status, sync.headers.server, sync.headers['x-content-type-options']]).toEqual([200, 'xtap', 'nosniff']);
  });

  it('answers CORS preflights and cross-origin GET/POST on the TAP endpoints', async () => {
    for (const path of ['/tap/sync', '/tap/async', '/tap/capabilities']) {
      const pre = await http().options(path).set('Origin', 'https://client.example').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type, x-owner-token');
      expect(pre.status, path).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(pre.headers['access-control-allow-headers']).toMatch(/X-Owner-Token/i);
    }
    const get = await http().get('/tap/sync').set('Origin', 'https://client.example').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 1 name FROM csc2.master_source' });
    expect([get.status, get.headers['access-control-allow-origin']]).toEqual([200, '*']);
    const post = await http().post('/tap/sync').set('Origin', 'https://client.example').type('form').send({ LANG: 'ADQL', QUERY: 'SELECT TOP 1 name FROM csc2.master_source' });
    expect([post.status, post.headers['access-control-allow-origin']]).toEqual([200, '*']);
    const created = await http().post('/tap/async').set('Origin', 'https://client.example').type('form').send({ LANG: 'ADQL', QUERY });
    expect(created.status).toBe(303);
    expect(String(created.headers['access-control-expose-headers'])).toMatch(/Location/);
  });

  it('tells liveness from readiness', async () => {
    const live = await http().get('/live');
    expect([live.status, live.body.status]).toEqual([200, 'ok']);
    const ready = await http().get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(ready.body.migrations.applied).toBe(ready.body.migrations.expected);
    await db.exec('CREATE TABLE xtap.migrations_keep AS SELECT * FROM xtap.schema_migrations; DELETE FROM xtap.schema_migrations WHERE version = (SELECT max(version) FROM xtap.schema_migrations)');
    try {
      const notReady = await http().get('/ready');
      expect([notReady.status, notReady.body.ready, notReady.body.reason]).toEqual([503, false, 'migrations are not all applied']);
      expect((await http().get('/live')).status).toBe(200);
    } finally {
      await db.exec('INSERT INTO xtap.schema_migrations SELECT * FROM xtap.migrations_keep ON CONFLICT DO NOTHING; DROP TABLE xtap.migrations_keep');
    }
    expect((await http().get('/ready')).status).toBe(200);
  });

  it('exposes Prometheus metrics: requests by route, latency, bytes, rows, jobs by phase', async () => {
    await http().get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 7 name FROM csc2.master_source' }).expect(200);
    await http().get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 5 CAST(name AS INTEGER) FROM csc2.master_source' }).expect(400);
    const m = await http().get('/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (re: RegExp) => Number(re.exec(m.text)?.[1] ?? NaN);
    expect(value(/xtap_http_requests_total\{method="GET",route="\/tap\/sync",status="200"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/xtap_http_requests_total\{method="GET",route="\/tap\/sync",status="400"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/xtap_http_request_duration_seconds_count\{method="GET",route="\/tap\/sync"\} (\d+)/)).toBeGreaterThanOrEqual(2);
    expect(value(/xtap_http_response_bytes_total\{route="\/tap\/sync"\} (\d+)/)).toBeGreaterThan(1000);
    expect(value(/xtap_query_rows_total\{mode="sync"\} (\d+)/)).toBeGreaterThanOrEqual(7);
    expect(value(/xtap_queries_total\{mode="sync",outcome="ERROR"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(m.text).toMatch(/^# TYPE xtap_uws_jobs gauge$/m);
    expect(m.text).not.toMatch(/route="\/tap\/async\/[0-9a-f]{20}/);
  });

  it('serves byte ranges of an async result (206, Accept-Ranges, If-Range, 416)', async () => {
    const created = await http().post('/tap/async').type('form').send({ LANG: 'ADQL', QUERY, RESPONSEFORMAT: 'csv', PHASE: 'RUN' });
    const id = jobIdOf(created.headers.location);
    const job = await waitForPhase(app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('COMPLETED');
    const url = `/tap/async/${id}/results/result`;
    const whole = await http().get(url).buffer(true).parse(binary);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const full = whole.body as Buffer;
    expect(full.length).toBeGreaterThan(2000);
    const part = await http().get(url).set('Range', 'bytes=100-1099').buffer(true).parse(binary);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${full.length}`);
    expect((part.body as Buffer).equals(full.subarray(100, 1100))).toBe(true);
    const tail = await http().get(url).set('Range', 'bytes=-50').buffer(true).parse(binary);
    expect([tail.status, (tail.body as Buffer).equals(full.subarray(full.length - 50))]).toEqual([206, true]);
    const etag = String(whole.headers.etag);
    expect((await http().get(url).set('Range', 'bytes=0-9').set('If-Range', etag)).status).toBe(206);
    expect((await http().get(url).set('Range', 'bytes=0-9').set('If-Range', '"stale"')).status).toBe(200);
    const past = await http().get(url).set('Range', `bytes=${full.length + 10}-`);
    expect([past.status, past.headers['content-range']]).toEqual([416, `bytes */${full.length}`]);
  });

  it('gives an anonymous job an owner token; only its holder lists it, and cross-site changes are refused', async () => {
    const created = await http().post('/tap/async').type('form').send({ LANG: 'ADQL', QUERY });
    expect(created.status).toBe(303);
    const token = String(created.headers['x-owner-token']);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const cookie = String(created.headers['set-cookie']);
    expect(cookie).toMatch(/xtap_owner=/);
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=strict/i);
    const id = jobIdOf(created.headers.location);
    const job = await http().get(`/tap/async/${id}`);
    expect(job.status, 'the job URL itself is enough to read the job').toBe(200);
    expect(parseJob(job.text).raw.ownerId).toMatchObject({ '@nil': 'true' });

    const listed = (r: request.Response) => r.text.includes(id);
    expect(listed(await http().get('/tap/async')), 'no token: no job listed').toBe(false);
    expect(listed(await http().get('/tap/async').set('X-Owner-Token', 'x'.repeat(40))), 'another token').toBe(false);
    expect(listed(await http().get('/tap/async').set('X-Owner-Token', token))).toBe(true);
    expect(listed(await http().get('/tap/async').set('Cookie', `xtap_owner=${token}`))).toBe(true);

    // A form on another site posting ACTION=DELETE (the browser adds Origin, and no SameSite=Strict cookie).
    const crossSite = await http().post(`/tap/async/${id}`).set('Origin', 'https://evil.example').type('form').send({ ACTION: 'DELETE' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.text).toMatch(/QUERY_STATUS" value="ERROR">[^<]*cross-site/);
    const crossRun = await http().post(`/tap/async/${id}/phase`).set('Origin', 'null').type('form').send({ PHASE: 'RUN' });
    expect(crossRun.status).toBe(403);
    const wrongToken = await http().delete(`/tap/async/${id}`).set('X-Owner-Token', 'y'.repeat(40));
    expect(wrongToken.status).toBe(403);
    expect((await http().get(`/tap/async/${id}`)).status).toBe(200);
    // The owner, cross-origin with its header (a browser VO client after a CORS preflight):
    const byOwner = await http().post(`/tap/async/${id}`).set('Origin', 'https://client.example').set('X-Owner-Token', token).type('form').send({ ACTION: 'DELETE' });
    expect(byOwner.status).toBe(303);
    expect((await http().get(`/tap/async/${id}`)).status).toBe(404);
    // Clients that keep no cookie and send no Origin (STILTS, taplint, curl) run, read and delete the job at the URL
    // they were given, as UWS clients do.
    const plainCreated = await http().post('/tap/async').type('form').send({ LANG: 'ADQL', QUERY });
    const plain = jobIdOf(plainCreated.headers.location);
    expect((await http().post(`/tap/async/${plain}/phase`).type('form').send({ PHASE: 'RUN' })).status).toBe(303);
    expect((await http().get(`/tap/async/${plain}`)).status).toBe(200);
    expect((await http().delete(`/tap/async/${plain}`)).status).toBe(303);
    expect((await http().get(`/tap/async/${plain}`)).status).toBe(404);
  });

  it('fails a job whose result exceeds the per-job cap, with the limit named', async () => {
    const created = await request(smallApp.callback()).post('/tap/async').type('form').send({ LANG: 'ADQL', QUERY, RESPONSEFORMAT: 'csv', PHASE: 'RUN' });
    const id = jobIdOf(created.headers.location);
    const job = await waitForPhase(smallApp, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('ERROR');
    expect(job.errorType).toBe('fatal');
    expect(job.errorMessage).toMatch(/larger than the 3000 bytes one job may store \(XTAP_RESULT_MAX_BYTES\)/);
    const small = await request(smallApp.callback()).post('/tap/async').type('form').send({ LANG: 'ADQL', QUERY: 'SELECT TOP 3 name FROM csc2.master_source', RESPONSEFORMAT: 'csv', PHASE: 'RUN' });
    expect((await waitForPhase(smallApp, jobIdOf(small.headers.location), ['COMPLETED', 'ERROR'])).phase).toBe('COMPLETED');
  });
});

type Parser = Parameters<ReturnType<ReturnType<typeof request>['get']>['parse']>[0];
/** Collects the body as bytes whatever its type (supertest would decode text). */
const binary: Parser = (res, cb) => {
  const parts: Buffer[] = [];
  res.on('data', (d: Buffer) => parts.push(d));
  res.on('end', () => cb(null, Buffer.concat(parts)));
};
