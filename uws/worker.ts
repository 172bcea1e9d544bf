/** Async job workers: each loop claims the oldest QUEUED job from the database (JobStore.claim), runs it through
 *  the QueryRunner outside the claiming transaction, and stores the result file or the error. While a job runs,
 *  a heartbeat extends its lease and notices aborts/deletes made by any process; a timer enforces the
 *  execution duration. A maintenance timer re-queues jobs of dead workers and destroys expired jobs. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { QueryRunner } from '../query/query-runner.js';
import { TapParams } from '../query/params.js';
import type { JobStore } from './job-store.js';
import type { ResultsStore } from './results-store.js';
import type { ClaimedJob, Job, JobErrorSummary } from './types.js';

/** True when a job failed because its database session ended or could not be had (SQLSTATE class 08, 57P01-3
 *  shutdown / pg_terminate_backend, 53300 no connection), not because of its query: running it again may work. */
export function sessionLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(08...|57P0[123]|53300)$/.test(code);
}

export interface WorkerOptions {
  /** Concurrent jobs in this process (0: this process only serves HTTP). */
  workers: number;
  /** How long a claimed job stays owned without a heartbeat. */
  leaseS: number;
  /** Heartbeat period; also how soon a running job notices an ABORT or DELETE made by another process. */
  heartbeatMs: number;
  /** Idle polling backs off from min to max; an in-process RUN wakes the workers at once. */
  pollMinMs: number;
  pollMaxMs: number;
  /** Period of lease recovery and destruction. */
  maintenanceMs: number;
  /** Claims per job before a job whose workers keep dying is put in ERROR. */
  maxAttempts: number;
  /** Result directories without a job are removed when older than this. */
  orphanAgeMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<WorkerOptions, 'workers'> = {
  leaseS: 30,
  heartbeatMs: 5_000,
  pollMinMs: 250,
  pollMaxMs: 2_000,
  maintenanceMs: 10_000,
  maxAttempts: 3,
  orphanAgeMs: 3_600_000,
};

/** Why a running job was stopped (the AbortSignal's reason). */
export class JobStop extends Error {
  constructor(
    readonly kind: 'timeout' | 'abort' | 'lost' | 'shutdown',
    message: string,
  ) {
    super(message);
    this.name = 'JobStop';
  }
}

export interface WorkerDeps {
  store: JobStore;
  results: ResultsStore;
  runner: QueryRunner;
  log: Logger;
  /** The client-facing message and HTTP-like status of a failure (4xx: the job's fault → fatal). */
  describeError: (err: unknown) => { status: number; message: string };
  /** Called after this process changed a job's phase (wakes blocking WAITs). */
  onChange: (jobId: string) => void;
}

/** The TAP parameters of a stored job, with its uploaded files where the store keeps them. */
export function jobTapParams(job: Job, results: ResultsStore): TapParams {
  const params = new TapParams();
  for (const p of job.parameters) params.add(p.name, p.value);
  for (const u of job.uploads) params.files.push({ field: u.field, filename: u.filename, path: results.absolute(u.path), size: u.size });
  return params;
}

export class WorkerPool {
  private readonly processId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly running = new Map<string, AbortController>();
  private readonly sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private maintenanceRuns = 0;
  private isStopping = false;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly opts: WorkerOptions,
  ) {}

  start(): void {
    this.isStopping = false;
    this.loops = Array.from({ length: this.opts.workers }, (_, i) => this.loop(`${this.processId}/${i}`));
    const tick = () => {
      this.maintain()
        .catch((err: unknown) => this.deps.log.error({ err }, 'uws maintenance failed'))
        .finally(() => {
          if (!this.isStopping) this.maintenanceTimer = setTimeout(tick, this.opts.maintenanceMs);
        });
    };
    tick();
  }

