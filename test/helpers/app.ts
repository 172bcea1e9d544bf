/** Builds the real application on a test database (migrated, TAP_SCHEMA published, sample loaded, queries on the
 *  read-only query role) as server/main.ts does. */
import type Koa from 'koa';
import { loadConfig } from '../../config/index.js';
import type { Config } from '../../config/index.js';
import type { PgDb } from '../../db/index.js';
import { createApp } from '../../server/app.js';
import { prepareDatabase, prepareRuntime } from '../../server/bootstrap.js';
import { testLogger } from './logger.js';
import type { TestDatabase } from './databases.js';
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
  const { log } = testLogger();
  const config = loadConfig({
    XTAP_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'xtap-results-')),
    XTAP_BASE_URL: 'http://xtap.test',
    ...env,
  });
  await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, log);
  await prepareRuntime(db, config, log);
  const app = createApp({ db, config, log, startedAt: new Date('2026-01-01T00:00:00Z') });
  return { app, db, config, close: drop };
}
