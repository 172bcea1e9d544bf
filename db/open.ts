/** Opens the configured database: the PostgreSQL server of DATABASE_URL, or else the embedded cluster in the
 *  data directory (started here, stopped when the Db is closed). Both go through the one pg adapter. */
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { PgDb } from './pg-adapter.js';
import type { DbLog } from './pg-adapter.js';

export interface DbConfig {
  /** postgres:// URL; when absent, the embedded cluster in dataDir is used. */
  databaseUrl?: string;
  /** Directory of the embedded cluster (created and initialised on first start). */
  dataDir: string;
  poolSize?: number;
  /** How long a request waits for a free connection (ms) before it gets a 503. */
  acquireTimeoutMs?: number;
  /** Read replicas for TAP queries (only with databaseUrl). */
  replicaUrls?: ReadonlyArray<string>;
  log?: DbLog;
}

const silent: DbLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export async function openDb(cfg: DbConfig): Promise<PgDb> {
  const log = cfg.log ?? silent;
  const opts = { poolSize: cfg.poolSize, acquireTimeoutMs: cfg.acquireTimeoutMs, log };
  if (cfg.databaseUrl) return new PgDb(cfg.databaseUrl, { ...opts, replicaUrls: cfg.replicaUrls });
  const cluster = await startEmbeddedPostgres(cfg.dataDir, log);
  return new PgDb(cluster.url, { ...opts, onClose: () => cluster.stop() });
}
