/** vitest globalSetup: without DATABASE_URL, one embedded PostgreSQL cluster (in a temporary directory) serves the
 *  whole test run; each suite creates its own database on it (test/helpers/databases.ts). With DATABASE_URL set,
 *  the suites use that server instead and nothing is started here. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    xtapTestDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide('xtapTestDatabaseUrl', process.env.DATABASE_URL);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xtap-test-pg-'));
  const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
  const cluster = await startEmbeddedPostgres(dir, quiet);
  project.provide('xtapTestDatabaseUrl', cluster.url);
  return async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
