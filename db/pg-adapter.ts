/** Db adapter for a real PostgreSQL server through node-postgres (pool, pg-cursor, pg-copy-streams COPY). */
import pg from 'pg';
import Cursor from 'pg-cursor';
import copyStreams from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { quoteIdent } from '../schema/sql-names.js';
import { encodeCopyCsv } from './copy-csv.js';
import { OID, parseInt8, parseInt8Array, parseNumeric, parseTimestamp } from './type-parsers.js';
import { DbError } from './types.js';
import type { Db, QueryResult, Queryable, Row, StreamOptions } from './types.js';

const typeParsers = {
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

  async query(sql: string, params: ReadonlyArray<unknown> = []): Promise<QueryResult> {
    try {
      return toResult(await this.client.query<Row>({ text: sql, values: [...params], rowMode: 'array' }));
    } catch (err) {
      throw DbError.from(err);
    }
  }

  async queryObjects<T extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []): Promise<T[]> {
    try {
      return (await this.client.query<T>({ text: sql, values: [...params] })).rows;
    } catch (err) {
      throw DbError.from(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (err) {
      throw DbError.from(err);
    }
  }

  async copyIn(table: string, columns: ReadonlyArray<string>, batches: AsyncIterable<Row[]> | Iterable<Row[]>): Promise<number> {
    const client = this.client instanceof pg.Pool ? await this.client.connect() : this.client;
    let count = 0;
    try {
      const cols = columns.map(quoteIdent).join(', ');
      const sink = client.query(copyStreams.from(`COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv)`));
      const source = Readable.from(
        (async function* () {
          for await (const batch of batches) {
            count += batch.length;
            yield encodeCopyCsv(batch);
          }
        })(),
      );
      await pipeline(source, sink);
      return count;
    } catch (err) {
      throw DbError.from(err);
    } finally {
      if (client !== this.client) (client as pg.PoolClient).release();
    }
  }
}

export class PgDb extends PgQueryable implements Db {
  readonly kind = 'pg' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string, poolSize = 10) {
    const pool = new pg.Pool({ connectionString, max: poolSize, types: typeParsers });
    super(pool);
    this.pool = pool;
    // An idle client's error (server restart) must not crash the process; the pool replaces the client.
    pool.on('error', () => undefined);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: { readOnly?: boolean; statementTimeoutMs?: number } = {}): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(opts.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      if (opts.statementTimeoutMs) await client.query(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
      const result = await fn(new PgQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw DbError.wrap(err);
    } finally {
      client.release();
    }
  }

  async *stream(sql: string, params: ReadonlyArray<unknown>, opts: StreamOptions): AsyncGenerator<Row[], void, undefined> {
    const client = await this.pool.connect();
    let cursor: Cursor<Row> | undefined;
    let pid: number | undefined;
    let broken = false;
    const cancel = () => {
      if (pid !== undefined) this.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    };
    try {
      pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      opts.signal?.addEventListener('abort', cancel, { once: true });
      await client.query(opts.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      if (opts.statementTimeoutMs) await client.query(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
      cursor = client.query(new Cursor<Row>(sql, [...params], { rowMode: 'array', types: typeParsers }));
      for (;;) {
        if (opts.signal?.aborted) throw new DbError('query cancelled', '57014');
        const rows = await cursor.read(opts.batchSize);
        if (rows.length === 0) break;
        yield rows;
      }
      await cursor.close();
      cursor = undefined;
      await client.query('COMMIT');
    } catch (err) {
      broken = true;
      throw DbError.wrap(err);
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
      // Only a stream read to its end (and committed) returns its client to the pool. A consumer that stopped early
      // (client disconnect, MAXREC) or an abort leaves the connection in an unknown state, and a late
      // pg_cancel_backend could hit the next user of a pooled client: destroy it instead.
      const discard = broken || cursor !== undefined || opts.signal?.aborted === true;
      client.release(discard ? true : undefined);
    }
  }

  async describe(sql: string, opts: Omit<StreamOptions, 'batchSize'>): Promise<ReadonlyArray<{ name: string; dataTypeID: number }>> {
    return this.transaction(
      async (tx) => {
        await tx.exec('SET LOCAL standard_conforming_strings = on');
        // LIMIT 0 plans the query and stops before reading any row.
        return (await tx.query(`SELECT * FROM (${sql}) AS xtap_describe LIMIT 0`)).fields;
      },
      { readOnly: opts.readOnly, statementTimeoutMs: opts.statementTimeoutMs },
    );
  }

  async *copyOut(sql: string, opts: Omit<StreamOptions, 'batchSize'>): AsyncGenerator<Uint8Array, void, undefined> {
    const client = await this.pool.connect();
    let pid: number | undefined;
    let done = false;
    let copy: ReturnType<typeof copyStreams.to> | undefined;
    const cancel = () => {
      if (pid !== undefined) this.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    };
    const onAbort = () => {
      cancel();
      copy?.destroy();
    };
    try {
      pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      await client.query(opts.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      if (opts.statementTimeoutMs) await client.query(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
      // The translator's inline literals are standard-conforming: backslashes are plain characters.
      await client.query('SET LOCAL standard_conforming_strings = on');
      if (opts.signal?.aborted) throw new DbError('query cancelled', '57014');
      copy = client.query(copyStreams.to(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
      for await (const chunk of copy as AsyncIterable<Buffer>) yield chunk;
      await client.query('COMMIT');
      done = true;
    } catch (err) {
      throw DbError.wrap(err);
    } finally {
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

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
