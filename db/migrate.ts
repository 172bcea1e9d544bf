/** Applies the versioned migrations of schema/ that the database has not seen, each in its own transaction,
 *  under an advisory lock so concurrent service processes migrate once. Idempotent. */
import type { Migration } from '../schema/index.js';
import type { Db } from './types.js';

const LOCK_KEY = 7_302_114; // arbitrary constant shared by every xtap process

export async function migrate(db: Db, migrations: ReadonlyArray<Migration>): Promise<number[]> {
  await db.exec(
    'CREATE SCHEMA IF NOT EXISTS xtap; ' +
      'CREATE TABLE IF NOT EXISTS xtap.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ' +
      'applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM xtap.schema_migrations WHERE version = $1', [m.version]);
      if (seen.rows.length > 0) return;
      for (const stmt of m.statements()) await tx.exec(stmt);
      await tx.query('INSERT INTO xtap.schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    });
  }
  return applied;
}
