import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { IngestError, ingestCounterpartsFromTap, ingestCsc2, silentProgress } from '../ingest/index.js';
import { migrate, publishTapSchema, MIGRATIONS } from '../db/index.js';
import { PUBLISHED_SCHEMAS } from '../schema/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

// Two xtap instances: B (remote, full sample with MUWCLASS counterparts) serves TAP over a real socket; A (local,
// CSC2 rows only) fills its ml.mw_counterpart by uploading its sources to B and loading B's answer.
describe.each(testDatabases())('counterparts from another TAP service on $name', (backend) => {
  let remote: TestApp;
  let server: Server;
  let tapUrl: string;
  let local: Db;
  let dropLocal: () => Promise<void>;
  const { log } = testLogger();

  beforeAll(async () => {
    remote = await openTestApp(backend);
    server = remote.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    tapUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tap`;
    ({ db: local, drop: dropLocal } = await backend.open());
    await migrate(local, MIGRATIONS);
    await publishTapSchema(local, PUBLISHED_SCHEMAS);
    await ingestCsc2(local, { files: [join(process.cwd(), 'data', 'sample', 'ngc3532_conesearch_per.csv')], table: 'auto', log, progress: silentProgress });
  });
  afterAll(async () => {
    server.close();
    await remote.close();
    await dropLocal();
  });

  it('uploads the local sources, loads the remote cross-match and re-classifies with multiwavelength features', async () => {
    const before = await local.query(`SELECT count(*) FROM ml.source_class WHERE feature_set = 'xray+mw'`);
    expect(before.rows[0]?.[0]).toBe(0n);
    const reports = await ingestCounterpartsFromTap(local, {
      tapUrl,
      query:
        'SELECT s.name, c.gmag, c.jmag, c.w1mag FROM TAP_UPLOAD.sources AS s JOIN ml.mw_counterpart AS c ON c.name = s.name',
      log,
      progress: silentProgress,
    });
    expect(reports[0]?.stored).toBe(373);
    const mine = await local.query(`SELECT name, gmag, jmag, w1mag, origin FROM ml.mw_counterpart ORDER BY name`);
    const theirs = await remote.db.query(`SELECT name, gmag, jmag, w1mag FROM ml.mw_counterpart ORDER BY name`);
    expect(mine.rows.map((r) => r.slice(0, 4))).toEqual(theirs.rows);
    expect(mine.rows[0]?.[4]).toBe(`tap:${tapUrl}`);
    const after = await local.query(`SELECT count(*) FROM ml.source_class WHERE feature_set = 'xray+mw'`);
    expect(Number(after.rows[0]?.[0])).toBeGreaterThan(300);
  });

  it('reports the remote error message and changes nothing when the remote query is wrong', async () => {
    const before = await local.query('SELECT count(*) FROM ml.mw_counterpart');
    const err = await ingestCounterpartsFromTap(local, { tapUrl, query: 'SELECT nosuch FROM TAP_UPLOAD.sources', log, progress: silentProgress }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toMatch(/the remote TAP service rejected the query \(HTTP 400\): ADQL error: .*nosuch/);
    expect((await local.query('SELECT count(*) FROM ml.mw_counterpart')).rows).toEqual(before.rows);
  });
});
