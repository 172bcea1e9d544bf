/** Availability on the database side, on a real listening server: a runaway query is stopped by its time limit
 *  while availability and a small cone query keep answering; a session killed under a streaming query fails
 *  that request only; a full query pool gives a 503 DALI error and a healthy /health; the query role cannot
 *  write anything; sessions of a process killed with -9 are ended by the next start. */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openDb } from '../db/index.js';
import type { PgDb } from '../db/index.js';
import { LIFELINE_LOCK_CLASS } from '../db/pg-adapter.js';
import { createApp } from '../server/app.js';
import { prepareDatabase, prepareRuntime, sweepUploadDirs, sweepUploadTables } from '../server/bootstrap.js';
import { adminQuery, createTestDatabase, testServerUrl } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const CROSS_JOIN =
  'SELECT COUNT(*) FROM csc2.master_source a, csc2.master_source b, csc2.master_source c, csc2.master_source d, csc2.master_source e';
// NGC 3532, the bundled sample's field
const CONE =
  "SELECT name, ra, dec FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.41, -58.75, 0.3))";

/** Status and body; a body cut off by the server (an error after the headers of a CSV result) reads as 'cut'. */
async function get(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url);
  try {
    return { status: r.status, text: await r.text() };
  } catch {
    return { status: r.status, text: 'cut' };
  }
}

interface Served {
  db: PgDb;
  url: string;
  base: string;
  close(): Promise<void>;
}

async function serve(env: Record<string, string>, poolSize = 5, acquireTimeoutMs = 10_000): Promise<Served> {
  const { url, drop } = await createTestDatabase();
  const { log } = testLogger();
  const config = loadConfig({ XTAP_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'xtap-results-')), XTAP_BASE_URL: 'http://xtap.test', ...env });
  const db = await openDb({ databaseUrl: url, dataDir: 'unused', poolSize, acquireTimeoutMs, log });
  await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, log);
  await prepareRuntime(db, config, log);
  const app = createApp({ db, config, log, startedAt: new Date() });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    db,
    url,
    base,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await db.close();
      await drop();
    },
  };
}

function syncUrl(base: string, query: string, format?: string): string {
  const p = new URLSearchParams({ LANG: 'ADQL', QUERY: query });
  if (format) p.set('RESPONSEFORMAT', format);
  return `${base}/tap/sync?${p}`;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

describe('a runaway query on the default (PostgreSQL) engine', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ XTAP_SYNC_QUERY_TIMEOUT_S: '4' });
  });
  afterAll(async () => s.close());

  it('lists the database-side limits in the capabilities', async () => {
    const caps = await fetch(`${s.base}/tap/capabilities`).then((r) => r.text());
    expect(caps).toContain('4 s of database time before their first row');
    expect(caps).toMatch(/READ ONLY as a role that can only read the published tables, with work_mem \d+ kB \(sync\) \/ \d+ kB \(async\) and temp_file_limit \d+ kB/);
  });

  for (const format of ['votable', 'csv']) {
    it(`stops the 5-way cross join (${format}) at its time limit, while availability and a cone query answer in < 1 s`, async () => {
      const started = performance.now();
      const runaway = get(syncUrl(s.base, CROSS_JOIN, format));
      await new Promise((r) => setTimeout(r, 700));
      const probes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await timed(() => fetch(`${s.base}/tap/availability`).then((r) => r.text()));
        expect(a.value).toContain('<vosi:available>true</vosi:available>');
        const c = await timed(() => get(syncUrl(s.base, CONE, 'csv')));
        expect(c.value.status).toBe(200);
        expect(c.value.text.split('\n').length).toBeGreaterThan(2);
        probes.push(a.ms, c.ms);
      }
      const done = await runaway;
      const elapsed = (performance.now() - started) / 1000;
      expect(Math.max(...probes)).toBeLessThan(1000);
      expect(elapsed).toBeGreaterThan(3.5);
      expect(elapsed).toBeLessThan(15);
      if (format === 'votable') {
        expect(done.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">[^<]*limit 4 s/);
      } else {
        // CSV has no error slot after the header: the body stops, or (before the first row) a DALI error document
        expect(done.text).not.toMatch(/^\d+\s*$/m);
      }
    });
  }
});

