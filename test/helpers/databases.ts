/** Test databases: every suite gets a fresh throw-away database (so suites can run in parallel) on the server of
 *  DATABASE_URL, or, when it is unset, on the embedded PostgreSQL cluster the test run started
 *  (test/helpers/global-setup.ts). One engine, one adapter: the same code paths as in production. */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { openDb } from '../../db/index.js';
import type { PgDb } from '../../db/index.js';

export interface TestDatabase {
  name: 'pg';
  open(): Promise<{ db: PgDb; url: string; drop(): Promise<void> }>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Superuser URL of the server the tests run on (DATABASE_URL or the embedded cluster). */
export function testServerUrl(): string {
  return process.env.DATABASE_URL || inject('xtapTestDatabaseUrl');
}

/** One statement on its own connection (outside any pool under test); returns the rows as objects. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server; the caller drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = testServerUrl();
  const name = `xtap_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  return { url: withDatabase(base, name), drop: async () => void (await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/** The backends under test: one PostgreSQL (kept as a list so suites read `describe.each(testDatabases())`). */
export function testDatabases(): TestDatabase[] {
  return [
    {
      name: 'pg',
      async open() {
        const { url, drop } = await createTestDatabase();
        const db = await openDb({ databaseUrl: url, dataDir: 'unused', poolSize: 5 });
        return {
          db,
          url,
          async drop() {
            await db.close();
            await drop();
          },
        };
      },
    },
  ];
}
