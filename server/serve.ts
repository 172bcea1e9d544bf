/** One serving process: database (the embedded PostgreSQL cluster unless DATABASE_URL is set) and its
 *  preparation, HTTP listener, async job executor, graceful shutdown (requests, then jobs, then the database).
 *  `npm start` runs one of these; `xtap serve --workers N` runs N of them under server/cluster.ts, where the
 *  primary has already prepared the database (prepare: false) and the port is shared through node:cluster. */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { openDb } from '../db/index.js';
import type { PgDb } from '../db/index.js';
import { createProgress } from '../ingest/index.js';
import { createApp } from './app.js';
import { createHttpServer } from './http-server.js';
import { prepareDatabase, prepareRuntime } from './bootstrap.js';
import { publishedCatalog } from '../schema/index.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { createJobService } from '../uws/index.js';
import type { JobService } from '../uws/index.js';
import { ServiceMetrics } from './metrics/index.js';

export interface ServeOptions {
  /** Run migrations, TAP_SCHEMA and the sample load (false in cluster workers: the primary did it). */
  prepare: boolean;
}

/** Opens and prepares the database of a serving process (primary or worker alike). */
export async function openServiceDb(config: Readonly<Config>, log: Logger, opts: { prepare: boolean; runtime: boolean }): Promise<PgDb> {
  const embedded = !config.db.databaseUrl;
  const db = await openDb({ ...config.db, log: log.child({ component: 'db' }) });
  log.info({ database: embedded ? 'embedded PostgreSQL' : 'PostgreSQL (DATABASE_URL)', dataDir: embedded ? config.db.dataDir : undefined, replicas: config.db.replicaUrls.length }, 'database opened');
  try {
    // Before any pool opens a session named after this process: a sibling's sweep ends named sessions whose
    // lifeline lock is not held (db/pg-adapter.ts endOrphanedSessions).
    await db.holdLifeline();
    if (opts.prepare) await prepareDatabase(db, { sampleDir: config.sampleDir, loadSample: config.loadSample, progress: createProgress(log) }, log);
    if (opts.runtime) await prepareRuntime(db, config, log);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

/** SIGINT/SIGTERM run `stop` once; a second signal or 10 s later the process exits anyway. */
export function onStopSignals(log: Logger, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stop(signal).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

/** Runs the HTTP service in this process until SIGINT/SIGTERM. */
export async function serve(config: Readonly<Config>, log: Logger, opts: ServeOptions): Promise<void> {
  const db = await openServiceDb(config, log, { prepare: opts.prepare, runtime: true });
  const metrics = new ServiceMetrics();
  const runner = createQueryRunner({ db, config, catalog: publishedCatalog(), log, metrics });
  const jobs: JobService = createJobService({ db, config, log, runner });
  jobs.start();
  if (config.workers === 0) log.info('async executor off: this process only enqueues jobs (run `xtap worker`)');
  const app = createApp({ db, config, log, startedAt: new Date(), runner, jobs, metrics });
  const server: Server = createHttpServer(app, { maxHeaderBytes: config.requestMaxHeaderBytes, log }).listen(config.port, config.host, () => {
    log.info({ port: config.port, host: config.host, baseUrl: config.baseUrl, pid: process.pid }, 'xtap listening');
  });

  onStopSignals(log, async () => {
    const jobsStopped = jobs.stop().catch((err: unknown) => log.error({ err }, 'stopping the job workers failed'));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await jobsStopped;
    await db.close().catch((err: unknown) => log.error({ err }, 'closing the database failed'));
  });
}
