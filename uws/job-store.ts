/** The UWS job store: every read and write of the uws.* tables, as constant SQL with parameters. Owns the
 *  phase transitions and the queue (claim with FOR UPDATE SKIP LOCKED, leases, re-queueing); knows nothing of
 *  HTTP or files. Times come from the database clock (now()), so several processes agree on leases.
 *  Spec: UWS 1.1 §2.1 (phases), §2.2.3 (what a client may change and when). */
import type { Db, Queryable } from '../db/index.js';
import type { ClaimedJob, Job, JobErrorSummary, JobListFilter, JobParameter, JobPhase, JobRef, JobResult, JobUpload } from './types.js';
import { isJobPhase } from './types.js';

const JOB_COLUMNS = `job_id, run_id, owner_id, phase,
  (extract(epoch FROM creation_time) * 1000)::float8 AS creation_ms,
  (extract(epoch FROM start_time) * 1000)::float8 AS start_ms,
  (extract(epoch FROM end_time) * 1000)::float8 AS end_ms,
  execution_duration,
  (extract(epoch FROM destruction_time) * 1000)::float8 AS destruction_ms,
  (extract(epoch FROM quote) * 1000)::float8 AS quote_ms,
  error_type, error_message`;

const SQL = {
  insertJob: `INSERT INTO uws.job (job_id, run_id, owner_id, phase, execution_duration, destruction_time)
    VALUES ($1, $2, $3, 'PENDING', $4, now() + make_interval(secs => $5::float8))`,
  insertParameter: `INSERT INTO uws.job_parameter (job_id, position, name, value)
    VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM uws.job_parameter WHERE job_id = $1), $2, $3)`,
  deleteParameter: 'DELETE FROM uws.job_parameter WHERE job_id = $1 AND name = $2',
  upsertUpload: `INSERT INTO uws.job_upload (job_id, field, filename, path, size) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (job_id, field) DO UPDATE SET filename = EXCLUDED.filename, path = EXCLUDED.path, size = EXCLUDED.size`,
  uploadPath: 'SELECT path FROM uws.job_upload WHERE job_id = $1 AND field = $2',
  setRunId: 'UPDATE uws.job SET run_id = $2 WHERE job_id = $1',
  selectJob: `SELECT ${JOB_COLUMNS} FROM uws.job WHERE job_id = $1`,
  lockPhase: 'SELECT phase FROM uws.job WHERE job_id = $1 FOR UPDATE',
  selectPhase: 'SELECT phase FROM uws.job WHERE job_id = $1',
  selectParameters: 'SELECT name, value FROM uws.job_parameter WHERE job_id = $1 ORDER BY position',
  selectUploads: 'SELECT field, filename, path, size::float8 AS size FROM uws.job_upload WHERE job_id = $1 ORDER BY field',
  selectResults: `SELECT result_id, path, size::float8 AS size, content_type FROM uws.job_result WHERE job_id = $1
    ORDER BY result_id`,
  // LAST: the newest n (UWS 1.1 §2.2.2.1), newest first; otherwise oldest first, capped by $4. AFTER compares
  // at the millisecond precision of the creationTime we publish, so AFTER=<a job's creationTime> excludes it.
  listJobs: `SELECT job_id, run_id, owner_id, phase, (extract(epoch FROM creation_time) * 1000)::float8 AS creation_ms
    FROM uws.job
    WHERE owner_id = $1
      AND (CASE WHEN $2::text = '' THEN phase <> 'ARCHIVED'
                ELSE phase IN (SELECT jsonb_array_elements_text($2::jsonb)) END)
      AND ($3::timestamptz IS NULL OR date_trunc('milliseconds', creation_time) > $3::timestamptz)
    ORDER BY CASE WHEN $5::boolean THEN creation_time END DESC,
             CASE WHEN NOT $5::boolean THEN creation_time END ASC, job_id
    LIMIT $4`,
  queue: `UPDATE uws.job SET phase = 'QUEUED', queued_time = now()
    WHERE job_id = $1 AND phase IN ('PENDING', 'HELD') RETURNING job_id`,
  abort: `UPDATE uws.job SET phase = 'ABORTED', end_time = now(), worker_id = NULL, lease_until = NULL
    WHERE job_id = $1 AND phase IN ('PENDING', 'QUEUED', 'EXECUTING', 'HELD', 'SUSPENDED') RETURNING job_id`,
  deleteJob: 'DELETE FROM uws.job WHERE job_id = $1 RETURNING job_id',
  // A client may move destruction anywhere between now and creation + the hard retention limit.
  setDestruction: `UPDATE uws.job
    SET destruction_time = LEAST(GREATEST($2::timestamptz, now()), creation_time + make_interval(secs => $3::float8))
    WHERE job_id = $1 RETURNING job_id`,
  setExecutionDuration: 'UPDATE uws.job SET execution_duration = $2 WHERE job_id = $1',
  claimSelect: `SELECT job_id FROM uws.job WHERE phase = 'QUEUED' ORDER BY queued_time, job_id
    LIMIT 1 FOR UPDATE SKIP LOCKED`,
  claimUpdate: `UPDATE uws.job SET phase = 'EXECUTING', start_time = now(), end_time = NULL, worker_id = $2,
      lease_until = now() + make_interval(secs => $3::float8), attempts = attempts + 1
    WHERE job_id = $1 RETURNING job_id, execution_duration, attempts`,
  heartbeat: `UPDATE uws.job SET lease_until = now() + make_interval(secs => $3::float8)
    WHERE job_id = $1 AND worker_id = $2 AND phase = 'EXECUTING' RETURNING job_id`,
  complete: `UPDATE uws.job SET phase = 'COMPLETED', end_time = now(), worker_id = NULL, lease_until = NULL
    WHERE job_id = $1 AND worker_id = $2 AND phase = 'EXECUTING' RETURNING job_id`,
  upsertResult: `INSERT INTO uws.job_result (job_id, result_id, path, size, content_type) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (job_id, result_id) DO UPDATE SET path = EXCLUDED.path, size = EXCLUDED.size,
      content_type = EXCLUDED.content_type`,
  fail: `UPDATE uws.job SET phase = 'ERROR', end_time = now(), worker_id = NULL, lease_until = NULL,
      error_type = $3, error_message = $4
    WHERE job_id = $1 AND worker_id = $2 AND phase = 'EXECUTING' RETURNING job_id`,
  release: `UPDATE uws.job SET phase = 'QUEUED', queued_time = now(), start_time = NULL, worker_id = NULL,
      lease_until = NULL
    WHERE job_id = $1 AND worker_id = $2 AND phase = 'EXECUTING' RETURNING job_id`,
  // Leases that ran out belong to dead workers (kill -9, lost host). $2: job ids this process is still
  // running (JSON array), never taken away from it: with a busy pool the running worker's heartbeat can
  // be late without the worker being dead.
  failExhausted: `UPDATE uws.job SET phase = 'ERROR', end_time = now(), worker_id = NULL, lease_until = NULL,
      error_type = 'transient', error_message = $3
    WHERE phase = 'EXECUTING' AND lease_until < now() AND attempts >= $1
      AND job_id NOT IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING job_id`,
  requeueExpired: `UPDATE uws.job SET phase = 'QUEUED', queued_time = now(), start_time = NULL, worker_id = NULL,
      lease_until = NULL
    WHERE phase = 'EXECUTING' AND lease_until < now()
      AND job_id NOT IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING job_id`,
  deleteExpired: 'DELETE FROM uws.job WHERE destruction_time <= now() RETURNING job_id',
  existing: 'SELECT job_id FROM uws.job WHERE job_id IN (SELECT jsonb_array_elements_text($1::jsonb))',
} as const;

