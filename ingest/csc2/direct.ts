/** The fast path of a CSC2 load: rows of a file that fills one table which is still empty go by a single COPY
 *  straight into that table (no staging table, no upsert), the COPY fed while the file is still being parsed: CSV
 *  as the scanner's byte batches validated column by column (copy-encode.ts, no string per value), VOTable rows
 *  converted per value; secondary indexes are built after the load (deferSecondaryIndexes). The caller runs it under a savepoint and
 *  falls back to the staging path when PostgreSQL refuses the rows (a key repeated in the file, a foreign key), so
 *  the outcome and the error messages are those of the staging path. */
import { healpixIndex } from '../../adql/geometry/index.js';
import type { Queryable } from '../../db/index.js';
import { sqlTableName } from '../../schema/index.js';
import type { TableDef } from '../../schema/index.js';
import { IngestError } from '../errors.js';
import type { Progress } from '../progress.js';
import type { RawRow, TableInput } from '../readers/types.js';
import type { ColumnTarget } from './layout.js';
import { ValueError, copyValueConverter } from './values.js';
import { CopyBatchEncoder } from './copy-encode.js';
import type { CsvBatch } from '../readers/csv-scan.js';

export interface DirectLoadResult {
  rows: number;
  /** Values of the `name` column (master_source loads), for classification on ingest. */
  names: string[];
}

/** True when the table has no row (a direct COPY then cannot conflict with stored rows). */
export async function isEmptyTable(tx: Queryable, def: TableDef): Promise<boolean> {
  const r = await tx.query(`SELECT NOT EXISTS (SELECT 1 FROM ${sqlTableName(def)})`);
  return r.rows[0]?.[0] === true;
}

/** Drops the table's secondary indexes (neither unique nor backing a constraint, e.g. the HEALPix index) before a
 *  bulk load into the empty table and returns the statements that build them again: one sort after the load costs
 *  less than keeping a random-order index up to date row by row. Runs in the load's transaction, so a failed load
 *  rolls the drop back with everything else; until the commit the table is held exclusively (readers wait, as they
 *  would find it empty anyway). Primary keys and unique indexes stay, so PostgreSQL still refuses a repeated key
 *  during the COPY and foreign keys keep their index. */
export async function deferSecondaryIndexes(tx: Queryable, def: TableDef): Promise<string[]> {
  const r = await tx.query(
    `SELECT format('%I.%I', n.nspname, c.relname), pg_get_indexdef(i.indexrelid) FROM pg_index i ` +
      `JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1`,
    [sqlTableName(def)],
  );
  for (const row of r.rows) await tx.exec(`DROP INDEX ${String(row[0])}`);
  return r.rows.map((row) => String(row[1]));
}

/** Error raised by PostgreSQL for rows it refuses (SQLSTATE class 23: unique, foreign key, check, not null). */
export function isIntegrityViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('23');
}

function describe(t: ColumnTarget): string {
  const c = t.column;
  return `${c.datatype}${c.unit ? ` in ${c.unit}` : ''}${c.required ? ', required' : ''}`;
}

/** COPYs the input's rows into `def` (columns `targets`, plus the HEALPix column for positional tables). */
export async function copyDirect(tx: Queryable, input: TableInput, def: TableDef, targets: ReadonlyArray<ColumnTarget>, progress: Progress): Promise<DirectLoadResult> {
  if (input.csv) return copyDirectCsv(tx, input.file, input.csv.batches(), def, targets, progress);
  const converters = targets.map((t) => copyValueConverter(t.column));
  const indices = targets.map((t) => t.index);
  const columns = targets.map((t) => t.column.name);
  const pos = def.position;
  const raIdx = pos ? targets.findIndex((t) => t.column.name === pos.ra) : -1;
  const decIdx = pos ? targets.findIndex((t) => t.column.name === pos.dec) : -1;
  if (pos) columns.push(pos.healpix);
  const nameIdx = def.name === 'master_source' ? targets.findIndex((t) => t.column.name === 'name') : -1;
  const names: string[] = [];
  const width = targets.length;
  let failure: unknown;
  let rows = 0;

  const convertBatch = (batch: RawRow[]): unknown[][] => {
    const out = new Array<unknown[]>(batch.length);
    for (let r = 0; r < batch.length; r++) {
      const raw = batch[r] as RawRow;
      const values = raw.values;
      const row = new Array<unknown>(pos ? width + 1 : width);
      let j = 0;
      try {
        for (; j < width; j++) row[j] = (converters[j] as (v: unknown) => unknown)(values[indices[j] as number]);
      } catch (err) {
        const t = targets[j] as ColumnTarget;
        if (err instanceof ValueError) {
          throw new IngestError('BAD_VALUE', `${err.message} (${describe(t)})`, { file: input.file, row: raw.row, column: t.inputName }, { cause: err });
        }
        throw err;
      }
      if (pos) {
        const ra = raIdx >= 0 ? Number(row[raIdx] ?? Number.NaN) : Number.NaN;
        const dec = decIdx >= 0 ? Number(row[decIdx] ?? Number.NaN) : Number.NaN;
        row[width] = Number.isFinite(ra) && Number.isFinite(dec) ? BigInt(healpixIndex(ra, dec, pos.order)) : null;
      }
      if (nameIdx >= 0 && typeof row[nameIdx] === 'string') names.push(row[nameIdx]);
      out[r] = row;
    }
    return out;
  };

  async function* converted(): AsyncGenerator<unknown[][]> {
    try {
      for await (const batch of input.batches) {
        const out = convertBatch(batch);
        rows += batch.length;
        progress.advance(batch.length);
        yield out;
      }
    } catch (err) {
      failure = err;
      throw err;
    }
  }

  try {
    await tx.copyIn(sqlTableName(def), columns, converted());
  } catch (err) {
    // An input error stopped the COPY: report it, not the aborted COPY.
    throw failure ?? err;
  }
  return { rows, names };
}

/** CSV inputs: the scanner's byte batches validated column by column and written as COPY CSV bytes (copy-encode.ts),
 *  each batch encoded while PostgreSQL is still reading the previous one. */
async function copyDirectCsv(
  tx: Queryable,
  file: string,
  batches: AsyncIterable<CsvBatch>,
  def: TableDef,
  targets: ReadonlyArray<ColumnTarget>,
  progress: Progress,
): Promise<DirectLoadResult> {
  const encoder = new CopyBatchEncoder(file, def, targets, def.name === 'master_source');
  const names: string[] = [];
  let rows = 0;
  let failure: unknown;
  async function* encoded(): AsyncGenerator<Uint8Array> {
    try {
      for await (const batch of batches) {
        const out = encoder.encode(batch);
        for (const n of out.names) names.push(n);
        rows += batch.rows;
        progress.advance(batch.rows);
        yield out.bytes;
      }
    } catch (err) {
      failure = err;
      throw err;
    }
  }
  try {
    await tx.copyInCsv(sqlTableName(def), encoder.columns, encoded());
  } catch (err) {
    throw failure ?? err;
  }
  return { rows, names };
}
