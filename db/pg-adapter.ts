/** The Db adapter: PostgreSQL through node-postgres (pg-cursor, pg-copy-streams COPY), for the embedded cluster
 *  and for a server given by DATABASE_URL alike. Three pools: bookkeeping (the admin role: migrations, ingest, jobs,
 *  uploads), queries (the read-only query role once configured; every stream/copyOut runs there), a
 *  one-connection health pool, so a full query pool never makes the service look down, and a small control pool
 *  for cancelling the queries of clients that left. Every session is named
 *  xtap:<instance>:<pool> in pg_stat_activity, and a lifeline session holds an advisory lock on <instance> while
 *  the process lives: a later process can tell (and end) the queries of one that died. That is safe only if no
 *  session bears an instance's name before its lock is granted: the lifeline takes its name after the lock, and
 *  a process holds its lifeline before its pools open (server/serve.ts openServiceDb, the CLI). */
import pg from 'pg';
import Cursor from 'pg-cursor';
import copyStreams from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomInt } from 'node:crypto';
import { quoteIdent } from '../schema/sql-names.js';
import { encodeCopyCsv } from './copy-csv.js';
import { copyTo, type CopyOutStream } from './copy-out-stream.js';
import { OID, parseInt8, parseInt8Array, parseNumeric, parseTimestamp } from './type-parsers.js';
import { SessionState, sessionSettings } from './session.js';
import { DbError } from './types.js';
import { ReplicaSet } from './replicas.js';
import type { Db, QueryResult, Queryable, Row, SessionLimits, StreamOptions } from './types.js';

/** The cursor path's value parsers (also the CSV bulk path's, db/copy-text.ts, so both read values alike). */
export const typeParsers = {
  getTypeParser(oid: number, format?: string) {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    switch (oid) {
      case OID.INT8:
        return parseInt8;
      case OID.NUMERIC:
        return parseNumeric;
      case OID.TIMESTAMP:
        return parseTimestamp;
      case OID.INT8_ARRAY:
        return parseInt8Array;
      default:
        return pg.types.getTypeParser(oid, 'text');
    }
  },
};

function toResult(r: pg.QueryResult<Row>): QueryResult {
  return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), rowCount: r.rowCount ?? r.rows.length };
}

class PgQueryable implements Queryable {
  constructor(protected readonly client: pg.PoolClient | pg.Pool) {}

  /** The error a failed statement is reported as; PgDb also classifies lost connections (SQLSTATE 08006/53300). */
  protected fail(err: unknown): unknown {
    return DbError.from(err);
  }

  async query(sql: string, params: ReadonlyArray<unknown> = []): Promise<QueryResult> {
    try {
      return toResult(await this.client.query<Row>({ text: sql, values: [...params], rowMode: 'array' }));
    } catch (err) {
      throw this.fail(err);
    }
  }

