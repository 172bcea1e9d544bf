/** Opens the configured database: PostgreSQL when a connection string is given, else embedded PGlite. */
import { PgDb } from './pg-adapter.js';
import { PgliteDb } from './pglite-adapter.js';
import type { Db } from './types.js';

export interface DbConfig {
  /** postgres:// URL; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory, or 'memory://' for an in-memory database. */
  dataDir: string;
  poolSize?: number;
}

export async function openDb(cfg: DbConfig): Promise<Db> {
  if (cfg.databaseUrl) return new PgDb(cfg.databaseUrl, cfg.poolSize);
  return PgliteDb.open(cfg.dataDir);
}
