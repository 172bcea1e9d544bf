/** /tap/async with the real QueryRunner (ADQL → SQL → VOTable, query/sql-query-runner.ts) on a migrated
 *  database with TAP_SCHEMA published: the UWS machinery and the lead's pipeline together. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { createJob, openUwsApp, removeDir, testResultsDir, uwsConfig, waitForPhase } from './helpers/uws-app.js';
import type { UwsTestApp } from './helpers/uws-app.js';

describe.each(testDatabases())('async ADQL jobs with the real QueryRunner on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let resultsDir: string;
  let t: UwsTestApp;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    const { log } = testLogger();
    await prepareDatabase(db, { sampleDir: 'data/sample', loadSample: 'never' }, log);
    resultsDir = testResultsDir();
    const config = uwsConfig(resultsDir);
    t = openUwsApp(db, config, createQueryRunner({ db, config, catalog: publishedCatalog(), log }));
  });
  afterAll(async () => {
    await t.close();
    await drop();
    removeDir(resultsDir);
  });

  it('runs ADQL to a stored VOTable result', async () => {
    const id = await createJob(t.app, {
      REQUEST: 'doQuery',
      LANG: 'ADQL',
      QUERY: "SELECT schema_name FROM TAP_SCHEMA.schemas WHERE schema_name = 'TAP_SCHEMA'",
      RESPONSEFORMAT: 'votable/td',
      PHASE: 'RUN',
    });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.errorMessage).toBeUndefined();
    expect(job.phase).toBe('COMPLETED');
    const r = await request(t.app.callback()).get(`/tap/async/${id}/results/result`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(job.results[0]?.mimeType);
    const text = r.text || (r.body as Buffer).toString('utf8');
    expect(text).toMatch(/<INFO name="QUERY_STATUS" value="OK"/);
    expect(text).toMatch(/<TD>TAP_SCHEMA<\/TD>/);
  });

  it('puts bad ADQL in ERROR with the parser message and an /error document', async () => {
    const id = await createJob(t.app, { LANG: 'ADQL', QUERY: 'SELECT FROM WHERE', PHASE: 'RUN' });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('ERROR');
    expect(job.errorType).toBe('fatal');
    expect(job.errorMessage).toMatch(/^ADQL error: /);
    const err = await request(t.app.callback()).get(`/tap/async/${id}/error`);
    expect(err.status).toBe(200);
    expect(err.text).toContain('QUERY_STATUS" value="ERROR">ADQL error: ');
  });

  it('rejects an unknown LANG at execution, not at creation', async () => {
    const id = await createJob(t.app, { LANG: 'SQL', QUERY: 'SELECT 1' });
    expect((await request(t.app.callback()).get(`/tap/async/${id}/phase`)).text).toBe('PENDING');
    await request(t.app.callback()).post(`/tap/async/${id}/phase`).type('form').send({ PHASE: 'RUN' });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/unknown query language "SQL"/);
  });

  it('puts a query that fails while its rows are written in ERROR, not COMPLETED', async () => {
    // Division by zero is raised by PostgreSQL during execution, after the VOTable header is written.
    const id = await createJob(t.app, {
      LANG: 'ADQL',
      QUERY: 'SELECT 1 / (table_index - table_index) AS boom FROM TAP_SCHEMA.tables',
      RESPONSEFORMAT: 'votable',
      PHASE: 'RUN',
    });
    const job = await waitForPhase(t.app, id, ['COMPLETED', 'ERROR']);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/division by zero/);
  });
});