describe('database sessions that end and pools that fill', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({});
  });
  afterAll(async () => s.close());

  async function queryBackend(): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const rows = await adminQuery<{ pid: number }>(
        s.url,
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state <> 'idle' AND query NOT LIKE '%pg_stat_activity%'",
        [`xtap:${s.db.instanceId}:query`],
      );
      if (rows[0]) return rows[0].pid;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no running query session found');
  }

  for (const format of ['csv', 'votable']) {
    it(`pg_terminate_backend under a streaming ${format} query fails that request and the service goes on`, async () => {
      const q = 'SELECT TOP 50000000 a.name, b.name FROM csc2.master_source a, csc2.master_source b, csc2.master_source c';
      // MAXREC above the default (100k), clipped to the hard limit: CSV from COPY writes 100k rows in well under a second.
      const res = await fetch(`${syncUrl(s.base, q, format)}&MAXREC=50000000`);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      const pid = await queryBackend();
      await adminQuery(s.url, 'SELECT pg_terminate_backend($1)', [pid]);
      const drained = await timed(async () => {
        try {
          for (;;) if ((await reader.read()).done) return 'ended';
        } catch {
          return 'aborted';
        }
      });
      expect(drained.ms).toBeLessThan(10_000);
      const next = await get(syncUrl(s.base, 'SELECT COUNT(*) AS n FROM csc2.master_source', 'csv'));
      const expected = (await s.db.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0];
      expect(next.text.trim().split(/\r?\n/)[1]).toBe(String(expected));
      const health = await fetch(`${s.base}/health`).then((r) => r.json());
      expect(health).toMatchObject({ status: 'ok' });
    });
  }

  it('ends a cursor read at its total time limit, however the time is spent', async () => {
    const read = async () => {
      for await (const _ of s.db.stream('SELECT g FROM generate_series(1, 100000) g', [], { batchSize: 100, totalTimeoutMs: 600 })) {
        await new Promise((r) => setTimeout(r, 100)); // a slow consumer: each FETCH is fast, the whole is not
      }
    };
    const t0 = performance.now();
    await expect(read()).rejects.toMatchObject({ code: '57014', message: expect.stringContaining('limit of 0.6 s') });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('runs queries as a role that may read the catalogue and write nothing', async () => {
    const who = await fetch(syncUrl(s.base, 'SELECT COUNT(*) AS n FROM tap_schema.tables', 'csv'));
    expect(who.status).toBe(200);
    const role = 'xtap_query';
    const writes = await adminQuery<{ rel: string; priv: string }>(
      s.url,
      `SELECT format('%I.%I', n.nspname, c.relname) AS rel, p.priv
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN unnest(ARRAY['INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p(priv)
        WHERE c.relkind IN ('r','p','v','m','f')
          AND has_table_privilege($1, c.oid, p.priv)`,
      [role],
    );
    // PostgreSQL grants UPDATE on the pg_settings view to PUBLIC: it is SET of one's own session settings (no
    // stored data), the same as every role has. Every other relation: no write privilege at all.
    expect(writes).toEqual([{ rel: 'pg_catalog.pg_settings', priv: 'UPDATE' }]);
    const checked = await adminQuery<{ n: string }>(s.url, "SELECT count(*) AS n FROM pg_class WHERE relkind IN ('r','p','v','m','f')");
    expect(Number(checked[0]?.n)).toBeGreaterThan(100);
    const reads = await adminQuery<{ csc2: boolean; uws: boolean; xtap: boolean; create: boolean; rolsuper: boolean; ro: string[] }>(
      s.url,
      `SELECT has_table_privilege($1, 'csc2.master_source', 'SELECT') AS csc2,
              has_schema_privilege($1, 'uws', 'USAGE') AS uws,
              has_schema_privilege($1, 'xtap', 'USAGE') AS xtap,
              has_schema_privilege($1, 'tap_upload', 'CREATE') OR has_schema_privilege($1, 'public', 'CREATE') AS "create",
              (SELECT rolsuper FROM pg_roles WHERE rolname = $1) AS rolsuper,
              (SELECT rolconfig FROM pg_roles WHERE rolname = $1) AS ro`,
      [role],
    );
    expect(reads[0]).toMatchObject({ csc2: true, uws: false, xtap: false, create: false, rolsuper: false });
    expect(reads[0]?.ro).toContain('default_transaction_read_only=on');
    expect(reads[0]?.ro.some((x) => x.startsWith('temp_file_limit='))).toBe(true);
    // and the sessions of the query pool really are that role
    const sessions = await adminQuery<{ usename: string }>(s.url, 'SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = $1', [
      `xtap:${s.db.instanceId}:query`,
    ]);
    expect(sessions.map((x) => x.usename)).toEqual([role]);
  });
});

