/** Public surface of uws/: the UWS 1.1 job store in PostgreSQL, its workers and its XML documents. */
export { UWS_DDL, UWS_PHASES } from '../db/uws-ddl.js';
export * from './types.js';
export { JobStore } from './job-store.js';
export type { NewJob, UpdateOutcome } from './job-store.js';
export { ResultsStore } from './results-store.js';
export { JobService, createJobService } from './job-service.js';
export type { IncomingFile, JobServiceDeps, JobServiceOptions, NewJobRequest } from './job-service.js';
export { DEFAULT_WORKER_OPTIONS, JobStop, WorkerPool, jobTapParams } from './worker.js';
export type { WorkerDeps, WorkerOptions } from './worker.js';
export { UWS_NS, isoTime, jobListXml, jobXml, parametersXml, resultsXml } from './xml.js';
export type { JobUrls } from './xml.js';
