/** The only module that reads process.env: parses and validates every setting at start-up (reporting all bad
 *  variables at once) and exports a frozen, typed configuration. Defaults make `npm start` work with nothing set. */
import { z } from 'zod';
import { DEFAULT_ADQL_LIMITS, HARD_MAX_DEPTH } from '../adql/limits.js';
import type { AdqlLimits } from '../adql/limits.js';

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);
const positive = (def: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().positive().max(max).default(def);

const EnvSchema = z.object({
  PORT: int(8080),
  HOST: z.string().default('0.0.0.0'),
  /** Public base URL of the service (used in capabilities, job and DataLink URLs); default http://localhost:PORT. */
  XTAP_BASE_URL: z.string().url().optional(),
  /** PostgreSQL server (its role is the admin role: migrations, ingest, jobs); unset = the embedded cluster. */
  DATABASE_URL: z.string().optional(),
  /** Connection of the read-only query role, when the admin role may not create it (see README). */
  XTAP_QUERY_DATABASE_URL: z.string().optional(),
  /** Name of the read-only role TAP queries run as (created when the admin role may). */
  XTAP_QUERY_ROLE: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('xtap_query'),
  /** Directory of the embedded PostgreSQL cluster (used when DATABASE_URL is unset). */
  XTAP_DATA_DIR: z.string().default('./var/postgres'),
  XTAP_RESULTS_DIR: z.string().default('./var/results'),
  XTAP_SAMPLE_DIR: z.string().default('./data/sample'),
  XTAP_LOAD_SAMPLE: z.enum(['auto', 'never', 'always']).default('auto'),
  XTAP_MAXREC_DEFAULT: int(100_000),
  XTAP_MAXREC_HARD: int(10_000_000),
  /** Database time a sync query may take before its first row (and per batch of rows after it). */
  XTAP_SYNC_QUERY_TIMEOUT_S: int(30),
  /** Whole sync request, download included. */
  XTAP_SYNC_TIMEOUT_S: int(600),
  /** work_mem of sync / async queries, in kB. */
  XTAP_SYNC_WORK_MEM_KB: int(32 * 1024),
  XTAP_ASYNC_WORK_MEM_KB: int(128 * 1024),
  /** temp_file_limit of the query role, in kB (set on the role; needs a superuser admin role). */
  XTAP_QUERY_TEMP_FILE_LIMIT_KB: int(2 * 1024 * 1024),
  XTAP_ASYNC_EXECUTION_S: int(3600),
  XTAP_ASYNC_EXECUTION_HARD_S: int(86_400),
  XTAP_RETENTION_S: int(7 * 86_400),
  XTAP_RETENTION_HARD_S: int(30 * 86_400),
  XTAP_UPLOAD_MAX_BYTES: int(20 * 1024 * 1024),
  XTAP_UPLOAD_MAX_ROWS: int(1_000_000),
  XTAP_UPLOAD_MAX_COLUMNS: positive(1000, 1600),
  XTAP_UPLOAD_MAX_TABLES: positive(10),
  XTAP_UPLOAD_TIMEOUT_S: int(60),
  /** Hosts (name or address, optionally :port, comma-separated) whose UPLOAD URLs are fetched even on loopback or
   *  private networks. Empty by default: a server must not be made to fetch from its own network; tests set it. */
  XTAP_UPLOAD_ALLOW_HOSTS: z.string().default(''),
  /** Whole request body, all multipart parts together. */
  XTAP_REQUEST_MAX_BYTES: positive(64 * 1024 * 1024),
  XTAP_REQUEST_MAX_PARTS: positive(64),
  /** A url-encoded body, or one non-file multipart field. */
  XTAP_FORM_MAX_BYTES: positive(1024 * 1024),
  XTAP_ADQL_MAX_LENGTH: positive(DEFAULT_ADQL_LIMITS.maxLength),
  XTAP_ADQL_MAX_NESTING: positive(DEFAULT_ADQL_LIMITS.maxNesting, 300),
  XTAP_ADQL_MAX_DEPTH: positive(DEFAULT_ADQL_LIMITS.maxDepth, HARD_MAX_DEPTH),
  XTAP_ADQL_MAX_SUBQUERY_DEPTH: positive(DEFAULT_ADQL_LIMITS.maxSubqueryDepth, 100),
  XTAP_ADQL_MAX_TABLES: positive(DEFAULT_ADQL_LIMITS.maxTables, 200),
  /** Largest result file one async job may store (bytes); a bigger result fails the job with a clear error. */
  XTAP_RESULT_MAX_BYTES: int(10 * 1024 ** 3),
  /** If set, GET /metrics requires `Authorization: Bearer <this>`. */
  XTAP_METRICS_TOKEN: z.string().optional(),
  /** Concurrent async jobs each process runs (its executor loops). */
  XTAP_WORKERS: int(2),
  /** HTTP processes of `xtap serve` / `npm start` (node:cluster; 1 = one process, no cluster). Not XTAP_WORKERS,
   *  which has always counted async job loops. */
  XTAP_HTTP_WORKERS: positive(1, 256),
  /** 0: this process only enqueues async jobs (a separate `xtap worker` executes them). */
  XTAP_ASYNC_EXECUTOR: z.enum(['0', '1', 'true', 'false']).default('1'),
  /** Read replicas (postgres:// URLs, comma-separated) for TAP queries; writes stay on DATABASE_URL. */
  DATABASE_URL_REPLICAS: z.string().default(''),
  XTAP_POOL_SIZE: int(10),
  /** How long a request waits for a free database connection before it gets a 503. */
  XTAP_POOL_ACQUIRE_TIMEOUT_S: int(10),
  /** Connections of the query pool that client-paced sync downloads never hold (kept for short queries): a
   *  download beyond XTAP_POOL_SIZE - XTAP_POOL_RESERVE that waits on its client spools at once. */
  XTAP_POOL_RESERVE: int(2),
  /** A sync download that has waited on its client for this long in total (ms) is spooled: the rest of the result
   *  is written to a temporary file, the database connection is released, the client is served from the file. */
  XTAP_SYNC_SPOOL_AFTER_MS: int(2000),
  /** Directory of the spool files (each removed as soon as it is opened; freed when its download ends). */
  XTAP_SPOOL_DIR: z.string().default('./var/spool'),
  /** Spool disk of all downloads together (bytes); when full, a download keeps its connection instead. */
  XTAP_SPOOL_MAX_BYTES: int(2 * 1024 ** 3),
  /** Largest request head (request line + headers) in bytes; a bigger one gets 431 with a DALI error document. */
  XTAP_REQUEST_MAX_HEADER_BYTES: positive(64 * 1024),
  /** Serve VOTable BINARY2 results from PostgreSQL through binary COPY (the bulk path); 0 forces the cursor path. */
  XTAP_BULK_COPY: z.enum(['0', '1', 'true', 'false']).default('1'),
  /** IVOA identifier of this service in the Registry (GET /registry/resource); the default is a placeholder. */
  XTAP_IVOID: z
    .string()
    .regex(/^ivo:\/\/[\w\-.!~*'()+=]{3,}(\/[\w\-.!~*'()+=]+)*$/, 'an IVOA identifier such as ivo://example.org/xtap')
    .default('ivo://xtap.invalid/tap'),
  /** Publisher and contact named in the registry record. */
  XTAP_PUBLISHER: z.string().min(1).default('xtap operator (set XTAP_PUBLISHER)'),
  XTAP_CONTACT_NAME: z.string().min(1).optional(),
  XTAP_CONTACT_EMAIL: z.string().email().optional(),
  /** Results whose LIMIT (TOP, MAXREC + 1) is at most this many rows are fetched whole in one round trip; 0 = never. */
  XTAP_SMALL_RESULT_ROWS: int(2000),
  /** Translations of recent queries kept per process (same text and row limit, no uploads); 0 = none. */
  XTAP_TRANSLATION_CACHE: int(256),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  db: {
    databaseUrl?: string;
    dataDir: string;
    poolSize: number;
    acquireTimeoutMs: number;
    queryRole: string;
    queryDatabaseUrl?: string;
    /** Read replicas for TAP queries (DATABASE_URL_REPLICAS); empty: queries run on the primary. */
    replicaUrls: ReadonlyArray<string>;
  };
  /** Sync download spooling (server/tap/spool.ts). */
  spool: { dir: string; afterMs: number; maxBytes: number; poolReserve: number };
  /** Largest request head (http.createServer maxHeaderSize). */
  requestMaxHeaderBytes: number;
  resultsDir: string;
  sampleDir: string;
  loadSample: 'auto' | 'never' | 'always';
  limits: {
    maxrecDefault: number;
    maxrecHard: number;
    /** Database time of a sync query before its first row / per batch. */
    syncQueryTimeoutS: number;
    /** Whole sync request (download included). */
    syncTimeoutS: number;
    syncWorkMemKb: number;
    asyncWorkMemKb: number;
    queryTempFileLimitKb: number;
    asyncExecutionS: number;
    asyncExecutionHardS: number;
    retentionS: number;
    retentionHardS: number;
    uploadMaxBytes: number;
    uploadMaxRows: number;
    uploadMaxColumns: number;
    /** Tables one request may upload. */
    uploadMaxTables: number;
    uploadTimeoutS: number;
    /** Lower-cased host or host:port entries whose upload URLs skip the address-range check. */
    uploadAllowHosts: ReadonlyArray<string>;
    requestMaxBytes: number;
    requestMaxParts: number;
    formMaxBytes: number;
    adql: Readonly<AdqlLimits>;
    resultMaxBytes: number;
  };
  /** What GET /registry/resource says about the service's identity (XTAP_IVOID, XTAP_PUBLISHER, XTAP_CONTACT_*). */
  registry: { ivoid: string; publisher: string; contactName: string; contactEmail?: string };
  metricsToken?: string;
  /** Concurrent async jobs in this process (XTAP_WORKERS); 0 when the async executor is off. */
  workers: number;
  /** HTTP processes (XTAP_HTTP_WORKERS, `xtap serve --workers`). */
  httpWorkers: number;
  /** Use PostgreSQL binary COPY for BINARY2 results when every column type allows (XTAP_BULK_COPY). */
  bulkCopy: boolean;
  /** Largest LIMIT fetched whole in one round trip (XTAP_SMALL_RESULT_ROWS; 0 = never). */
  smallResultRows: number;
  /** Translations of recent queries kept per process (XTAP_TRANSLATION_CACHE; 0 = none). */
  translationCache: number;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the configuration from an environment (process.env by default); throws ConfigError listing every
 *  bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (env.XTAP_UPLOAD_ALLOW_PRIVATE) {
    problems.push('XTAP_UPLOAD_ALLOW_PRIVATE: no longer supported; list the hosts to fetch uploads from in XTAP_UPLOAD_ALLOW_HOSTS (host or host:port, comma-separated)');
  }
  if (e.XTAP_MAXREC_DEFAULT > e.XTAP_MAXREC_HARD) problems.push('XTAP_MAXREC_DEFAULT: must not exceed XTAP_MAXREC_HARD');
  if (e.XTAP_RETENTION_S > e.XTAP_RETENTION_HARD_S) problems.push('XTAP_RETENTION_S: must not exceed XTAP_RETENTION_HARD_S');
  if (e.XTAP_ASYNC_EXECUTION_S > e.XTAP_ASYNC_EXECUTION_HARD_S)
    problems.push('XTAP_ASYNC_EXECUTION_S: must not exceed XTAP_ASYNC_EXECUTION_HARD_S');
  if (e.XTAP_UPLOAD_MAX_BYTES > e.XTAP_REQUEST_MAX_BYTES) problems.push('XTAP_UPLOAD_MAX_BYTES: must not exceed XTAP_REQUEST_MAX_BYTES');
  if (e.XTAP_SYNC_WORK_MEM_KB < 64 || e.XTAP_ASYNC_WORK_MEM_KB < 64) problems.push('XTAP_SYNC_WORK_MEM_KB, XTAP_ASYNC_WORK_MEM_KB: at least 64 (kB)');
  for (const u of e.DATABASE_URL_REPLICAS.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    if (!/^postgres(ql)?:\/\//.test(u)) problems.push('DATABASE_URL_REPLICAS: each entry must be a postgres:// URL');
  }
  if (e.DATABASE_URL_REPLICAS.trim() !== '' && !e.DATABASE_URL) problems.push('DATABASE_URL_REPLICAS: needs DATABASE_URL (the primary the replicas follow)');
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    baseUrl: (e.XTAP_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    db: {
      databaseUrl: e.DATABASE_URL,
      dataDir: e.XTAP_DATA_DIR,
      poolSize: e.XTAP_POOL_SIZE,
      acquireTimeoutMs: e.XTAP_POOL_ACQUIRE_TIMEOUT_S * 1000,
      queryRole: e.XTAP_QUERY_ROLE,
      queryDatabaseUrl: e.XTAP_QUERY_DATABASE_URL,
      replicaUrls: e.DATABASE_URL_REPLICAS.split(',').map((u) => u.trim()).filter((u) => u !== ''),
    },
    spool: { dir: e.XTAP_SPOOL_DIR, afterMs: e.XTAP_SYNC_SPOOL_AFTER_MS, maxBytes: e.XTAP_SPOOL_MAX_BYTES, poolReserve: Math.min(e.XTAP_POOL_RESERVE, Math.max(0, e.XTAP_POOL_SIZE - 1)) },
    requestMaxHeaderBytes: e.XTAP_REQUEST_MAX_HEADER_BYTES,
    resultsDir: e.XTAP_RESULTS_DIR,
    sampleDir: e.XTAP_SAMPLE_DIR,
    loadSample: e.XTAP_LOAD_SAMPLE,
    limits: {
      maxrecDefault: e.XTAP_MAXREC_DEFAULT,
      maxrecHard: e.XTAP_MAXREC_HARD,
      syncQueryTimeoutS: Math.min(e.XTAP_SYNC_QUERY_TIMEOUT_S, e.XTAP_SYNC_TIMEOUT_S),
      syncTimeoutS: e.XTAP_SYNC_TIMEOUT_S,
      syncWorkMemKb: e.XTAP_SYNC_WORK_MEM_KB,
      asyncWorkMemKb: e.XTAP_ASYNC_WORK_MEM_KB,
      queryTempFileLimitKb: e.XTAP_QUERY_TEMP_FILE_LIMIT_KB,
      asyncExecutionS: e.XTAP_ASYNC_EXECUTION_S,
      asyncExecutionHardS: e.XTAP_ASYNC_EXECUTION_HARD_S,
      retentionS: e.XTAP_RETENTION_S,
      retentionHardS: e.XTAP_RETENTION_HARD_S,
      uploadMaxBytes: e.XTAP_UPLOAD_MAX_BYTES,
      uploadMaxRows: e.XTAP_UPLOAD_MAX_ROWS,
      uploadMaxColumns: e.XTAP_UPLOAD_MAX_COLUMNS,
      uploadMaxTables: e.XTAP_UPLOAD_MAX_TABLES,
      uploadTimeoutS: e.XTAP_UPLOAD_TIMEOUT_S,
      uploadAllowHosts: e.XTAP_UPLOAD_ALLOW_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== ''),
      requestMaxBytes: e.XTAP_REQUEST_MAX_BYTES,
      requestMaxParts: e.XTAP_REQUEST_MAX_PARTS,
      formMaxBytes: e.XTAP_FORM_MAX_BYTES,
      adql: Object.freeze({
        maxLength: e.XTAP_ADQL_MAX_LENGTH,
        maxNesting: e.XTAP_ADQL_MAX_NESTING,
        maxDepth: e.XTAP_ADQL_MAX_DEPTH,
        maxSubqueryDepth: e.XTAP_ADQL_MAX_SUBQUERY_DEPTH,
        maxTables: e.XTAP_ADQL_MAX_TABLES,
      }),
      resultMaxBytes: e.XTAP_RESULT_MAX_BYTES,
    },
    registry: Object.freeze({ ivoid: e.XTAP_IVOID, publisher: e.XTAP_PUBLISHER, contactName: e.XTAP_CONTACT_NAME ?? e.XTAP_PUBLISHER, contactEmail: e.XTAP_CONTACT_EMAIL }),
    metricsToken: e.XTAP_METRICS_TOKEN,
    workers: e.XTAP_ASYNC_EXECUTOR === '0' || e.XTAP_ASYNC_EXECUTOR === 'false' ? 0 : e.XTAP_WORKERS,
    httpWorkers: e.XTAP_HTTP_WORKERS,
    bulkCopy: e.XTAP_BULK_COPY === '1' || e.XTAP_BULK_COPY === 'true',
    smallResultRows: e.XTAP_SMALL_RESULT_ROWS,
    translationCache: e.XTAP_TRANSLATION_CACHE,
    logLevel: e.LOG_LEVEL,
  });
}
