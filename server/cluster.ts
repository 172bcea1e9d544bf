/** `xtap serve --workers N`: a node:cluster primary and N HTTP worker processes sharing the port.
 *  The primary opens the database once (starting the embedded cluster if there is no DATABASE_URL), runs the
 *  migrations / TAP_SCHEMA / sample load, holds its lifeline, and hands the database URL to the workers in their
 *  environment; the workers only prepare their runtime (query role, lifeline) and serve. A worker that dies is
 *  forked again (with a back-off when it keeps dying at start); SIGTERM/SIGINT is passed to every worker, which
 *  drains its requests and puts its running jobs back in the queue, then the primary closes the database.
 *  Async jobs stay exactly-once across processes: they are claimed in PostgreSQL (uws/job-store.ts,
 *  FOR UPDATE SKIP LOCKED, leases), never in memory. */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { onStopSignals, openServiceDb, serve } from './serve.js';

/** Environment variable that tells a cluster worker the primary already prepared the database. */
const PREPARED_ENV = 'XTAP_CLUSTER_PREPARED';

/** Back-off before re-forking a worker that died `recentDeaths` times within the last minute. */
export function restartDelayMs(recentDeaths: number): number {
  return Math.min(30_000, recentDeaths <= 1 ? 0 : 500 * 2 ** Math.min(6, recentDeaths - 2));
}

/** Entry of `npm start` and `xtap serve`: one process when httpWorkers is 1, otherwise the cluster. */
export async function runService(config: Readonly<Config>, log: Logger): Promise<void> {
  if (cluster.isWorker) return serve(config, log.child({ worker: cluster.worker?.id }), { prepare: process.env[PREPARED_ENV] !== '1' });
  if (config.httpWorkers <= 1) return serve(config, log, { prepare: true });
  return runPrimary(config, log);
}

async function runPrimary(config: Readonly<Config>, log: Logger): Promise<void> {
  const clog = log.child({ component: 'cluster' });
  // Migrations and the sample once; openServiceDb takes the lifeline first, which keeps the workers from taking
  // this process's sessions for those of a dead one (db/pg-adapter.ts endOrphanedSessions).
  const db = await openServiceDb(config, log, { prepare: true, runtime: false });
  const env: Record<string, string> = { [PREPARED_ENV]: '1', DATABASE_URL: db.connectionString };
  let stopping = false;
  const deaths: number[] = [];
  const fork = (): Worker => {
    const w = cluster.fork(env);
    clog.info({ worker: w.id, pid: w.process.pid }, 'HTTP worker started');
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    if (stopping) {
      clog.info({ worker: w.id, pid: w.process.pid, code, signal }, 'HTTP worker stopped');
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && (deaths[0] ?? now) < now - 60_000) deaths.shift();
    const delay = restartDelayMs(deaths.length);
    clog.error({ worker: w.id, pid: w.process.pid, code, signal, restartInMs: delay, deathsLastMinute: deaths.length }, 'HTTP worker died; restarting it');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });
  for (let i = 0; i < config.httpWorkers; i++) fork();
  clog.info({ workers: config.httpWorkers, port: config.port, pid: process.pid }, 'cluster primary running');

  onStopSignals(clog, async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await db.close();
  });
}
