/** DDL of the UWS job store (schema `uws`), applied by migration 10 in schema/migrations.ts. Constant SQL:
 *  jobs, their submitted parameters, uploaded files and results. File contents live in the results store
 *  (config.resultsDir/<jobId>/); paths here are relative to it. See uws/README.md for the state machine. */

export const UWS_PHASES = [
  'PENDING',
  'QUEUED',
  'EXECUTING',
  'COMPLETED',
  'ERROR',
  'ABORTED',
  'UNKNOWN',
  'HELD',
  'SUSPENDED',
  'ARCHIVED',
] as const;

export const UWS_DDL: ReadonlyArray<string> = [
  'CREATE SCHEMA IF NOT EXISTS uws',
  `CREATE TABLE uws.job (
    job_id text PRIMARY KEY,
    run_id text,
    owner_id text NOT NULL DEFAULT '',
    phase text NOT NULL CHECK (phase IN (${UWS_PHASES.map((p) => `'${p}'`).join(', ')})),
    creation_time timestamptz NOT NULL DEFAULT now(),
    queued_time timestamptz,
    start_time timestamptz,
    end_time timestamptz,
    execution_duration integer NOT NULL CHECK (execution_duration >= 0),
    destruction_time timestamptz,
    quote timestamptz,
    error_type text CHECK (error_type IN ('fatal', 'transient')),
    error_message text,
    worker_id text,
    lease_until timestamptz,
    attempts integer NOT NULL DEFAULT 0
  )`,
  "CREATE INDEX job_queue_idx ON uws.job (queued_time, job_id) WHERE phase = 'QUEUED'",
  "CREATE INDEX job_lease_idx ON uws.job (lease_until) WHERE phase = 'EXECUTING'",
  'CREATE INDEX job_destruction_idx ON uws.job (destruction_time)',
  'CREATE INDEX job_owner_creation_idx ON uws.job (owner_id, creation_time)',
  `CREATE TABLE uws.job_parameter (
    job_id text NOT NULL REFERENCES uws.job (job_id) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (job_id, position)
  )`,
  `CREATE TABLE uws.job_upload (
    job_id text NOT NULL REFERENCES uws.job (job_id) ON DELETE CASCADE,
    field text NOT NULL,
    filename text NOT NULL,
    path text NOT NULL,
    size bigint NOT NULL,
    PRIMARY KEY (job_id, field)
  )`,
  `CREATE TABLE uws.job_result (
    job_id text NOT NULL REFERENCES uws.job (job_id) ON DELETE CASCADE,
    result_id text NOT NULL,
    path text NOT NULL,
    size bigint NOT NULL,
    content_type text NOT NULL,
    PRIMARY KEY (job_id, result_id)
  )`,
];
