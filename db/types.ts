/** The one database interface xtap uses (query, transaction, cursor streaming, bulk copy), implemented by the
 *  pg adapter for both the embedded PostgreSQL cluster (the default) and a server given by DATABASE_URL. */

/** A row as an array of values, in select-list order. int8 arrives as bigint, timestamp as ISO text. */
import type { Row } from '../votable/row.js';
export type { Row };

export interface QueryResult {
  rows: Row[];
  fields: ReadonlyArray<{ name: string; dataTypeID: number }>;
  rowCount: number;
}

/** Per-transaction resource limits of a query session. */
export interface SessionLimits {
  /** work_mem, in kB (memory of each sort/hash node before it spills to temporary files). */
  workMemKb?: number;
}

export interface StreamOptions {
  /** Rows per batch pulled from the cursor. */
  batchSize: number;
  /** READ ONLY transaction unless false (stream and copyOut run user queries). */
  readOnly?: boolean;
  /** statement_timeout, in milliseconds (0 = none): per FETCH on the cursor path, for the whole COPY on copyOut. */
  statementTimeoutMs?: number;
  /** copyOut: the COPY format (default binary; csv for the CSV/TSV bulk path, db/copy-text.ts). */
  copyFormat?: 'binary' | 'csv';
  /** copyOut: the query is cancelled when its first row has not come within this time (ms). */
  firstRowTimeoutMs?: number;
  /** stream: the whole read (all FETCHes, and the time the consumer takes) ends after this time (ms). */
  totalTimeoutMs?: number;
  limits?: SessionLimits;
  /** Aborting cancels the running query and closes the cursor. */
  signal?: AbortSignal;
  /** Run on the primary even when read replicas are configured: the query reads tables this request wrote
   *  there (TAP_UPLOAD tables), which a replica may not have yet. */
  onPrimary?: boolean;
}

export interface Queryable {
  query(sql: string, params?: ReadonlyArray<unknown>): Promise<QueryResult>;
  /** Runs a statement whose rows come back as objects keyed by column name (small results only). */
  queryObjects<T extends Record<string, unknown>>(sql: string, params?: ReadonlyArray<unknown>): Promise<T[]>;
  /** Several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** Bulk-loads rows into a table with COPY; `table` is a quoted, qualified name, `columns` unquoted. */
  copyIn(table: string, columns: ReadonlyArray<string>, batches: AsyncIterable<Row[]> | Iterable<Row[]>): Promise<number>;
  /** Bulk-loads COPY CSV text (NULL = unquoted empty field) given as byte chunks, pulled only as fast as
   *  PostgreSQL takes them (bounded memory, the producer overlapping the server's work). */
  copyInCsv(table: string, columns: ReadonlyArray<string>, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pg';
  /** True when the database answers within a couple of seconds; uses its own connection (never queues). */
  ping(): Promise<boolean>;
  /** Connection counts of the pool that runs TAP queries (for metrics). */
  queryPoolStats(): { total: number; idle: number; waiting: number };
  /** Runs fn in a transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, opts?: { readOnly?: boolean; statementTimeoutMs?: number }): Promise<T>;
  /** Streams the rows of one SELECT through a server-side cursor, batch by batch. Breaking out of the loop or
   *  aborting the signal closes the cursor and cancels the query. */
  stream(sql: string, params: ReadonlyArray<unknown>, opts: StreamOptions): AsyncGenerator<Row[], void, undefined>;
  /** A small result whole, in one round trip: `sql` alone as one simple-protocol message in its own implicit
   *  READ ONLY transaction (so `sql` carries its literals inline, as for copyOut); the session settings
   *  (db/session.ts) go first only when the connection does not have them yet. Only for results bounded by a
   *  small LIMIT: every row is held in memory. Aborting the signal cancels the query. */
  fetchAll(sql: string, opts: Omit<StreamOptions, 'batchSize'>): Promise<Row[]>;
  /** Bulk read: `COPY (sql) TO STDOUT (FORMAT binary)` as raw chunks, one statement in its own implicit READ ONLY
   *  transaction (the session settings of db/session.ts go first only when the connection does not have them
   *  yet). COPY takes no parameters, so `sql` must carry its literals inline (the translator's
   *  `inlineLiterals`). Returning early or aborting cancels the query. */
  copyOut(sql: string, opts: Omit<StreamOptions, 'batchSize'>): AsyncGenerator<Uint8Array, void, undefined>;
  close(): Promise<void>;
}

/** A database failure, keeping PostgreSQL's SQLSTATE so callers can map e.g. 57014 (timeout) to a message. */
export class DbError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbError';
    this.code = code;
  }

  /** Wraps errors raised by the database driver; any other error (e.g. a caller's own error thrown inside a
   *  transaction) passes through unchanged. */
  static wrap(err: unknown): unknown {
    if (err instanceof DbError) return err;
    const e = err as { severity?: unknown; code?: unknown } | null;
    if (e && typeof e === 'object' && (typeof e.severity === 'string' || (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)))) return DbError.from(err);
    return err;
  }

  static from(err: unknown): DbError {
    if (err instanceof DbError) return err;
    const e = err as { message?: string; code?: string };
    return new DbError(e?.message ?? String(err), typeof e?.code === 'string' ? e.code : undefined, { cause: err });
  }
}
