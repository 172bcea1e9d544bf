/** `xtap worker`: an async executor as a process of its own. It claims jobs from the queue in PostgreSQL that any
 *  HTTP process (`xtap serve --no-async-executor`, or one with its own executor) enqueued, runs them with the
 *  same QueryRunner, and writes results into the shared results directory (XTAP_RESULTS_DIR, which must be the
 *  HTTP processes' one: they serve the files). No HTTP listener. SIGTERM: stops claiming, puts running jobs
 *  back in the queue, closes the database. */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { publishedCatalog } from '../schema/index.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { createJobService } from '../uws/index.js';
import { onStopSignals, openServiceDb } from './serve.js';

export async function runAsyncWorker(config: Readonly<Config>, log: Logger): Promise<void> {
  const jobsPerProcess = Math.max(1, config.workers);
  // Migrations are idempotent and serialised; the sample is the server's business.
  const db = await openServiceDb({ ...config, loadSample: 'never' }, log, { prepare: true, runtime: true });
  const runner = createQueryRunner({ db, config: { ...config, workers: jobsPerProcess }, catalog: publishedCatalog(), log });
  const jobs = createJobService({ db, config: { ...config, workers: jobsPerProcess }, log, runner });
  jobs.start();
  log.info({ jobs: jobsPerProcess, resultsDir: config.resultsDir, pid: process.pid }, 'async worker running');
  onStopSignals(log, async () => {
    await jobs.stop().catch((err: unknown) => log.error({ err }, 'stopping the job workers failed'));
    await db.close();
  });
}