  async queryObjects<T extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []): Promise<T[]> {
    try {
      return (await this.client.query<T>({ text: sql, values: [...params] })).rows;
    } catch (err) {
      throw this.fail(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (err) {
      throw this.fail(err);
    }
  }

  async copyIn(table: string, columns: ReadonlyArray<string>, batches: AsyncIterable<Row[]> | Iterable<Row[]>): Promise<number> {
    let count = 0;
    await this.copyInCsv(
      table,
      columns,
      (async function* () {
        for await (const batch of batches) {
          count += batch.length;
          yield Buffer.from(encodeCopyCsv(batch), 'utf8');
        }
      })(),
    );
    return count;
  }

  async copyInCsv(table: string, columns: ReadonlyArray<string>, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const client = this.client instanceof pg.Pool ? await this.client.connect() : this.client;
    try {
      const cols = columns.map(quoteIdent).join(', ');
      const sink = client.query(copyStreams.from(`COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv)`));
      await pipeline(Readable.from(chunks, { objectMode: false, highWaterMark: 1 }), sink);
    } catch (err) {
      throw this.fail(err);
    } finally {
      if (client !== this.client) (client as pg.PoolClient).release();
    }
  }
}

/** Advisory-lock class of the lifeline locks (the object id is the instance id). */
export const LIFELINE_LOCK_CLASS = 7_302_115;

/** application_name of a lifeline session until its lock is granted: outside the xtap:<instance>: pattern. */
export const LIFELINE_PENDING_NAME = 'xtap:lifeline-starting';

/** Sessions of other xtap instances on this database ($1: our instance id); backend_start as text keeps its
 *  microseconds for the second statement. */
const ORPHAN_CANDIDATES_SQL = `
  SELECT pid, backend_start::text AS backend_start, application_name, instance
    FROM (SELECT pid, backend_start, application_name, substring(application_name from '^xtap:([0-9]{1,18}):') AS instance
            FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()) a
   WHERE instance IS NOT NULL AND instance::bigint <> $1`;

/** Ends those candidates that are still the same session and whose instance's lifeline lock nobody holds. */
const END_ORPHANS_SQL = `
  SELECT a.pid, a.application_name, pg_terminate_backend(a.pid) AS ended
    FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[]) AS c(pid, backend_start, application_name, instance)
    JOIN pg_stat_activity a
      ON a.pid = c.pid AND a.backend_start = c.backend_start::timestamptz AND a.application_name = c.application_name
   WHERE a.datname = current_database()
     AND NOT EXISTS (
       SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $5::oid
          AND l.objid::bigint = c.instance AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

export interface DbLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

const silentLog: DbLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export interface PgDbOptions {
  /** Connections of the bookkeeping pool and of the query pool (each). */
  poolSize?: number;
  /** How long a request waits for a free connection before it fails (503). */
  acquireTimeoutMs?: number;
  log?: DbLog;
  /** Runs after the pools are closed (the embedded cluster stops here). */
  onClose?: () => Promise<void>;
  /** Read replicas for stream/fetchAll/copyOut (db/replicas.ts); the rest stays on connectionString. */
  replicaUrls?: ReadonlyArray<string>;
}

/** SQLSTATEs of a session that ended or could not be had: the request fails with 503, the pool replaces it. */
export const UNAVAILABLE = '08006';
export const POOL_TIMEOUT = '53300';

/** Errors of a connection (not of a statement) get a SQLSTATE, so callers can tell them from query errors. */
function wrapConnectionError(err: unknown, acquireTimeoutMs: number, poolSize: number): unknown {
  const wrapped = DbError.wrap(err);
  if (wrapped instanceof DbError && wrapped.code !== undefined && /^[0-9A-Z]{5}$/.test(wrapped.code)) return wrapped;
  const cause = wrapped instanceof DbError && wrapped.cause !== undefined ? wrapped.cause : err;
  const msg = cause instanceof Error ? cause.message : String(cause);
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH)$/.test(errno)) {
    return new DbError(`the database cannot be reached: ${msg}`, UNAVAILABLE, { cause: err });
  }
  if (/timeout exceeded when trying to connect/i.test(msg)) {
    return new DbError(`the service is busy: no database connection became free within ${acquireTimeoutMs / 1000} s (pool of ${poolSize})`, POOL_TIMEOUT, { cause: err });
  }
  if (/Connection terminated|ECONNREFUSED|ECONNRESET|Client has encountered a connection error|not queryable|EPIPE/i.test(msg)) {
    return new DbError(`the database session ended: ${msg}`, UNAVAILABLE, { cause: err });
  }
  return wrapped;
}

export class PgDb extends PgQueryable implements Db {
  readonly kind = 'pg' as const;
  /** Random per process; names every session (application_name) and the lifeline lock. */
  readonly instanceId: number;
  private readonly pool: pg.Pool;
  private queryPool: pg.Pool;
  private readonly healthPool: pg.Pool;
  /** pg_cancel_backend of queries whose client left: never queues behind queries, jobs or health checks. */
  private readonly controlPool: pg.Pool;
  private lifeline: pg.Client | undefined;
  private readonly replicas: ReplicaSet;
  /** Queries run per target (primary, replica<i>) since start. */
  private readonly routes = new Map<string, number>();
  private readonly log: DbLog;
  private readonly poolSize: number;
  private readonly acquireTimeoutMs: number;
  private closed = false;

  constructor(
    /** Admin connection string (carries credentials: never log it). */
    readonly connectionString: string,
    private readonly opts: PgDbOptions = {},
  ) {
    const poolSize = opts.poolSize ?? 10;
    const acquireTimeoutMs = opts.acquireTimeoutMs ?? 10_000;
    const instanceId = randomInt(1, 2 ** 31 - 1);
    const log = opts.log ?? silentLog;
    const pool = PgDb.makePool(connectionString, { max: poolSize, acquireTimeoutMs, name: `xtap:${instanceId}:admin`, log });
    super(pool);
    this.instanceId = instanceId;
    this.pool = pool;
    this.log = log;
    this.poolSize = poolSize;
    this.acquireTimeoutMs = acquireTimeoutMs;
    this.queryPool = PgDb.makePool(connectionString, { max: poolSize, acquireTimeoutMs, name: `xtap:${instanceId}:query`, log });
    this.healthPool = PgDb.makePool(connectionString, { max: 1, acquireTimeoutMs: 2_000, name: `xtap:${instanceId}:health`, log, queryTimeoutMs: 2_000 });
    this.controlPool = PgDb.makePool(connectionString, { max: 2, acquireTimeoutMs: 5_000, name: `xtap:${instanceId}:control`, log, queryTimeoutMs: 5_000 });
    this.replicas = new ReplicaSet(opts.replicaUrls ?? [], { instanceId, poolSize, acquireTimeoutMs, log, makePool: (url, o) => PgDb.makePool(url, o) });
  }

  /** Queries run per target since start: `primary` and `replica<i>` (tests, logs). */
  queryRoutes(): Record<string, number> {
    return Object.fromEntries(this.routes);
  }

  /** Replica health as last checked (name, host:port, healthy). */
  replicaStatus(): Array<{ name: string; at: string; healthy: boolean }> {
    return this.replicas.replicas.map((r) => ({ name: r.name, at: r.where, healthy: r.healthy }));
  }

  /** Runs one health check of the replicas now (otherwise every 5 s). */
  checkReplicas(): Promise<void> {
    return this.replicas.check();
  }

  /** A session for a TAP query: on a healthy replica (round-robin) unless onPrimary, else on the primary's query
   *  pool; with the pool that cancels its statements. A replica whose session cannot be opened is marked down
   *  and the next one (finally the primary) is tried; a busy replica (pool wait timed out) sends this query to
   *  the primary without being marked down. */
  private async acquireQuery(onPrimary: boolean | undefined): Promise<{ client: pg.PoolClient; control: pg.Pool }> {
    if (!onPrimary) {
      for (let r = this.replicas.pick(); r; r = this.replicas.pick()) {
        try {
          const client = await r.pool.connect();
          this.routes.set(r.name, (this.routes.get(r.name) ?? 0) + 1);
          return { client, control: r.control };
        } catch (err) {
          if (/timeout exceeded when trying to connect/i.test(err instanceof Error ? err.message : String(err))) break;
          this.replicas.markDown(r, err);
        }
      }
    }
    const client = await this.acquire(this.queryPool);
    this.routes.set('primary', (this.routes.get('primary') ?? 0) + 1);
    return { client, control: this.controlPool };
  }

  private static makePool(
    connectionString: string,
    o: { max: number; acquireTimeoutMs: number; name: string; log: DbLog; queryTimeoutMs?: number },
  ): pg.Pool {
    const pool = new pg.Pool({
      connectionString,
      max: o.max,
      connectionTimeoutMillis: o.acquireTimeoutMs,
      application_name: o.name,
      types: typeParsers,
      // The translator's inline literals are standard-conforming (backslashes are plain characters).
      // Text output (COPY csv for TABLEDATA/CSV/TSV, the cursor path) carries doubles as PostgreSQL prints them:
      // extra_float_digits=1 (the default, pinned here) gives the shortest round-trip text, not 15 digits.
      options: '-c standard_conforming_strings=on -c extra_float_digits=1',
      ...(o.queryTimeoutMs ? { query_timeout: o.queryTimeoutMs } : {}),
    });
    // A session that ends (server restart, pg_terminate_backend) raises 'error' on its client, idle or checked
    // out; unhandled, that event would end the process. The statement running on it fails on its own; the pool
    // drops the client and opens a new one for the next request.
    pool.on('error', (err) => o.log.warn({ pool: o.name, err: err.message }, 'idle database session ended'));
    pool.on('connect', (client) => {
      client.on('error', (err) => o.log.warn({ pool: o.name, err: err.message }, 'database session ended'));
    });
    return pool;
  }

  private async acquire(pool: pg.Pool): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (err) {
      throw wrapConnectionError(err, this.acquireTimeoutMs, this.poolSize);
    }
  }

  protected override fail(err: unknown): unknown {
    return wrapConnectionError(err, this.acquireTimeoutMs, this.poolSize);
  }

  /** Sends queries (stream, copyOut) through sessions of another role from now on: the read-only
   *  query role. Called once at start-up, before the service takes requests. */
  async useQueryConnection(connectionString: string): Promise<void> {
    const next = PgDb.makePool(connectionString, { max: this.poolSize, acquireTimeoutMs: this.acquireTimeoutMs, name: `xtap:${this.instanceId}:query`, log: this.log });
    const c = await next.connect().catch(async (err: unknown) => {
      await next.end().catch(() => undefined);
      throw err;
    });
    c.release();
    const old = this.queryPool;
    this.queryPool = next;
    await old.end().catch(() => undefined);
    await this.replicas.useCredentials(connectionString);
  }

  queryPoolStats(): { total: number; idle: number; waiting: number } {
    const p = this.queryPool;
    return { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount };
  }

  /** True when the database answers within 2 s, on the health pool (never waits behind queries). */
  async ping(): Promise<boolean> {
    try {
      await this.healthPool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Takes this process's lifeline lock (see the module comment); reconnects when its session ends. The session
   *  connects under LIFELINE_PENDING_NAME, which endOrphanedSessions never matches, and takes the instance's name
   *  only once the lock is granted: a sibling's sweep cannot catch it between connect and lock (issue 11). */
  async holdLifeline(): Promise<void> {
    if (this.closed || this.lifeline) return;
    const client = new pg.Client({ connectionString: this.connectionString, application_name: LIFELINE_PENDING_NAME });
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'lifeline session ended; reconnecting');
      if (this.lifeline === client) this.lifeline = undefined;
      client.end().catch(() => undefined);
      this.retakeLifeline();
    });
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1, $2)', [LIFELINE_LOCK_CLASS, this.instanceId]);
      await client.query("SELECT set_config('application_name', $1, false)", [`xtap:${this.instanceId}:lifeline`]);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    this.lifeline = client;
  }

  private retakeLifeline(): void {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed || this.lifeline) return;
      this.holdLifeline().catch(() => this.retakeLifeline());
    }, 2_000).unref();
  }

  /** Ends the sessions of xtap processes that are gone (no lifeline lock held): queries a killed process left
   *  running. Returns how many were ended.
   *  Two statements on purpose: a session carries the name xtap:<X>:… only after X's lock was granted (the
   *  lifeline renames itself after locking; pools open after the lifeline), so a lock found free by the second
   *  statement was released after the first saw the name, i.e. X's lifeline ended. In one statement the planner
   *  may read pg_locks before pg_stat_activity, and a process that locked and renamed in between would be ended.
   *  The second statement matches pid and backend_start again, so a reused pid is never ended. */
  async endOrphanedSessions(): Promise<number> {
    const seen = await this.pool.query<{ pid: number; backend_start: string; application_name: string; instance: string }>(ORPHAN_CANDIDATES_SQL, [this.instanceId]);
    if (!seen.rows.length) return 0;
    const r = await this.pool.query<{ pid: number; application_name: string; ended: boolean }>(END_ORPHANS_SQL, [
      seen.rows.map((x) => x.pid),
      seen.rows.map((x) => x.backend_start),
      seen.rows.map((x) => x.application_name),
      seen.rows.map((x) => x.instance),
      LIFELINE_LOCK_CLASS,
    ]);
    for (const row of r.rows) this.log.warn({ pid: row.pid, session: row.application_name, ended: row.ended }, 'ended a session of an xtap process that is gone');
    return r.rows.filter((x) => x.ended).length;
  }

  /** Number of other live xtap processes on this database (lifeline locks held by others). */
  async otherLiveInstances(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = $1::oid AND objsubid = 2 AND objid <> $2::bigint::oid
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LIFELINE_LOCK_CLASS, this.instanceId],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: { readOnly?: boolean; statementTimeoutMs?: number } = {}): Promise<T> {
    const client = await this.acquire(this.pool);
    let broken = false;
    try {
      await client.query(opts.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      if (opts.statementTimeoutMs) await client.query(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
      const result = await fn(new PgQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw wrapConnectionError(err instanceof DbError && err.code === undefined ? err.cause ?? err : err, this.acquireTimeoutMs, this.poolSize);
    } finally {
      client.release(broken ? true : undefined);
    }
  }

  /** Session settings each query connection has (db/session.ts); a connection is dropped from here with it. */
  private readonly sessions = new WeakMap<pg.PoolClient, SessionState>();

  /** Brings the connection's session settings to what the query needs: no round trip when it has them already
   *  (the usual case: the pool hands back the connection the last query used), else one SET message. */
  private async settle(client: pg.PoolClient, opts: Omit<StreamOptions, 'batchSize'>): Promise<void> {
    let state = this.sessions.get(client);
    if (!state) this.sessions.set(client, (state = new SessionState()));
    const wanted = sessionSettings(opts);
    const pending = state.pending(wanted);
    if (pending === undefined) return;
    await client.query(pending);
    state.applied(wanted);
  }

  /** Cancels a query on the server whose control pool is given (the primary's by default). */
  private cancelBackend(pid: number | undefined, control: pg.Pool = this.controlPool): void {
    if (pid !== undefined) control.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  }

  /** The backend's process id, known from the connection's start-up (BackendKeyData): no round trip. */
  private static backendPid(client: pg.PoolClient): number | undefined {
    const pid = (client as unknown as { processID?: number | null }).processID;
    return typeof pid === 'number' ? pid : undefined;
  }

  /** Cancels the client's query when the signal aborts or totalTimeoutMs passes (then expired() is true);
   *  dispose() when the query is over. */
  private guard(client: pg.PoolClient, control: pg.Pool, opts: Pick<StreamOptions, 'signal' | 'totalTimeoutMs'>): { expired(): boolean; dispose(): void } {
    const pid = PgDb.backendPid(client);
    const cancel = () => this.cancelBackend(pid, control);
    let expired = false;
    const deadline = opts.totalTimeoutMs
      ? setTimeout(() => {
          expired = true;
          cancel();
        }, opts.totalTimeoutMs)
      : undefined;
    opts.signal?.addEventListener('abort', cancel, { once: true });
    return {
      expired: () => expired,
      dispose: () => {
        clearTimeout(deadline);
        opts.signal?.removeEventListener('abort', cancel);
      },
    };
  }

  async *stream(sql: string, params: ReadonlyArray<unknown>, opts: StreamOptions): AsyncGenerator<Row[], void, undefined> {
    const { client, control } = await this.acquireQuery(opts.onPrimary);
    let cursor: Cursor<Row> | undefined;
    let broken = false;
    const guard = this.guard(client, control, opts);
    try {
      await this.settle(client, opts);
      // A cursor lives in a transaction block; READ ONLY by the session default.
      await client.query('BEGIN');
      cursor = client.query(new Cursor<Row>(sql, [...params], { rowMode: 'array', types: typeParsers }));
      // Without a listener pg-cursor keeps an error for the next read; with one, nothing is emitted unhandled.
      cursor.on('error', () => undefined);
      for (;;) {
        if (opts.signal?.aborted) throw new DbError('query cancelled', '57014');
        if (guard.expired()) throw new DbError(`canceling statement: the query ran longer than the limit of ${(opts.totalTimeoutMs ?? 0) / 1000} s`, '57014');
        const rows = await cursor.read(opts.batchSize);
        if (rows.length === 0) break;
        yield rows;
      }
      await cursor.close();
      cursor = undefined;
      await client.query('COMMIT');
    } catch (err) {
      broken = true;
      if (guard.expired() && !(err instanceof DbError && err.code === '57014' && /limit of/.test(err.message))) {
        throw new DbError(`canceling statement: the query ran longer than the limit of ${(opts.totalTimeoutMs ?? 0) / 1000} s`, '57014', { cause: err });
      }
      throw wrapConnectionError(err, this.acquireTimeoutMs, this.poolSize);
    } finally {
      guard.dispose();
      // Only a stream read to its end (and committed) returns its client to the pool. A consumer that stopped early
      // (client disconnect, MAXREC) or an abort leaves the connection in an unknown state, and a late
      // pg_cancel_backend could hit the next user of a pooled client: destroy it instead.
      const discard = broken || cursor !== undefined || opts.signal?.aborted === true;
      client.release(discard ? true : undefined);
    }
  }

  async fetchAll(sql: string, opts: Omit<StreamOptions, 'batchSize'>): Promise<Row[]> {
    const { client, control } = await this.acquireQuery(opts.onPrimary);
    let done = false;
    const guard = this.guard(client, control, opts);
    try {
      if (opts.signal?.aborted) throw new DbError('query cancelled', '57014');
      await this.settle(client, opts);
      // One statement in its own implicit transaction (READ ONLY by the session default): one round trip.
      const result = await client.query<Row>({ text: sql, rowMode: 'array' });
      done = true;
      return result.rows;
    } catch (err) {
      if (guard.expired()) throw new DbError(`canceling statement: the query ran longer than the limit of ${(opts.totalTimeoutMs ?? 0) / 1000} s`, '57014', { cause: err });
      throw wrapConnectionError(err, this.acquireTimeoutMs, this.poolSize);
    } finally {
      guard.dispose();
      // A failed or cancelled statement: do not pool the connection (a late pg_cancel_backend could hit its next user).
      client.release(done ? undefined : true);
    }
  }

  async *copyOut(sql: string, opts: Omit<StreamOptions, 'batchSize'>): AsyncGenerator<Uint8Array, void, undefined> {
    const { client, control } = await this.acquireQuery(opts.onPrimary);
    let pid: number | undefined;
    let done = false;
    let copy: CopyOutStream | undefined;
    let firstRowTimer: NodeJS.Timeout | undefined;
    let firstRowExpired = false;
    const cancel = () => this.cancelBackend(pid, control);
    const onAbort = () => {
      cancel();
      copy?.destroy();
    };
    try {
      pid = PgDb.backendPid(client);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      await this.settle(client, opts);
      if (opts.signal?.aborted) throw new DbError('query cancelled', '57014');
      // One statement in its own implicit transaction (READ ONLY by the session default): no BEGIN, no COMMIT.
      copy = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT ${opts.copyFormat === 'csv' ? 'csv' : 'binary'})`));
      if (opts.firstRowTimeoutMs) {
        // COPY is one statement, so statement_timeout bounds the whole download; the time before the first row
        // (the query's own work, e.g. a cross join) has the shorter limit.
        firstRowTimer = setTimeout(() => {
          firstRowExpired = true;
          cancel();
        }, opts.firstRowTimeoutMs);
      }
      let first = true;
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        if (first) {
          first = false;
          clearTimeout(firstRowTimer);
        }
        yield chunk;
      }
      clearTimeout(firstRowTimer);
      done = true;
    } catch (err) {
      if (firstRowExpired) {
        throw new DbError(`canceling statement: no row within the limit of ${(opts.firstRowTimeoutMs ?? 0) / 1000} s`, '57014', { cause: err });
      }
      throw wrapConnectionError(err, this.acquireTimeoutMs, this.poolSize);
    } finally {
      clearTimeout(firstRowTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      // Stopped early (client gone, MAXREC) or failed: the backend may still be copying. Cancel it and destroy the
      // connection rather than return a client in the middle of a COPY to the pool (as stream() does).
      if (!done) {
        cancel();
        copy?.destroy();
      }
      client.release(done ? undefined : true);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const lifeline = this.lifeline;
    this.lifeline = undefined;
    lifeline?.removeAllListeners('error');
    lifeline?.on('error', () => undefined);
    await Promise.all([this.pool.end(), this.queryPool.end(), this.healthPool.end(), this.controlPool.end(), lifeline?.end(), this.replicas.close()].map((p) => p?.catch(() => undefined)));
    await this.opts.onClose?.();
  }
}
