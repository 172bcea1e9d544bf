/** The UWS job service the HTTP edge talks to: creates jobs (parameters and uploads stored), applies the
 *  client's changes with the configured limits, waits for phase changes (blocking WAIT), and runs the worker
 *  pool. State lives in the database and the results store only, so any process can serve any job.
 *  Spec: UWS 1.1 §2.2.3 (actions), §2.2.1.2 (blocking), TAP 1.1 §2.2 (async). */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import { describeError } from '../query/describe-error.js';
import type { QueryRunner } from '../query/query-runner.js';
import { JobStore } from './job-store.js';
import type { UpdateOutcome } from './job-store.js';
import { ResultsStore } from './results-store.js';
import type { Job, JobListFilter, JobParameter, JobPhase, JobRef } from './types.js';
import { ACTIVE_PHASES } from './types.js';
import { DEFAULT_WORKER_OPTIONS, WorkerPool } from './worker.js';
import type { WorkerOptions } from './worker.js';

/** An uploaded request file (server/tap/params.ts UploadedPart), still in the request's temporary directory. */
export interface IncomingFile {
  field: string;
  filename: string;
  path: string;
  size: number;
}

export interface JobServiceOptions extends WorkerOptions {
  /** How often a blocking WAIT re-reads the phase, for changes made by other processes. */
  waitPollMs: number;
  /** Most jobs one list returns. */
  listLimit: number;
}

export interface JobServiceDeps {
  db: Db;
  config: Readonly<Config>;
  log: Logger;
  runner: QueryRunner;
  options?: Partial<JobServiceOptions>;
  /** Defaults to server/tap's describeError (the same messages as /sync). */
  describeError?: (err: unknown) => { status: number; message: string };
}

export interface NewJobRequest {
  ownerId: string;
  parameters: ReadonlyArray<JobParameter>;
  files: ReadonlyArray<IncomingFile>;
  executionDuration?: number;
  destruction?: Date;
  /** PHASE=RUN in the creating POST. */
  run: boolean;
}

export class JobService {
  readonly store: JobStore;
  readonly results: ResultsStore;
  readonly options: JobServiceOptions;
  private readonly pool: WorkerPool;
  private readonly events = new EventEmitter();
  private readonly limits: Readonly<Config['limits']>;
  private readonly log: Logger;

  constructor(deps: JobServiceDeps) {
    this.store = new JobStore(deps.db);
    this.results = new ResultsStore(deps.config.resultsDir, { maxResultBytes: deps.config.limits.resultMaxBytes });
    this.limits = deps.config.limits;
    this.log = deps.log.child({ module: 'uws' });
    this.options = { ...DEFAULT_WORKER_OPTIONS, workers: deps.config.workers, waitPollMs: 1_000, listLimit: 1_000, ...deps.options };
    this.events.setMaxListeners(0);
    const log = this.log;
    this.pool = new WorkerPool(
      {
        store: this.store,
        results: this.results,
        runner: deps.runner,
        log,
        describeError: deps.describeError ?? ((err) => describeError(err, log, { timeoutS: deps.config.limits.asyncExecutionHardS })),
        onChange: (jobId) => this.changed(jobId),
      },
      this.options,
    );
  }

  /** Starts the workers and the maintenance timer (lease recovery, destruction). */
  start(): void {
    this.pool.start();
  }

  /** Stops claiming and puts jobs running here back in the queue. */
  async stop(): Promise<void> {
    await this.pool.stop();
  }

  /** One maintenance pass now (tests, CLI). */
  maintain(): Promise<void> {
    return this.pool.maintain();
  }

  /** executionDuration as stored: the default when not given; 0 ("unlimited") and larger values become the hard
   *  limit, which is what actually applies. */
  clampExecutionDuration(seconds: number | undefined): number {
    if (seconds === undefined) return this.limits.asyncExecutionS;
    if (seconds <= 0 || seconds > this.limits.asyncExecutionHardS) return this.limits.asyncExecutionHardS;
    return Math.floor(seconds);
  }