  /** Stops claiming; running jobs are stopped and put back in the queue for another process or the next start. */
  async stop(): Promise<void> {
    this.isStopping = true;
    clearTimeout(this.maintenanceTimer);
    for (const c of this.running.values()) c.abort(new JobStop('shutdown', 'the service is shutting down'));
    this.wake();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Wakes idle workers (a job was queued in this process). */
  wake(): void {
    for (const s of [...this.sleepers]) s();
  }

  /** Stops a job running in this process (ABORT or DELETE seen here; other processes see it at their heartbeat). */
  interrupt(jobId: string, kind: 'abort' | 'lost'): void {
    this.running.get(jobId)?.abort(new JobStop(kind, kind === 'abort' ? 'the job was aborted' : 'the job was deleted'));
  }

  /** Job ids running in this process. */
  runningJobs(): string[] {
    return [...this.running.keys()];
  }

  /** One maintenance pass: recover expired leases, destroy expired jobs, sweep orphaned result directories. */
  async maintain(): Promise<void> {
    const { store, results, log } = this.deps;
    const { requeued, failed } = await store.recoverExpired(this.opts.maxAttempts, this.runningJobs());
    for (const jobId of requeued) log.warn({ jobId }, 'job lease expired; re-queued');
    for (const jobId of failed) log.error({ jobId }, 'job lease expired too often; given up');
    for (const jobId of [...requeued, ...failed]) this.deps.onChange(jobId);
    if (requeued.length) this.wake();
    for (const jobId of await store.deleteExpired()) {
      this.interrupt(jobId, 'lost');
      await results.removeJob(jobId);
      this.deps.onChange(jobId);
      log.info({ jobId }, 'job destroyed');
    }
    if (this.maintenanceRuns++ % 30 === 0) {
      const dirs = await results.staleJobIds(this.opts.orphanAgeMs);
      const alive = await store.existing(dirs);
      for (const jobId of dirs.filter((d) => !alive.has(d))) await results.removeJob(jobId);
    }
  }

  private async loop(workerId: string): Promise<void> {
    let idleMs = this.opts.pollMinMs;
    while (!this.isStopping) {
      let claimed: ClaimedJob | undefined;
      try {
        claimed = await this.deps.store.claim(workerId, this.opts.leaseS);
      } catch (err) {
        this.deps.log.error({ err, workerId }, 'claiming a job failed');
      }
      if (claimed) {
        idleMs = this.opts.pollMinMs;
        try {
          await this.execute(claimed, workerId);
        } catch (err) {
          // Recording the outcome failed (e.g. the database restarted): the job's lease runs out and another claim
          // runs it again, as after a crash; the worker itself must live on.
          this.deps.log.error({ err, workerId, jobId: claimed.jobId }, 'settling a job failed; it will be run again when its lease expires');
          await this.sleep(idleMs);
        }
        continue;
      }
      await this.sleep(idleMs);
      idleMs = Math.min(idleMs * 2, this.opts.pollMaxMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private async execute(claim: ClaimedJob, workerId: string): Promise<void> {
    const { store, results, runner, onChange } = this.deps;
    const { jobId } = claim;
    const log = this.deps.log.child({ jobId, workerId });
    const controller = new AbortController();
    const { signal } = controller;
    this.running.set(jobId, controller);
    onChange(jobId);
    log.info({ attempt: claim.attempts, executionDuration: claim.executionDuration }, 'job started');
    const started = Date.now();

    const heartbeat = setInterval(() => {
      store.heartbeat(jobId, workerId, this.opts.leaseS).then(
        (owned) => {
          if (!owned) controller.abort(new JobStop('lost', 'the job was aborted, deleted or taken over'));
        },
        (err: unknown) => log.warn({ err }, 'job heartbeat failed'),
      );
    }, this.opts.heartbeatMs);
    // UWS executionDuration: "0 = unlimited" never reaches here (the service clamps it to the hard limit).
    const limit = setTimeout(
      () => controller.abort(new JobStop('timeout', `the job exceeded its execution duration of ${claim.executionDuration} s and was stopped`)),
      claim.executionDuration * 1000,
    );

    let cleanup: (() => Promise<void>) | undefined;
    let resultPath: string | undefined;
    try {
      const job = await store.get(jobId);
      if (!job) throw new JobStop('lost', 'the job was deleted');
      const prepared = await runner.prepare(jobTapParams(job, results), 'async');
      cleanup = () => prepared.cleanup();
      if (signal.aborted) throw signal.reason;
      // One file name per claim: a worker that lost its lease can never overwrite or remove its successor's file.
      const name = `result-${claim.attempts}.${prepared.extension}`;
      const written = await results.writeResult(jobId, name, prepared.stream(signal), signal);
      resultPath = written.path;
      // An encoder may end its document with an ERROR INFO instead of throwing when the query is cancelled.
      if (signal.aborted) throw signal.reason;
      const failure = prepared.failure();
      if (failure !== undefined) throw failure;
      clearTimeout(limit);
      const done = await store.complete(jobId, workerId, { id: 'result', path: written.path, size: written.size, contentType: prepared.contentType });
      if (done) log.info({ bytes: written.size, ms: Date.now() - started }, 'job completed');
      else await this.discard(jobId, resultPath, log);
    } catch (thrown) {
      const reason: unknown = signal.aborted ? signal.reason : thrown;
      await this.settleFailure(claim, workerId, reason, resultPath, log);
    } finally {
      clearInterval(heartbeat);
      clearTimeout(limit);
      this.running.delete(jobId);
      await cleanup?.().catch((err: unknown) => log.warn({ err }, 'query cleanup failed'));
      onChange(jobId);
    }
  }

  private async settleFailure(claim: ClaimedJob, workerId: string, reason: unknown, resultPath: string | undefined, log: Logger): Promise<void> {
    const { store } = this.deps;
    const { jobId } = claim;
    if (sessionLost(reason) && claim.attempts < this.opts.maxAttempts) {
      // The database session went away (restart, pg_terminate_backend): back to the queue at once, not after the
      // lease, so the job runs again as soon as the database answers.
      if (resultPath !== undefined) await this.deps.results.removeFile(resultPath);
      if (await this.requeue(jobId, workerId, log)) {
        log.warn({ attempt: claim.attempts, err: (reason as Error).message }, 'the job lost its database session; re-queued');
        this.wake();
        return;
      }
      log.warn({ err: (reason as Error).message }, 'the job lost its database session and could not be re-queued yet; its lease will');
      return;
    }
    if (reason instanceof JobStop && reason.kind !== 'timeout') {
      if (reason.kind === 'shutdown' && (await store.release(jobId, workerId))) log.info('job released for a later run');
      else log.info({ reason: reason.message }, 'job stopped');
      await this.discard(jobId, resultPath, log);
      return;
    }
    let error: JobErrorSummary;
    if (reason instanceof JobStop) {
      error = { type: 'fatal', message: reason.message };
    } else {
      const d = this.deps.describeError(reason);
      // DALI/UWS: fatal = resubmitting the same job fails the same way; a service fault may not.
      error = { type: d.status >= 500 ? 'transient' : 'fatal', message: d.message };
    }
    if (resultPath !== undefined) await this.deps.results.removeFile(resultPath);
    if (await store.fail(jobId, workerId, error)) log.info({ error: error.message }, 'job failed');
    else await this.discard(jobId, undefined, log);
  }

  /** Releases the job to the queue, retrying while the database is coming back (at most about half a lease);
   *  false when the job is no longer ours or the database did not answer. */
  private async requeue(jobId: string, workerId: string, log: Logger): Promise<boolean> {
    const until = Date.now() + (this.opts.leaseS * 1000) / 2;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
      try {
        return await this.deps.store.release(jobId, workerId);
      } catch (err) {
        if (Date.now() + wait > until || this.isStopping) return false;
        log.debug({ err }, 're-queueing the job failed; retrying');
        await this.sleep(wait);
      }
    }
  }

  /** The job is no longer ours (aborted, deleted, taken over): drop what we wrote. */
  private async discard(jobId: string, resultPath: string | undefined, log: Logger): Promise<void> {
    try {
      if ((await this.deps.store.phase(jobId)) === undefined) await this.deps.results.removeJob(jobId);
      else if (resultPath !== undefined) await this.deps.results.removeFile(resultPath);
    } catch (err) {
      log.warn({ err }, 'removing the files of a stopped job failed');
    }
  }
}