type JobRow = {
  job_id: string;
  run_id: string | null;
  owner_id: string;
  phase: string;
  creation_ms: number;
  start_ms: number | null;
  end_ms: number | null;
  execution_duration: number;
  destruction_ms: number | null;
  quote_ms: number | null;
  error_type: string | null;
  error_message: string | null;
};

export interface NewJob {
  jobId: string;
  ownerId: string;
  parameters: ReadonlyArray<JobParameter>;
  uploads: ReadonlyArray<JobUpload>;
  executionDuration: number;
  /** Seconds from now to destruction. */
  retentionS: number;
}

export type UpdateOutcome = 'ok' | 'not-found' | 'wrong-phase';

const date = (ms: number | null): Date | undefined => (ms === null ? undefined : new Date(ms));

function phaseOf(s: string): JobPhase {
  return isJobPhase(s) ? s : 'UNKNOWN';
}

/** RUNID is a job parameter and the job's runId (DALI §3.4.6); the last value given wins. */
function runIdOf(params: ReadonlyArray<JobParameter>): string | undefined {
  return params.filter((p) => p.name.toUpperCase() === 'RUNID').at(-1)?.value;
}

export class JobStore {
  constructor(private readonly db: Db) {}

  async create(job: NewJob): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(SQL.insertJob, [job.jobId, runIdOf(job.parameters) ?? null, job.ownerId, job.executionDuration, job.retentionS]);
      for (const p of job.parameters) await tx.query(SQL.insertParameter, [job.jobId, p.name, p.value]);
      for (const u of job.uploads) await tx.query(SQL.upsertUpload, [job.jobId, u.field, u.filename, u.path, u.size]);
    });
  }

  async get(jobId: string): Promise<Job | undefined> {
    const [row] = await this.db.queryObjects<JobRow>(SQL.selectJob, [jobId]);
    if (!row) return undefined;
    const parameters = await this.db.queryObjects<{ name: string; value: string }>(SQL.selectParameters, [jobId]);
    const uploads = await this.db.queryObjects<{ field: string; filename: string; path: string; size: number }>(SQL.selectUploads, [jobId]);
    const results = await this.db.queryObjects<{ result_id: string; path: string; size: number; content_type: string }>(SQL.selectResults, [
      jobId,
    ]);
    return {
      jobId: row.job_id,
      runId: row.run_id ?? undefined,
      ownerId: row.owner_id,
      phase: phaseOf(row.phase),
      creationTime: new Date(row.creation_ms),
      startTime: date(row.start_ms),
      endTime: date(row.end_ms),
      executionDuration: row.execution_duration,
      destruction: date(row.destruction_ms),
      quote: date(row.quote_ms),
      error:
        row.error_message === null ? undefined : { type: row.error_type === 'transient' ? 'transient' : 'fatal', message: row.error_message },
      parameters: parameters.map((p) => ({ name: p.name, value: p.value })),
      uploads: uploads.map((u) => ({ field: u.field, filename: u.filename, path: u.path, size: Number(u.size) })),
      results: results.map((r): JobResult => ({ id: r.result_id, path: r.path, size: Number(r.size), contentType: r.content_type })),
    };
  }

  async phase(jobId: string): Promise<JobPhase | undefined> {
    const [row] = await this.db.queryObjects<{ phase: string }>(SQL.selectPhase, [jobId]);
    return row ? phaseOf(row.phase) : undefined;
  }

  async list(filter: JobListFilter): Promise<JobRef[]> {
    const newestFirst = filter.last !== undefined;
    const limit = Math.min(filter.last ?? filter.limit, filter.limit);
    const rows = await this.db.queryObjects<{ job_id: string; run_id: string | null; owner_id: string; phase: string; creation_ms: number }>(
      SQL.listJobs,
      [filter.ownerId, filter.phases.length ? JSON.stringify(filter.phases) : '', filter.after?.toISOString() ?? null, limit, newestFirst],
    );
    return rows.map((r) => ({
      jobId: r.job_id,
      runId: r.run_id ?? undefined,
      ownerId: r.owner_id,
      phase: phaseOf(r.phase),
      creationTime: new Date(r.creation_ms),
    }));
  }

  /** Adds or replaces parameters (every value of a name given replaces that name's values) and uploads, while
   *  the job is PENDING (UWS 1.1 §2.2.3). Returns the replaced uploads' paths so their files can go. */
  async setParameters(
    jobId: string,
    params: ReadonlyArray<JobParameter>,
    uploads: ReadonlyArray<JobUpload>,
  ): Promise<{ outcome: UpdateOutcome; replacedPaths: string[] }> {
    return this.db.transaction(async (tx) => {
      const outcome = await this.lockedPhaseCheck(tx, jobId, ['PENDING']);
      if (outcome !== 'ok') return { outcome, replacedPaths: [] };
      for (const name of new Set(params.map((p) => p.name))) await tx.query(SQL.deleteParameter, [jobId, name]);
      for (const p of params) await tx.query(SQL.insertParameter, [jobId, p.name, p.value]);
      const runId = runIdOf(params);
      if (runId !== undefined) await tx.query(SQL.setRunId, [jobId, runId]);
      const replacedPaths: string[] = [];
      for (const u of uploads) {
        const old = await tx.queryObjects<{ path: string }>(SQL.uploadPath, [jobId, u.field]);
        replacedPaths.push(...old.map((o) => o.path));
        await tx.query(SQL.upsertUpload, [jobId, u.field, u.filename, u.path, u.size]);
      }
      return { outcome: 'ok' as const, replacedPaths };
    });
  }

  /** PENDING (or HELD) → QUEUED. False when the job is in any other phase (RUN is then a no-op). */
  async queue(jobId: string): Promise<boolean> {
    return (await this.db.query(SQL.queue, [jobId])).rows.length > 0;
  }

  /** Any non-final phase → ABORTED. False when the job had already finished. */
  async abort(jobId: string): Promise<boolean> {
    return (await this.db.query(SQL.abort, [jobId])).rows.length > 0;
  }

  async delete(jobId: string): Promise<boolean> {
    return (await this.db.query(SQL.deleteJob, [jobId])).rows.length > 0;
  }

  /** Clamps to [now, creation + maxRetentionS]. */
  async setDestruction(jobId: string, when: Date, maxRetentionS: number): Promise<boolean> {
    return (await this.db.query(SQL.setDestruction, [jobId, when.toISOString(), maxRetentionS])).rows.length > 0;
  }

  /** Only before execution starts (PENDING, QUEUED, HELD). */
  async setExecutionDuration(jobId: string, seconds: number): Promise<UpdateOutcome> {
    return this.db.transaction(async (tx) => {
      const outcome = await this.lockedPhaseCheck(tx, jobId, ['PENDING', 'QUEUED', 'HELD']);
      if (outcome === 'ok') await tx.query(SQL.setExecutionDuration, [jobId, seconds]);
      return outcome;
    });
  }

  /** Takes the oldest QUEUED job for a worker: EXECUTING with a lease, in a short transaction; the job then
   *  runs outside it. SKIP LOCKED lets concurrent claimers (other workers, other processes) pass each other. */
  async claim(workerId: string, leaseS: number): Promise<ClaimedJob | undefined> {
    return this.db.transaction(async (tx) => {
      const [picked] = await tx.queryObjects<{ job_id: string }>(SQL.claimSelect);
      if (!picked) return undefined;
      const [row] = await tx.queryObjects<{ job_id: string; execution_duration: number; attempts: number }>(SQL.claimUpdate, [
        picked.job_id,
        workerId,
        leaseS,
      ]);
      return row ? { jobId: row.job_id, executionDuration: row.execution_duration, attempts: row.attempts } : undefined;
    });
  }

  /** Extends the lease; false when the worker no longer owns the job (aborted, deleted, or re-queued). */
  async heartbeat(jobId: string, workerId: string, leaseS: number): Promise<boolean> {
    return (await this.db.query(SQL.heartbeat, [jobId, workerId, leaseS])).rows.length > 0;
  }

  /** EXECUTING → COMPLETED with its result, if this worker still owns the job. */
  async complete(jobId: string, workerId: string, result: JobResult): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if ((await tx.query(SQL.complete, [jobId, workerId])).rows.length === 0) return false;
      await tx.query(SQL.upsertResult, [jobId, result.id, result.path, result.size, result.contentType]);
      return true;
    });
  }

  /** EXECUTING → ERROR, if this worker still owns the job. */
  async fail(jobId: string, workerId: string, error: JobErrorSummary): Promise<boolean> {
    return (await this.db.query(SQL.fail, [jobId, workerId, error.type, error.message])).rows.length > 0;
  }

  /** EXECUTING → QUEUED (graceful shutdown: another process or the next start runs it again). */
  async release(jobId: string, workerId: string): Promise<boolean> {
    return (await this.db.query(SQL.release, [jobId, workerId])).rows.length > 0;
  }

  /** Re-queues EXECUTING jobs whose lease ran out (their worker died); those already tried maxAttempts times
   *  go to ERROR instead, so a job that kills its server cannot loop forever. */
  async recoverExpired(maxAttempts: number, runningHere: ReadonlyArray<string>): Promise<{ requeued: string[]; failed: string[] }> {
    const here = JSON.stringify(runningHere);
    const message = `the job was interrupted ${maxAttempts} times (its server stopped while running it) and was given up`;
    const failed = await this.db.queryObjects<{ job_id: string }>(SQL.failExhausted, [maxAttempts, here, message]);
    const requeued = await this.db.queryObjects<{ job_id: string }>(SQL.requeueExpired, [here]);
    return { requeued: requeued.map((r) => r.job_id), failed: failed.map((r) => r.job_id) };
  }

  /** Deletes jobs past their destruction time; returns their ids (their files are the caller's). */
  async deleteExpired(): Promise<string[]> {
    return (await this.db.queryObjects<{ job_id: string }>(SQL.deleteExpired)).map((r) => r.job_id);
  }

  /** Which of these ids are jobs (to find orphaned result directories). */
  async existing(jobIds: ReadonlyArray<string>): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const rows = await this.db.queryObjects<{ job_id: string }>(SQL.existing, [JSON.stringify(jobIds)]);
    return new Set(rows.map((r) => r.job_id));
  }

  private async lockedPhaseCheck(tx: Queryable, jobId: string, allowed: JobPhase[]): Promise<UpdateOutcome> {
    const [row] = await tx.queryObjects<{ phase: string }>(SQL.lockPhase, [jobId]);
    if (!row) return 'not-found';
    return allowed.includes(phaseOf(row.phase)) ? 'ok' : 'wrong-phase';
  }
}
