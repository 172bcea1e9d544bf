/** Builds the real application on a test database (migrated, TAP_SCHEMA published, sample loaded, queries on the
 *  read-only query role) as server/main.ts does. */
import type Koa from 'koa';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/index.js';
import type { Config } from '../../config/index.js';
import { openDb, type PgDb } from '../../db/index.js';
import { createApp } from '../../server/app.js';
import { prepareDatabase, prepareRuntime } from '../../server/bootstrap.js';
import { testLogger } from './logger.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

export interface TestApp {
  app: Koa;
  db: PgDb;
  config: Readonly<Config>;
  close(): Promise<void>;
}

/** wrapDb lets a test observe what the application sends to the database (the real one underneath). */
export async function openTestApp(backend: TestDatabase, env: Record<string, string> = {}, wrapDb?: (db: PgDb) => PgDb): Promise<TestApp> {
  const { db: real, drop } = await backend.open();
  const db = wrapDb ? wrapDb(real) : real;
  return { ...(await prepareTestApp(db, env)), db, close: drop };
}

async function prepareTestApp(db: PgDb, env: Record<string, string>): Promise<{ app: Koa; config: Readonly<Config> }> {
  const { log } = testLogger();
  const config = loadConfig({
    XTAP_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'xtap-results-')),
    XTAP_BASE_URL: 'http://xtap.test',
    ...env,
  });
  await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, log);
  await prepareRuntime(db, config, log);
  return { app: createApp({ db, config, log, startedAt: new Date('2026-01-01T00:00:00Z') }), config };
}

export interface ListeningTestApp {
  server: Server;
  port: number;
  db: PgDb;
  /** The test database's URL (for pg_stat_activity checks on its own connection). */
  url: string;
  close(): Promise<void>;
}

/** The application on a fresh test database with a query pool of `poolSize` (also XTAP_POOL_SIZE), listening on
 *  127.0.0.1 on a free port: for tests that need real sockets (slow or stalled readers). */
export async function listenTestApp(poolSize: number, env: Record<string, string> = {}): Promise<ListeningTestApp> {
  const { url, drop } = await createTestDatabase();
  const db = await openDb({ databaseUrl: url, dataDir: 'unused', poolSize });
  const { app } = await prepareTestApp(db, { XTAP_POOL_SIZE: String(poolSize), ...env });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    db,
    url,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await db.close();
      await drop();
    },
  };
}
