/** /tap/async over HTTP (UWS 1.1, TAP 1.1 §2.2, DALI): lifecycle, children, errors, abort, delete, job list,
 *  limits, uploads, and the documents against UWS.xsd. Runs on the test PostgreSQL (embedded, or DATABASE_URL's).
 * Queries run through the trusted-SQL test double of the QueryRunner (test/helpers). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import { testDatabases } from './helpers/databases.js';
import { trustedSqlRunner } from './helpers/trusted-sql-runner.js';
import type { TrustedSqlRunner } from './helpers/trusted-sql-runner.js';
import {
  createJob,
  ownerHttp,
  getJob,
  jobIdOf,
  migrateUws,
  openUwsApp,
  parseJob,
  parseXml,
  removeDir,
  testResultsDir,
  textOf,
  uwsConfig,
  waitForPhase,
} from './helpers/uws-app.js';
import type { UwsTestApp, XmlNode } from './helpers/uws-app.js';

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const QUERY = 'SELECT g, g * 2 AS twice FROM generate_series(1, 3) AS g';

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

/** Validates a document against UWS.xsd (with the local xlink.xsd; see test/fixtures/xsd/ORIGIN.md). */
function validateUws(xml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'xtap-xsd-'));
  const fixtures = join(process.cwd(), 'test', 'fixtures', 'xsd');
  const xsd = readFileSync(join(fixtures, 'UWS.xsd'), 'utf8').replace(
    'http://www.ivoa.net/xml/Xlink/xlink.xsd',
    join(fixtures, 'xlink.xsd'),
  );
  writeFileSync(join(dir, 'UWS.xsd'), xsd);
  writeFileSync(join(dir, 'doc.xml'), xml);
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(dir, 'UWS.xsd'), join(dir, 'doc.xml')], { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`UWS.xsd validation failed:\n${e.stderr?.toString() ?? String(err)}\n${xml}`);
  } finally {
    removeDir(dir);
  }
}

