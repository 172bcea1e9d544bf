/** Db adapter for embedded PostgreSQL (PGlite, WASM, in-process): the zero-setup default. PGlite runs one
 *  session, so every transaction and every open stream holds it exclusively; large catalogues belong on pg. */
import { PGlite, types } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { quoteIdent } from '../schema/sql-names.js';
import { encodeCopyCsv } from './copy-csv.js';
import { OID, parseInt8, parseInt8Array, parseNumeric, parseTimestamp } from './type-parsers.js';
import { DbError } from './types.js';
import type { Db, QueryResult, Queryable, Row, StreamOptions } from './types.js';

const parsers = {
  [OID.INT8]: parseInt8,
  [OID.NUMERIC]: parseNumeric,
  [OID.TIMESTAMP]: parseTimestamp,
  [OID.INT8_ARRAY]: parseInt8Array,
};

/** Rows per COPY statement: PGlite copies from an in-memory blob, so large loads go in slices. */
const COPY_SLICE_ROWS = 20_000;

type Session = PGlite | Transaction;

class PgliteQueryable implements Queryable {
  constructor(protected readonly session: Session) {}

  async query(sql: string, params: ReadonlyArray<unknown> = []): Promise<QueryResult> {
    try {
      const r = await this.session.query<Row>(sql, [...params], { rowMode: 'array' });
      return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), rowCount: r.affectedRows ?? r.rows.length };
    } catch (err) {
      throw DbError.from(err);
    }
  }

  async queryObjects<T extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []): Promise<T[]> {
    try {
      return (await this.session.query<T>(sql, [...params])).rows;
    } catch (err) {
      throw DbError.from(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.session.exec(sql);
    } catch (err) {
      throw DbError.from(err);
    }
  }

  async copyIn(table: string, columns: ReadonlyArray<string>, batches: AsyncIterable<Row[]> | Iterable<Row[]>): Promise<number> {
    const cols = columns.map(quoteIdent).join(', ');
    const sql = `COPY ${table} (${cols}) FROM '/dev/blob' WITH (FORMAT csv)`;
    let pending: string[] = [];
    let pendingRows = 0;
    let count = 0;
    const flush = async () => {
      if (pendingRows === 0) return;
      try {
        await this.session.query(sql, [], { blob: new Blob(pending) });
      } catch (err) {
        throw DbError.from(err);
      }
      pending = [];
      pendingRows = 0;
    };
    for await (const batch of batches) {
      pending.push(encodeCopyCsv(batch));
      pendingRows += batch.length;
      count += batch.length;
      if (pendingRows >= COPY_SLICE_ROWS) await flush();
    }
    await flush();
    return count;
  }
}

export class PgliteDb extends PgliteQueryable implements Db {
  readonly kind = 'pglite' as const;

  private constructor(private readonly pglite: PGlite) {
    super(pglite);
  }

  /** Opens (creating if needed) a database in dataDir; 'memory://' keeps it in memory (tests). */
  static async open(dataDir: string): Promise<PgliteDb> {
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    const pglite = await PGlite.create(dataDir, { parsers });
    return new PgliteDb(pglite);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: { readOnly?: boolean; statementTimeoutMs?: number } = {}): Promise<T> {
    try {
      return await this.pglite.transaction(async (tx) => {
        if (opts.readOnly) await tx.exec('SET TRANSACTION READ ONLY');
        if (opts.statementTimeoutMs) await tx.exec(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
        return fn(new PgliteQueryable(tx));
      });
    } catch (err) {
      throw DbError.wrap(err);
    }
  }

  /** Streams through DECLARE/FETCH inside a transaction that stays open while the consumer reads. The
   *  transaction runs in its own task; batches cross over through a one-slot hand-off (backpressure). */
  async *stream(sql: string, params: ReadonlyArray<unknown>, opts: StreamOptions): AsyncGenerator<Row[], void, undefined> {
    type Slot = { rows: Row[] } | { done: true } | { error: unknown };
    let deliver!: (s: Slot) => void;
    let next = new Promise<Slot>((r) => (deliver = r));
    let consumerReady!: (stop: boolean) => void;
    let demand = new Promise<boolean>((r) => (consumerReady = r));

    const task = this.pglite
      .transaction(async (tx) => {
        if (opts.readOnly) await tx.exec('SET TRANSACTION READ ONLY');
        if (opts.statementTimeoutMs) await tx.exec(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
        await tx.query(`DECLARE xtap_cursor NO SCROLL CURSOR FOR ${sql}`, [...params]);
        for (;;) {
          const r = await tx.query<Row>(`FETCH ${Math.max(1, Math.floor(opts.batchSize))} FROM xtap_cursor`, [], { rowMode: 'array' });
          if (r.rows.length === 0) break;
          deliver({ rows: r.rows });
          const stop = await demand;
          if (stop) break;
        }
        await tx.exec('CLOSE xtap_cursor');
      })
      .then(
        () => deliver({ done: true }),
        (error: unknown) => deliver({ error }),
      );

    let finished = false;
    try {
      for (;;) {
        if (opts.signal?.aborted) throw new DbError('query cancelled', '57014');
        const slot = await next;
        next = new Promise<Slot>((r) => (deliver = r));
        if ('done' in slot) {
          finished = true;
          return;
        }
        if ('error' in slot) {
          finished = true;
          throw DbError.from(slot.error);
        }
        yield slot.rows;
        const resume = consumerReady;
        demand = new Promise<boolean>((r) => (consumerReady = r));
        resume(false);
      }
    } finally {
      if (!finished) {
        consumerReady(true);
        await task;
      }
    }
  }

  async close(): Promise<void> {
    if (this.pglite.closed) return;
    await this.pglite.close();
  }
}

export { types as pgliteTypes };
