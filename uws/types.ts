/** The UWS job model as the store and the XML documents see it. Spec: UWS 1.1 §2.1 (job object, phases). */
import { UWS_PHASES } from '../db/uws-ddl.js';

export type JobPhase = (typeof UWS_PHASES)[number];

/** Phases in which a blocking GET (WAIT) waits for a change (UWS 1.1 §2.2.1.2). */
export const ACTIVE_PHASES: ReadonlySet<JobPhase> = new Set<JobPhase>(['PENDING', 'QUEUED', 'EXECUTING']);

/** Phases a job never leaves (except by destruction). */
export const FINAL_PHASES: ReadonlySet<JobPhase> = new Set<JobPhase>(['COMPLETED', 'ERROR', 'ABORTED', 'ARCHIVED']);

export interface JobParameter {
  name: string;
  value: string;
}

export interface JobUpload {
  /** Multipart field name (what UPLOAD=table,param:<field> refers to). */
  field: string;
  filename: string;
  /** Path relative to the results store root. */
  path: string;
  size: number;
}

export interface JobResult {
  /** Result id; TAP's single result is "result". */
  id: string;
  /** Path relative to the results store root. */
  path: string;
  size: number;
  contentType: string;
}

export interface JobErrorSummary {
  type: 'fatal' | 'transient';
  message: string;
}

export interface Job {
  jobId: string;
  runId: string | undefined;
  /** '' for anonymous jobs. */
  ownerId: string;
  phase: JobPhase;
  creationTime: Date;
  startTime: Date | undefined;
  endTime: Date | undefined;
  /** Seconds; never 0 here: "unlimited" is clamped to the configured hard limit. */
  executionDuration: number;
  destruction: Date | undefined;
  quote: Date | undefined;
  error: JobErrorSummary | undefined;
  parameters: JobParameter[];
  uploads: JobUpload[];
  results: JobResult[];
}

/** One line of the job list (UWS 1.1 §2.2.2.1 jobref). */
export interface JobRef {
  jobId: string;
  runId: string | undefined;
  ownerId: string;
  phase: JobPhase;
  creationTime: Date;
}

export interface JobListFilter {
  ownerId: string;
  /** OR-ed; empty = every phase except ARCHIVED. */
  phases: JobPhase[];
  after?: Date;
  /** The newest `last` jobs, newest first. */
  last?: number;
  /** Upper bound on the list length (protects against unfiltered giant lists). */
  limit: number;
}

/** A job a worker has claimed: what it needs to run it. */
export interface ClaimedJob {
  jobId: string;
  executionDuration: number;
  attempts: number;
}

export function isJobPhase(s: string): s is JobPhase {
  return (UWS_PHASES as ReadonlyArray<string>).includes(s);
}