  async create(req: NewJobRequest): Promise<Job> {
    const jobId = randomBytes(10).toString('hex');
    const uploads = await this.results.saveUploads(jobId, req.files, 'c');
    try {
      await this.store.create({
        jobId,
        ownerId: req.ownerId,
        parameters: req.parameters,
        uploads,
        executionDuration: this.clampExecutionDuration(req.executionDuration),
        retentionS: this.limits.retentionS,
      });
    } catch (err) {
      await this.results.removeJob(jobId);
      throw err;
    }
    if (req.destruction) await this.store.setDestruction(jobId, req.destruction, this.limits.retentionHardS);
    if (req.run) await this.run(jobId);
    this.log.info({ jobId, run: req.run }, 'job created');
    const job = await this.store.get(jobId);
    if (!job) throw new Error(`job ${jobId} vanished right after its creation`);
    return job;
  }

  get(jobId: string): Promise<Job | undefined> {
    return this.store.get(jobId);
  }

  list(filter: Omit<JobListFilter, 'limit'>): Promise<JobRef[]> {
    return this.store.list({ ...filter, limit: this.options.listLimit });
  }

  /** PHASE=RUN: PENDING → QUEUED (no-op in other phases). */
  async run(jobId: string): Promise<void> {
    if (await this.store.queue(jobId)) {
      this.changed(jobId);
      this.pool.wake();
    }
  }

  /** PHASE=ABORT: any unfinished phase → ABORTED; a running query is cancelled. */
  async abort(jobId: string): Promise<void> {
    if (await this.store.abort(jobId)) {
      this.pool.interrupt(jobId, 'abort');
      this.changed(jobId);
      this.log.info({ jobId }, 'job aborted');
    }
  }

  /** DELETE: the job, its parameters and its files are gone; a running query is cancelled. */
  async delete(jobId: string): Promise<boolean> {
    const existed = await this.store.delete(jobId);
    this.pool.interrupt(jobId, 'lost');
    await this.results.removeJob(jobId);
    this.changed(jobId);
    if (existed) this.log.info({ jobId }, 'job deleted');
    return existed;
  }

  async setParameters(jobId: string, params: ReadonlyArray<JobParameter>, files: ReadonlyArray<IncomingFile>): Promise<UpdateOutcome> {
    const uploads = await this.results.saveUploads(jobId, files, `p${Date.now().toString(36)}`);
    const { outcome, replacedPaths } = await this.store.setParameters(jobId, params, uploads);
    if (outcome === 'not-found') await this.results.removeJob(jobId);
    else for (const p of outcome === 'ok' ? replacedPaths : uploads.map((u) => u.path)) await this.results.removeFile(p);
    return outcome;
  }

  async setExecutionDuration(jobId: string, seconds: number): Promise<UpdateOutcome> {
    return this.store.setExecutionDuration(jobId, this.clampExecutionDuration(seconds));
  }

  /** Clamped to [now, creation + the hard retention limit]. */
  async setDestruction(jobId: string, when: Date): Promise<boolean> {
    return this.store.setDestruction(jobId, when, this.limits.retentionHardS);
  }

  /** Blocks while the job is in `phase` (an active phase), at most timeoutMs; woken at once by changes made in
   *  this process, and by polling for changes made by others. Returns the phase it saw last. */
  async waitWhile(jobId: string, phase: JobPhase, timeoutMs: number, signal?: AbortSignal): Promise<JobPhase | undefined> {
    if (!ACTIVE_PHASES.has(phase)) return phase;
    const deadline = Date.now() + timeoutMs;
    let current: JobPhase | undefined = phase;
    while (current === phase && Date.now() < deadline && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.events.off(jobId, done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(this.options.waitPollMs, Math.max(0, deadline - Date.now())));
        this.events.on(jobId, done);
        signal?.addEventListener('abort', done);
      });
      current = await this.store.phase(jobId);
    }
    return current;
  }

  private changed(jobId: string): void {
    this.events.emit(jobId);
  }
}

export function createJobService(deps: JobServiceDeps): JobService {
  return new JobService(deps);
}