describe.each(testDatabases())('UWS /tap/async on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let resultsDir: string;
  let config: Readonly<Config>;
  let runner: TrustedSqlRunner;
  let t: UwsTestApp;
  let http: () => ReturnType<typeof ownerHttp>;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await migrateUws(db);
    resultsDir = testResultsDir();
    config = uwsConfig(resultsDir);
    runner = trustedSqlRunner(db);
    t = openUwsApp(db, config, runner);
    http = () => ownerHttp(t.app);
  });
  afterAll(async () => {
    await t.close();
    await drop();
    removeDir(resultsDir);
  });

  it('creates a PENDING job with 303 to its URL and echoes every parameter, REQUEST=doQuery included', async () => {
    const r = await http()
      .post('/tap/async')
      .type('form')
      .send({ REQUEST: 'doQuery', lang: 'ADQL', QUERY, RUNID: 'run-1', FOO: 'bar' });
    expect(r.status).toBe(303);
    expect(r.headers.location).toMatch(/^http:\/\/xtap\.test\/tap\/async\/[a-z0-9]+$/);
    const id = jobIdOf(r.headers.location);

    const res = await http().get(`/tap/async/${id}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/xml');
    const job = parseJob(res.text);
    expect(job.jobId).toBe(id);
    expect(job.phase).toBe('PENDING');
    expect(job.runId).toBe('run-1');
    expect(job.parameters).toEqual([
      { id: 'REQUEST', value: 'doQuery' },
      { id: 'LANG', value: 'ADQL' },
      { id: 'QUERY', value: QUERY },
      { id: 'RUNID', value: 'run-1' },
      { id: 'FOO', value: 'bar' },
    ]);
    expect(job.results).toEqual([]);
    expect(job.raw['@version']).toBe('1.1');
    expect(textOf(job.raw.ownerId)).toBeUndefined(); // xsi:nil for anonymous
    expect(textOf(job.raw.quote)).toBeUndefined();
    expect(textOf(job.raw.startTime)).toBeUndefined();
    expect(textOf(job.raw.creationTime)).toMatch(ISO_Z);
    if (hasXmllint) validateUws(res.text);
  });

  it('serves every child with the same values as the job document', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
    const job = await getJob(t.app, id);
    const phase = await http().get(`/tap/async/${id}/phase`);
    expect([phase.status, phase.type, phase.text]).toEqual([200, 'text/plain', 'PENDING']);
    const duration = await http().get(`/tap/async/${id}/executionduration`);
    expect([duration.type, duration.text]).toEqual(['text/plain', '60']);
    expect(textOf(job.raw.executionDuration)).toBe('60');
    const destruction = await http().get(`/tap/async/${id}/destruction`);
    expect(destruction.text).toMatch(ISO_Z);
    expect(destruction.text).toBe(textOf(job.raw.destruction));
    const created = Date.parse(textOf(job.raw.creationTime) ?? '');
    expect(Date.parse(destruction.text) - created).toBeGreaterThan(3_590_000); // XTAP_RETENTION_S = 3600
    expect(Date.parse(destruction.text) - created).toBeLessThan(3_610_000);
    const quote = await http().get(`/tap/async/${id}/quote`);
    expect([quote.status, quote.text]).toEqual([200, '']);
    const owner = await http().get(`/tap/async/${id}/owner`);
    expect([owner.status, owner.text]).toEqual([200, '']);
    const params = await http().get(`/tap/async/${id}/parameters`);
    expect(params.type).toBe('text/xml');
    const list = ((parseXml(params.text).parameters as XmlNode).parameter as XmlNode[]).map((p) => [p['@id'], textOf(p)]);
    expect(list).toEqual([
      ['LANG', 'ADQL'],
      ['QUERY', QUERY],
    ]);
    const results = await http().get(`/tap/async/${id}/results`);
    expect([results.status, results.type]).toEqual([200, 'text/xml']);
    expect(results.text).toContain('<uws:results');
  });

  it('runs a job to COMPLETED and serves its result as result id="result"', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY: 'SELECT 1' });
    const p = await http().post(`/tap/async/${id}/parameters`).type('form').send({ query: QUERY, RUNID: 'second' });
    expect(p.status).toBe(303);
    expect(p.headers.location).toBe(`http://xtap.test/tap/async/${id}`);
    const before = await getJob(t.app, id);
    expect(before.parameters).toEqual([
      { id: 'LANG', value: 'ADQL' },
      { id: 'QUERY', value: QUERY },
      { id: 'RUNID', value: 'second' },
    ]);
    expect(before.runId).toBe('second');

    const run = await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' });
    expect(run.status).toBe(303);
    expect(run.headers.location).toBe(`http://xtap.test/tap/async/${id}`);
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('COMPLETED');
    expect(job.errorMessage).toBeUndefined();
    const body = 'c1,c2\r\n1,2\r\n2,4\r\n3,6\r\n';
    expect(job.results).toEqual([
      { id: 'result', href: `http://xtap.test/tap/async/${id}/results/result`, size: String(body.length), mimeType: 'text/csv;header=present' },
    ]);
    for (const el of ['startTime', 'endTime', 'creationTime']) expect(textOf(job.raw[el])).toMatch(ISO_Z);
    const result = await http().get(`/tap/async/${id}/results/result`);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('text/csv;header=present');
    expect(result.text).toBe(body);
    const missing = await http().get(`/tap/async/${id}/results/other`);
    expect(missing.status).toBe(404);
    // Parameters are frozen once the job left PENDING.
    const late = await http().post(`/tap/async/${id}/parameters`).type('form').send({ QUERY: 'SELECT 2' });
    expect(late.status).toBe(409);
    expect(late.text).toContain('QUERY_STATUS');
    expect((await getJob(t.app, id)).parameters.find((x) => x.id === 'QUERY')?.value).toBe(QUERY);
    const resultsDoc = await http().get(`/tap/async/${id}/results`);
    if (hasXmllint) validateUws((await http().get(`/tap/async/${id}`)).text);
    expect(resultsDoc.text).toContain('id="result"');
  });

  it('starts a job created with PHASE=RUN', async () => {
    const r = await http().post('/tap/async').type('form').send({ LANG: 'ADQL', QUERY, PHASE: 'RUN' });
    expect(r.status).toBe(303);
    const id = jobIdOf(r.headers.location);
    const first = await getJob(t.app, id);
    expect(['QUEUED', 'EXECUTING', 'COMPLETED']).toContain(first.phase);
    expect(first.parameters.map((p) => p.id)).toEqual(['LANG', 'QUERY']); // PHASE is an action, not a parameter
    expect((await waitForPhase(t.app, id, ['COMPLETED', 'ERROR'])).phase).toBe('COMPLETED');
  });

  it('validates parameters at execution: no QUERY → ERROR with errorSummary and an /error VOTable (HTTP 200)', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL' });
    expect((await getJob(t.app, id)).phase).toBe('PENDING');
    const noError = await http().get(`/tap/async/${id}/error`);
    expect(noError.status).toBe(404);
    await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('ERROR');
    expect(job.errorType).toBe('fatal');
    expect(job.errorMessage).toBe('QUERY is required: give the ADQL query to run');
    expect(job.results).toEqual([]);
    const err = await http().get(`/tap/async/${id}/error`);
    expect(err.status).toBe(200);
    expect(err.type).toBe('application/x-votable+xml');
    expect(err.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">QUERY is required: give the ADQL query to run<\/INFO>/);
    if (hasXmllint) validateUws((await http().get(`/tap/async/${id}`)).text);
  });

  it('puts a query the database rejects in ERROR with the database message', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY: 'SELECT * FROM no_such_table', PHASE: 'RUN' });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('ERROR');
    expect(job.errorType).toBe('fatal');
    expect(job.errorMessage).toMatch(/no_such_table/);
  });

  it('aborts an EXECUTING job: its query is cancelled and no result is kept', async () => {
    const cleanupsBefore = runner.cleanups();
    const interruptedBefore = runner.interruptedSleeps();
    const completedBefore = runner.completedSleeps();
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY, SLEEPMS: '20000', PHASE: 'RUN' });
    await waitForPhase(t.app, id, ['EXECUTING']);
    const r = await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'ABORT' });
    expect(r.status).toBe(303);
    const job = await getJob(t.app, id);
    expect(job.phase).toBe('ABORTED');
    expect(textOf(job.raw.endTime)).toMatch(ISO_Z);
    // The worker lets go of the query at once: its 20 s wait is cut short by the abort signal, or never starts when
    // the abort comes between the claim (EXECUTING) and the query (worker.ts checks the signal before streaming).
    while (runner.cleanups() === cleanupsBefore) await new Promise((res) => setTimeout(res, 20));
    expect(runner.completedSleeps() - completedBefore).toBe(0);
    expect(runner.interruptedSleeps() - interruptedBefore).toBeLessThanOrEqual(1);
    expect((await getJob(t.app, id)).phase).toBe('ABORTED');
    expect(job.results).toEqual([]);
    expect(existsSync(join(resultsDir, id)) ? readdirSync(join(resultsDir, id)) : []).toEqual([]);
  });

  it('aborts a PENDING job, and RUN afterwards changes nothing', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
    await http().post(`/tap/async/${id}/phase`).type('form').send({ phase: 'ABORT' });
    expect((await getJob(t.app, id)).phase).toBe('ABORTED');
    const run = await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' });
    expect(run.status).toBe(303);
    expect((await getJob(t.app, id)).phase).toBe('ABORTED');
    const bad = await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'SUSPEND' });
    expect(bad.status).toBe(400);
  });

  it('enforces the execution duration: the query is stopped and the job ends in ERROR naming the limit', async () => {
    const interruptedBefore = runner.interruptedSleeps();
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY, SLEEPMS: '20000', EXECUTIONDURATION: '1' });
    expect(textOf((await getJob(t.app, id)).raw.executionDuration)).toBe('1');
    await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR', 'ABORTED'], 10_000);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toBe('the job exceeded its execution duration of 1 s and was stopped');
    const end = Date.parse(textOf(job.raw.endTime) ?? '');
    const start = Date.parse(textOf(job.raw.startTime) ?? '');
    expect(end - start).toBeGreaterThanOrEqual(900);
    // stopped by the limit: the 20 s wait was cut short by the abort signal
    expect(runner.interruptedSleeps() - interruptedBefore).toBe(1);
  });

  it('clamps EXECUTIONDURATION and DESTRUCTION to the hard limits and answers 303', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
    const created = Date.parse(textOf((await getJob(t.app, id)).raw.creationTime) ?? '');
    const post = (child: string, form: Record<string, string>) => http().post(`/tap/async/${id}/${child}`).type('form').send(form);

    let r = await post('executionduration', { EXECUTIONDURATION: '999999' });
    expect([r.status, r.headers.location]).toEqual([303, `http://xtap.test/tap/async/${id}`]);
    expect((await http().get(`/tap/async/${id}/executionduration`)).text).toBe('120');
    await post('executionduration', { EXECUTIONDURATION: '30' });
    expect((await http().get(`/tap/async/${id}/executionduration`)).text).toBe('30');
    await post('executionduration', { executionDuration: '0' }); // 0 = unlimited → the hard limit
    expect((await http().get(`/tap/async/${id}/executionduration`)).text).toBe('120');
    expect((await post('executionduration', { EXECUTIONDURATION: 'soon' })).status).toBe(400);
    expect((await post('executionduration', { EXECUTIONDURATION: '-5' })).status).toBe(400);

    r = await post('destruction', { DESTRUCTION: '2999-01-01T00:00:00Z' });
    expect(r.status).toBe(303);
    const far = (await http().get(`/tap/async/${id}/destruction`)).text;
    expect(Date.parse(far) - created).toBeGreaterThan(7_199_000); // XTAP_RETENTION_HARD_S = 7200
    expect(Date.parse(far) - created).toBeLessThan(7_201_000);
    const soon = new Date(Date.now() + 600_000);
    await post('destruction', { DESTRUCTION: soon.toISOString().replace(/\.\d+Z$/, '') }); // no zone: UTC
    const got = Date.parse((await http().get(`/tap/async/${id}/destruction`)).text);
    expect(Math.abs(got - soon.getTime())).toBeLessThan(1_500);
    expect(textOf((await getJob(t.app, id)).raw.destruction)).toBe(new Date(got).toISOString());
    expect((await post('destruction', { DESTRUCTION: 'tomorrow' })).status).toBe(400);

    // Once finished, the execution duration is history.
    await post('phase', { PHASE: 'RUN' });
    await waitForPhase(t.app, id, ['COMPLETED']);
    expect((await post('executionduration', { EXECUTIONDURATION: '10' })).status).toBe(409);
  });

  it('does not apply parameters POSTed to the job URL itself', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
    const r = await http().post(`/tap/async/${id}`).type('form').send({ QUERY: 'SELECT 42' });
    expect(r.status).toBe(400);
    expect(r.type).toBe('application/x-votable+xml');
    expect((await getJob(t.app, id)).parameters.find((p) => p.id === 'QUERY')?.value).toBe(QUERY);
  });

  it.each([
    ['DELETE', (id: string) => http().delete(`/tap/async/${id}`)],
    ['POST ACTION=DELETE', (id: string) => http().post(`/tap/async/${id}`).type('form').send({ ACTION: 'DELETE' })],
  ])('%s removes the job: 303 to a short job list, then 404 everywhere', async (_how, del) => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY, PHASE: 'RUN' });
    await waitForPhase(t.app, id, ['COMPLETED']);
    expect(existsSync(join(resultsDir, id))).toBe(true);
    const r = await del(id);
    expect(r.status).toBe(303);
    expect(r.headers.location).toMatch(/^http:\/\/xtap\.test\/tap\/async\?LAST=\d+$/);
    for (const path of ['', '/phase', '/parameters', '/results', '/results/result', '/error', '/destruction']) {
      const g = await http().get(`/tap/async/${id}${path}`);
      expect(g.status, path).toBe(404);
      expect(g.type).toBe('application/x-votable+xml');
      expect(g.text).toContain('<INFO name="QUERY_STATUS" value="ERROR">');
    }
    expect(existsSync(join(resultsDir, id))).toBe(false);
    expect((await http().delete(`/tap/async/${id}`)).status).toBe(404);
  });

  it('a cross-site request without the owner token cannot run, abort, delete or modify a job (403); a client without cookies or Origin holding the job URL can (UWS clients such as STILTS)', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY, SLEEPMS: '20000' });
    const crossSite = () => ({
      del: () => request(t.app.callback()).delete(`/tap/async/${id}`).set('Origin', 'https://evil.example'),
      post: (path: string) => request(t.app.callback()).post(`/tap/async/${id}${path}`).set('Origin', 'https://evil.example').type('form'),
    });
    const refused = [
      await crossSite().del(),
      await crossSite().post('').send({ ACTION: 'DELETE' }),
      await crossSite().post('/parameters').send({ QUERY: 'SELECT 2' }),
      await crossSite().post('/executionduration').send({ EXECUTIONDURATION: '5' }),
      await crossSite().post('/destruction').send({ DESTRUCTION: '2030-01-01T00:00:00Z' }),
      await crossSite().post('/phase').send({ PHASE: 'RUN' }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.text).toMatch(/a cross-site request \(Origin https:\/\/evil\.example\) cannot change a job without its X-Owner-Token header/);
    }
    let job = await getJob(t.app, id);
    expect(job.phase).toBe('PENDING');
    expect(job.parameters.find((p) => p.id === 'QUERY')?.value).toBe(QUERY);
    // A UWS client that keeps no cookies and sends no Origin acts on the capability URL it was given.
    const client = () => request(t.app.callback());
    expect((await client().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' })).status).toBe(303);
    await waitForPhase(t.app, id, ['EXECUTING']);
    expect((await client().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'ABORT' })).status).toBe(303);
    job = await waitForPhase(t.app, id, ['ABORTED']);
    expect(job.phase).toBe('ABORTED');
    expect((await client().delete(`/tap/async/${id}`)).status).toBe(303);
    expect((await client().get(`/tap/async/${id}`)).status).toBe(404);
  });

  it('deletes an EXECUTING job and cancels its query', async () => {
    const cleanupsBefore = runner.cleanups();
    const interruptedBefore = runner.interruptedSleeps();
    const completedBefore = runner.completedSleeps();
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY, SLEEPMS: '20000', PHASE: 'RUN' });
    await waitForPhase(t.app, id, ['EXECUTING']);
    expect((await http().delete(`/tap/async/${id}`)).status).toBe(303);
    expect((await http().get(`/tap/async/${id}`)).status).toBe(404);
    while (runner.cleanups() === cleanupsBefore) await new Promise((res) => setTimeout(res, 20));
    // cancelled, not slept out (or never started, when the delete comes between the claim and the query)
    expect(runner.completedSleeps() - completedBefore).toBe(0);
    expect(runner.interruptedSleeps() - interruptedBefore).toBeLessThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(join(resultsDir, id))).toBe(false);
  });

  it('answers unknown jobs and unknown children with 404 and a DALI error document', async () => {
    const a = await http().get('/tap/async/0123456789abcdef0123');
    expect([a.status, a.type]).toEqual([404, 'application/x-votable+xml']);
    expect(a.text).toMatch(/no job "0123456789abcdef0123"/);
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY });
    const b = await http().get(`/tap/async/${id}/nonsense`);
    expect([b.status, b.type]).toEqual([404, 'application/x-votable+xml']);
    const c = await http().get('/tap/async/..%2F..%2Fetc/phase');
    expect(c.status).toBe(404);
  });

  it('lists jobs as jobrefs, filtered by PHASE (OR), AFTER and LAST (newest first)', async () => {
    // The list shows the caller's jobs: those created with its owner token.
    const token = 'list-owner-token-0123456789abcdefghijkl';
    const a = await createJob(t.app, { LANG: 'ADQL', QUERY, RUNID: 'list-a' }, token);
    await new Promise((r) => setTimeout(r, 20));
    const b = await createJob(t.app, { LANG: 'ADQL', QUERY, PHASE: 'RUN' }, token);
    await new Promise((r) => setTimeout(r, 20));
    const c = await createJob(t.app, { LANG: 'ADQL', QUERY }, token);
    const other = await createJob(t.app, { LANG: 'ADQL', QUERY });
    await waitForPhase(t.app, b, ['COMPLETED']);
    const aCreated = textOf((await getJob(t.app, a)).raw.creationTime) ?? '';

    const list = async (query: string, as: string | null = token) => {
      const r = await (as === null ? request(t.app.callback()) : ownerHttp(t.app, as)).get(`/tap/async${query}`);
      expect([r.status, r.type]).toEqual([200, 'text/xml']);
      if (hasXmllint) validateUws(r.text);
      const jobs = parseXml(r.text).jobs as XmlNode;
      expect(jobs['@version']).toBe('1.1');
      return ((jobs.jobref as XmlNode[] | undefined) ?? []).map((j) => ({
        id: String(j['@id']),
        href: String(j['@href']),
        phase: textOf(j.phase),
        runId: textOf(j.runId),
        creationTime: textOf(j.creationTime),
      }));
    };
    const all = await list('');
    const refA = all.find((j) => j.id === a);
    expect(refA).toEqual({ id: a, href: `http://xtap.test/tap/async/${a}`, phase: 'PENDING', runId: 'list-a', creationTime: aCreated });
    expect(all.map((j) => j.id).sort()).toEqual([a, b, c].sort());
    expect(all.map((j) => j.id)).not.toContain(other);
    expect(await list('', null), 'a caller without a token owns no job').toEqual([]);

    const pending = (await list('?PHASE=PENDING')).map((j) => j.id);
    expect(pending).toEqual(expect.arrayContaining([a, c]));
    expect(pending).not.toContain(b);
    const either = await list('?PHASE=PENDING&phase=COMPLETED');
    expect(either.map((j) => j.id)).toEqual(expect.arrayContaining([a, b, c]));
    expect(new Set(either.map((j) => j.phase))).toEqual(new Set(['PENDING', 'COMPLETED']));

    expect((await list('?LAST=2')).map((j) => j.id)).toEqual([c, b]);
    const after = (await list(`?AFTER=${encodeURIComponent(aCreated)}`)).map((j) => j.id);
    expect(after).toEqual([b, c]);
    expect((await list(`?AFTER=${encodeURIComponent(aCreated)}&PHASE=PENDING&LAST=5`)).map((j) => j.id)).toEqual([c]);
    expect((await http().get('/tap/async?PHASE=SLEEPING')).status).toBe(400);
    expect((await http().get('/tap/async?AFTER=yesterday')).status).toBe(400);
    expect((await http().get('/tap/async?LAST=-1')).status).toBe(400);
  });

  it('keeps uploaded files with the job and hands them to the runner at execution', async () => {
    const table = '<VOTABLE><RESOURCE/></VOTABLE>\n';
    const r = await http()
      .post('/tap/async')
      .field('LANG', 'ADQL')
      .field('UPLOAD', 't1,param:t1')
      .field('ECHOUPLOAD', 't1')
      .attach('t1', Buffer.from(table), 'mine.vot');
    expect(r.status).toBe(303);
    const id = jobIdOf(r.headers.location);
    const stored = readdirSync(join(resultsDir, id, 'uploads'));
    expect(stored).toHaveLength(1);
    expect(readFileSync(join(resultsDir, id, 'uploads', stored[0] ?? ''), 'utf8')).toBe(table);
    const job = await getJob(t.app, id);
    expect(job.parameters).toEqual([
      { id: 'LANG', value: 'ADQL' },
      { id: 'UPLOAD', value: 't1,param:t1' },
      { id: 'ECHOUPLOAD', value: 't1' },
    ]);
    // A later upload of the same field replaces the file.
    const table2 = '<VOTABLE><RESOURCE type="results"/></VOTABLE>\n';
    const p = await http().post(`/tap/async/${id}/parameters`).attach('t1', Buffer.from(table2), 'other.vot');
    expect(p.status).toBe(303);
    expect(readdirSync(join(resultsDir, id, 'uploads'))).toHaveLength(1);
    await http().post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' });
    expect((await waitForPhase(t.app, id, ['COMPLETED', 'ERROR'])).phase).toBe('COMPLETED');
    expect((await http().get(`/tap/async/${id}/results/result`)).text).toBe(table2);
  });
});

describe.runIf(hasXmllint)('UWS.xsd check', () => {
  it('rejects a job document whose elements are out of schema order (the validation can fail)', () => {
    const bad = `<?xml version="1.0"?><uws:job xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0" version="1.1"
      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><uws:jobId>x</uws:jobId><uws:phase>PENDING</uws:phase>
      <uws:ownerId xsi:nil="true"/><uws:creationTime>2026-01-01T00:00:00Z</uws:creationTime>
      <uws:startTime xsi:nil="true"/><uws:endTime xsi:nil="true"/><uws:executionDuration>1</uws:executionDuration>
      <uws:destruction xsi:nil="true"/><uws:results/></uws:job>`;
    expect(() => validateUws(bad)).toThrow(/UWS\.xsd validation failed/);
  });
});