describe('a full query pool', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ XTAP_SYNC_QUERY_TIMEOUT_S: '6' }, 1, 1_000);
  });
  afterAll(async () => s.close());

  it('answers a waiting query with a 503 DALI error naming the wait, and health stays up', async () => {
    const hog = get(syncUrl(s.base, CROSS_JOIN, 'votable'));
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    const r = await get(syncUrl(s.base, 'SELECT COUNT(*) FROM csc2.master_source', 'votable'));
    const text = r.text;
    const ms = performance.now() - t0;
    const health = await timed(() => fetch(`${s.base}/health`).then((x) => x.json()));
    expect(health.value).toMatchObject({ status: 'ok' });
    expect(health.ms).toBeLessThan(1000);
    // before the first row, or as the trailing status of the document
    expect(r.status === 503 || text.includes('QUERY_STATUS')).toBe(true);
    expect(text).toMatch(/no database connection became free within 1 s/);
    expect(ms).toBeLessThan(5_000);
    await hog;
  });
});

describe('left-overs of a process that died', () => {
  let db: PgDb;
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase());
    db = await openDb({ databaseUrl: url, dataDir: 'unused', poolSize: 2 });
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'never' }, testLogger().log);
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  /** A separate process with xtap's session naming: a lifeline lock and a long query; killed with -9. */
  function fakeInstance(id: number): { pid: number; ready: Promise<void> } {
    const script = `
      const pg = require('pg');
      const url = process.argv[1], id = Number(process.argv[2]);
      (async () => {
        const life = new pg.Client({ connectionString: url, application_name: 'xtap:' + id + ':lifeline' });
        await life.connect();
        await life.query('SELECT pg_advisory_lock($1, $2)', [${LIFELINE_LOCK_CLASS}, id]);
        const q = new pg.Client({ connectionString: url, application_name: 'xtap:' + id + ':query' });
        await q.connect();
        q.query('SELECT pg_sleep(600)').catch(() => {});
        setTimeout(() => process.stdout.write('ready\\n'), 300);
      })();`;
    const child = spawn(process.execPath, ['-e', script, url, String(id)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    return { pid: child.pid ?? 0, ready };
  }

  async function sessionsOf(id: number): Promise<string[]> {
    const rows = await adminQuery<{ application_name: string }>(url, "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE $1", [
      `xtap:${id}:%`,
    ]);
    return rows.map((r) => r.application_name).sort();
  }

  it('ends the queries of a process killed with -9 at the next start, and leaves a live one alone', async () => {
    const dead = fakeInstance(111_111);
    const alive = fakeInstance(222_222);
    await Promise.all([dead.ready, alive.ready]);
    process.kill(dead.pid, 'SIGKILL');
    // the killed process's lifeline session ends with its socket; its busy query keeps running
    for (let i = 0; i < 50 && (await sessionsOf(111_111)).includes('xtap:111111:lifeline'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await sessionsOf(111_111)).toEqual(['xtap:111111:query']);

    await db.holdLifeline();
    expect(await db.endOrphanedSessions()).toBe(1);
    for (let i = 0; i < 50 && (await sessionsOf(111_111)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await sessionsOf(111_111)).toEqual([]);
    expect(await sessionsOf(222_222)).toEqual(['xtap:222222:lifeline', 'xtap:222222:query']);
    process.kill(alive.pid, 'SIGKILL');
  });

  it('sweeps upload tables only when no other xtap process is live, and temp dirs of dead processes', async () => {
    await db.exec('CREATE TABLE tap_upload.u0123456789_left (c0 integer)');
    const live = fakeInstance(333_333);
    await live.ready;
    expect(await sweepUploadTables(db)).toBe(0);
    process.kill(live.pid, 'SIGKILL');
    for (let i = 0; i < 50 && (await db.otherLiveInstances()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await sweepUploadTables(db)).toBe(1);
    expect((await db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'tap_upload'")).rows[0]?.[0]).toBe(0n);

    const dir = mkdtempSync(join(tmpdir(), 'xtap-sweep-'));
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    mkdirSync(join(dir, `xtap-upload-${gone.pid}-abc`));
    mkdirSync(join(dir, `xtap-upload-${process.pid}-def`));
    expect(sweepUploadDirs(dir)).toEqual([`xtap-upload-${gone.pid}-abc`]);
    expect(existsSync(join(dir, `xtap-upload-${process.pid}-def`))).toBe(true);
  });
});

describe('an admin role that may not create roles (DATABASE_URL of a plain owner)', () => {
  it('serves with queries READ ONLY as that role and says so in the log', async () => {
    const { url: ownerDbUrl, drop } = await createTestDatabase();
    const role = `xtap_owner_${Math.random().toString(16).slice(2, 10)}`;
    const server = testServerUrl();
    await adminQuery(server, `CREATE ROLE ${role} LOGIN NOCREATEROLE NOSUPERUSER PASSWORD 'owner-pw'`);
    const dbName = new URL(ownerDbUrl).pathname.slice(1);
    await adminQuery(server, `ALTER DATABASE ${dbName} OWNER TO ${role}`);
    await adminQuery(ownerDbUrl, `ALTER SCHEMA public OWNER TO ${role}`);
    const u = new URL(ownerDbUrl);
    u.username = role;
    u.password = 'owner-pw';
    const { log, lines } = testLogger();
    const config = loadConfig({ XTAP_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'xtap-results-')) });
    const db = await openDb({ databaseUrl: u.toString(), dataDir: 'unused', poolSize: 2, log });
    try {
      await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'never' }, log);
      const outcome = await prepareRuntime(db, config, log);
      expect(outcome).toMatchObject({ kind: 'admin' });
      expect(lines().some((l) => l.level === 40 && /may not create roles.*XTAP_QUERY_DATABASE_URL/.test(String(l.msg)))).toBe(true);
      const write = async () => {
        for await (const _ of db.stream('CREATE TABLE csc2.evil (x int)', [], { batchSize: 10 })) {
          // nothing
        }
      };
      await expect(write()).rejects.toMatchObject({ code: '25006' });

      // the documented way out: a reader role made by someone who may, given as XTAP_QUERY_DATABASE_URL
      const reader = `${role}_reader`;
      await adminQuery(server, `CREATE ROLE ${reader} LOGIN PASSWORD 'reader-pw'`);
      const r = new URL(ownerDbUrl);
      r.username = reader;
      r.password = 'reader-pw';
      const withReader = loadConfig({ XTAP_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'xtap-results-')), XTAP_QUERY_DATABASE_URL: r.toString() });
      expect(await prepareRuntime(db, withReader, log)).toEqual({ kind: 'role', role: reader });
      const seen: unknown[] = [];
      for await (const rows of db.stream('SELECT current_user, count(*) FROM tap_schema.tables', [], { batchSize: 10 })) seen.push(...rows);
      expect(seen).toEqual([[reader, expect.any(BigInt)]]);
    } finally {
      await db.close();
      await drop();
      await adminQuery(server, `DROP ROLE IF EXISTS ${role}_reader`);
      await adminQuery(server, `DROP ROLE IF EXISTS ${role}`);
    }
  });
});
