/** Read replicas (DATABASE_URL_REPLICAS): TAP queries go to healthy replicas round-robin, queries with
 *  TAP_UPLOAD tables stay on the primary (where the request created them), a replica that does not answer is
 *  skipped, and with none left queries run on the primary.
 *  Two suites: (1) always, with second connection strings to the test server standing in for replicas (routing
 *  logic only: same server); (2) opt-in, a real streaming standby made by scripts/pg-replica.sh (127.0.0.1:5435
 *  following 127.0.0.1:5432; XTAP_TEST_PRIMARY_URL / XTAP_TEST_REPLICA_URL override), skipped with a message
 *  when it does not answer. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { PgDb } from '../db/index.js';
import { createApp } from '../server/app.js';
import { prepareDatabase, prepareRuntime } from '../server/bootstrap.js';
import { adminQuery, createTestDatabase, withDatabase } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { freePort } from './helpers/xtap-process.js';

const UPLOAD_VOT = `<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>
<FIELD name="label" datatype="char" arraysize="*"/><FIELD name="n" datatype="int"/>
<DATA><TABLEDATA><TR><TD>a</TD><TD>1</TD></TR><TR><TD>b</TD><TD>2</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;

async function openApp(primaryUrl: string, replicaUrls: string[]) {
  const { log, lines } = testLogger();
  const db = new PgDb(primaryUrl, { poolSize: 3, replicaUrls, log });
  const config = loadConfig({ XTAP_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'xtap-results-')), XTAP_BASE_URL: 'http://xtap.test', XTAP_LOAD_SAMPLE: 'never' });
  await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'never' }, log);
  await prepareRuntime(db, config, log);
  const app = createApp({ db, config, log, startedAt: new Date() });
  return { db, app, lines };
}

const sync = (app: ReturnType<typeof createApp>, query: string) =>
  request(app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: 'csv' });
const uploadQuery = (app: ReturnType<typeof createApp>) =>
  request(app.callback())
    .post('/tap/sync')
    .field('LANG', 'ADQL')
    .field('QUERY', 'SELECT label, n FROM TAP_UPLOAD.mine ORDER BY n')
    .field('RESPONSEFORMAT', 'csv')
    .field('UPLOAD', 'mine,param:mine')
    .attach('mine', Buffer.from(UPLOAD_VOT), 'mine.vot');
const TABLES = 'SELECT TOP 3 table_name FROM TAP_SCHEMA.tables ORDER BY table_name';

describe('read replicas: routing (second connection strings to the test server)', () => {
  let database: { url: string; drop(): Promise<void> };
  let dead: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    const u = new URL(database.url);
    u.port = String(await freePort()); // nothing listens there
    dead = u.toString();
  });
  afterAll(async () => database?.drop());

  it('spreads queries over the replicas round-robin, keeps upload queries on the primary, skips a dead replica', async () => {
    const { db, app } = await openApp(database.url, [database.url, dead, database.url]);
    try {
      await db.checkReplicas();
      expect(db.replicaStatus().map((r) => r.healthy)).toEqual([true, false, true]);
      for (let i = 0; i < 4; i++) expect((await sync(app, TABLES)).status).toBe(200);
      expect(db.queryRoutes()).toEqual({ replica0: 2, replica2: 2 });
      const up = await uploadQuery(app);
      expect(up.status).toBe(200);
      expect(up.text.trim().split(/\r?\n/)).toEqual(['label,n', 'a,1', 'b,2']);
      expect(db.queryRoutes()).toEqual({ replica0: 2, replica2: 2, primary: 1 });
      const metrics = await request(app.callback()).get('/metrics');
      expect(metrics.text).toMatch(/^xtap_db_replica_up\{replica="replica1"\} 0$/m);
      expect(metrics.text).toMatch(/^xtap_db_replica_up\{replica="replica2"\} 1$/m);
      expect(metrics.text).toMatch(/^xtap_db_query_sessions\{target="primary"\} 1$/m);
    } finally {
      await db.close();
    }
  });

  it('runs queries on the primary when no replica answers, and marks a replica down when its session cannot be opened', async () => {
    const { db, app, lines } = await openApp(database.url, [dead]);
    try {
      // Before any health check the replica counts as up: the first query finds it down and falls back.
      expect((await sync(app, TABLES)).status).toBe(200);
      expect(db.queryRoutes()).toEqual({ primary: 1 });
      expect(db.replicaStatus()[0]?.healthy).toBe(false);
      expect(lines().some((l) => l.msg === 'read replica unavailable; its queries go elsewhere')).toBe(true);
    } finally {
      await db.close();
    }
  });
});

const PRIMARY = process.env.XTAP_TEST_PRIMARY_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REPLICA = process.env.XTAP_TEST_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5435/postgres';
async function standbyAnswers(): Promise<boolean> {
  try {
    const [row] = await adminQuery<{ r: boolean }>(REPLICA, 'SELECT pg_is_in_recovery() AS r');
    return row?.r === true;
  } catch {
    return false;
  }
}
const haveStandby = await standbyAnswers();
if (!haveStandby) console.warn(`read-replicas: no streaming standby at ${new URL(REPLICA).host} — run scripts/pg-replica.sh to include the real-replica test`);

describe.skipIf(!haveStandby)('read replicas: a real streaming standby (scripts/pg-replica.sh)', () => {
  const name = `xtap_replica_test_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    await adminQuery(PRIMARY, `CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await adminQuery(PRIMARY, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('runs TAP queries on the standby as the query role and upload queries on the primary', async () => {
    const { db, app } = await openApp(withDatabase(PRIMARY, name), [withDatabase(REPLICA, name)]);
    try {
      // Wait until the standby has replayed the migrations and the query role.
      const [{ lsn } = { lsn: '' }] = await adminQuery<{ lsn: string }>(PRIMARY, 'SELECT pg_current_wal_lsn()::text AS lsn');
      for (let i = 0; i < 100; i++) {
        const [r] = await adminQuery<{ ok: boolean }>(REPLICA, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
        if (r?.ok) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      await db.checkReplicas();
      expect(db.replicaStatus()).toEqual([{ name: 'replica0', at: new URL(REPLICA).host, healthy: true }]);
      const r = await sync(app, TABLES);
      expect(r.status).toBe(200);
      expect(r.text.split(/\r?\n/)[0]).toBe('table_name');
      expect(db.queryRoutes()).toEqual({ replica0: 1 });
      // The session really is on the standby, as the read-only query role.
      const rows: unknown[][] = [];
      for await (const b of db.stream('SELECT inet_server_port(), pg_is_in_recovery(), current_user', [], { batchSize: 10, readOnly: true })) rows.push(...b);
      expect(rows).toEqual([[Number(new URL(REPLICA).port), true, 'xtap_query']]);
      const up = await uploadQuery(app);
      expect(up.status).toBe(200);
      expect(up.text.trim().split(/\r?\n/)).toEqual(['label,n', 'a,1', 'b,2']);
      expect(db.queryRoutes()).toEqual({ replica0: 2, primary: 1 });
    } finally {
      await db.close();
    }
  });
});

