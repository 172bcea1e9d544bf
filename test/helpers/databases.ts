/** Test databases: every suite runs on in-memory PGlite, and also on the real PostgreSQL when DATABASE_URL is
 *  set. Each PostgreSQL suite gets a fresh throw-away database so suites can run in parallel. */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDb } from '../../db/index.js';
import type { Db } from '../../db/index.js';

export interface TestDatabase {
  name: 'pglite' | 'pg';
  open(): Promise<{ db: Db; url?: string; drop(): Promise<void> }>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Backends under test: PGlite always, PostgreSQL when DATABASE_URL is set; XTAP_TEST_BACKENDS=pg|pglite narrows
 *  the list (CI runs the suite once per backend). */
export function testDatabases(): TestDatabase[] {
  const only = process.env.XTAP_TEST_BACKENDS;
  return allTestDatabases().filter((d) => !only || only.split(',').includes(d.name));
}

function allTestDatabases(): TestDatabase[] {
  const out: TestDatabase[] = [
    {
      name: 'pglite',
      async open() {
        const db = await openDb({ dataDir: 'memory://', poolSize: 1 });
        return { db, drop: () => db.close() };
      },
    },
  ];
  const base = process.env.DATABASE_URL;
  if (base) {
    out.push({
      name: 'pg',
      async open() {
        const name = `xtap_test_${randomBytes(6).toString('hex')}`;
        await adminQuery(base, `CREATE DATABASE ${name}`);
        const url = withDatabase(base, name);
        const db = await openDb({ databaseUrl: url, dataDir: 'unused', poolSize: 5 });
        return {
          db,
          url,
          async drop() {
            await db.close();
            await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          },
        };
      },
    });
  }
  return out;
}
