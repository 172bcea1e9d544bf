/** Service entrypoint: configuration, logging, database (the embedded PostgreSQL cluster unless DATABASE_URL is
 *  set) and its preparation, HTTP listener, graceful shutdown (requests, then jobs, then the database). */
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { openDb } from '../db/index.js';
import { createProgress } from '../ingest/index.js';
import { createApp } from './app.js';
import { createHttpServer } from './http-server.js';
import { prepareDatabase, prepareRuntime } from './bootstrap.js';
import { publishedCatalog } from '../schema/index.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { createJobService } from '../uws/index.js';
import { ServiceMetrics } from './metrics/index.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, 'xtap');
  const embedded = !config.db.databaseUrl;
  const db = await openDb({ ...config.db, log: log.child({ component: 'db' }) });
  log.info({ database: embedded ? 'embedded PostgreSQL' : 'PostgreSQL (DATABASE_URL)', dataDir: embedded ? config.db.dataDir : undefined }, 'database opened');
  try {
    await prepareDatabase(db, { sampleDir: config.sampleDir, loadSample: config.loadSample, progress: createProgress(log) }, log);
    await prepareRuntime(db, config, log);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }

  const metrics = new ServiceMetrics();
  const runner = createQueryRunner({ db, config, catalog: publishedCatalog(), log, metrics });
  const jobs = createJobService({ db, config, log, runner });
  jobs.start();
  const app = createApp({ db, config, log, startedAt: new Date(), runner, jobs, metrics });
  const server: Server = createHttpServer(app, { maxHeaderBytes: config.requestMaxHeaderBytes, log }).listen(config.port, config.host, () => {
    log.info({ port: config.port, host: config.host, baseUrl: config.baseUrl }, 'xtap listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    const jobsStopped = jobs.stop().catch((err: unknown) => log.error({ err }, 'stopping the job workers failed'));
    server.close(async () => {
      await jobsStopped;
      await db.close().catch((err: unknown) => log.error({ err }, 'closing the database failed'));
      log.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`xtap failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
