/** Staging tables for transactional loads: rows are COPYed into a temporary copy of the target table (plus the
 *  input row number and a fingerprint of the whole input row), checked for keys repeated within the input, then
 *  upserted by primary key. */
import { hash } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import { quoteIdent, sqlTableName } from '../schema/index.js';
import type { TableDef } from '../schema/index.js';
import { IngestError } from './errors.js';

export interface Staged {
  table: TableDef;
  columns: string[];
  stage: string;
}

export async function createStage(tx: Queryable, table: TableDef, columns: string[]): Promise<Staged> {
  const stage = `xtap_stage_${table.name}`;
  await tx.exec(`DROP TABLE IF EXISTS ${stage}`);
  await tx.exec(`CREATE TEMP TABLE ${stage} (LIKE ${sqlTableName(table)}) ON COMMIT DROP`);
  await tx.exec(`ALTER TABLE ${stage} ADD COLUMN xtap_ord bigint, ADD COLUMN xtap_row text`);
  return { table, columns, stage };
}

/** The bookkeeping columns a loader appends to each staged row, in this order. */
export const STAGE_EXTRA_COLUMNS = ['xtap_ord', 'xtap_row'] as const;

/** A fingerprint of a whole input row (every column, loaded or not), to tell a repeated line from rows that
 *  share a key but differ elsewhere. */
export function rowFingerprint(values: ReadonlyArray<unknown>): string {
  let text = '';
  for (const v of values) text += (v === null || v === undefined ? '\u0002' : String(v)) + '\u0001';
  return hash('sha1', text, 'base64');
}

export async function upsertFromStage(tx: Queryable, s: Staged, where?: string): Promise<number> {
  const pk = s.table.primaryKey ?? [];
  const cols = s.columns.map(quoteIdent).join(', ');
  const pkSql = pk.map(quoteIdent).join(', ');
  const updates = s.columns.filter((c) => !pk.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
  // IS DISTINCT FROM keeps re-loads of identical rows from rewriting (and counting) them.
  const changed = s.columns
    .filter((c) => !pk.includes(c))
    .map((c) => `${sqlTableName(s.table)}.${quoteIdent(c)} IS DISTINCT FROM EXCLUDED.${quoteIdent(c)}`);
  const onConflict = updates.length ? `DO UPDATE SET ${updates.join(', ')} WHERE ${changed.join(' OR ')}` : 'DO NOTHING';
  const r = await tx.query(
    `INSERT INTO ${sqlTableName(s.table)} (${cols}) SELECT DISTINCT ON (${pkSql}) ${cols} FROM ${s.stage} ` +
      `${where ? `WHERE ${where} ` : ''}ORDER BY ${pkSql}, xtap_ord DESC ON CONFLICT (${pkSql}) ${onConflict}`,
  );
  return r.rowCount;
}


/** Refuses a primary key that occurs twice in one input file (a) with different values — two rows claim to be
 *  the same record; the error names both rows, the first column that differs and both values — or (b) on two
 *  identical input lines. Repeats with identical loaded values on lines that
 *  differ elsewhere are legitimate in CSC outputs — a joined CLI file repeats master_source on every detection
 *  row, and a multi-position cone search lists a source once per position that found it (rows differing only in
 *  usrid) — so those are described for the load report instead. */
export async function checkDuplicateKeys(tx: Queryable, s: Staged, file: string): Promise<string | undefined> {
  const pk = s.table.primaryKey ?? [];
  if (pk.length === 0) return undefined;
  const others = s.columns.filter((c) => !pk.includes(c));
  const differs = others.length ? `count(DISTINCT ROW(${others.map(quoteIdent).join(', ')})) > 1` : 'FALSE';
  const sameLine = 'count(DISTINCT xtap_row) < count(xtap_row)';
  const r = await tx.query(
    `SELECT ${pk.map((c) => `${quoteIdent(c)}::text`).join(', ')}, min(xtap_ord)::text, (array_agg(xtap_ord ORDER BY xtap_ord))[2]::text, ${differs}, ${sameLine}, ` +
      `count(*) OVER ()::text FROM ${s.stage} GROUP BY ${pk.map(quoteIdent).join(', ')} HAVING count(*) > 1 ` +
      `ORDER BY ${pk.length + 3} DESC, ${pk.length + 4} DESC, ${pk.length + 1} LIMIT 1`,
  );
  const hit = r.rows[0];
  if (!hit) return undefined;
  const key = pk.map((c, i) => `${c} = ${String(hit[i])}`).join(', ');
  const [first, second, conflicting, repeatedLine, keys] = hit.slice(pk.length);
  if (conflicting === true) {
    const d = await firstDifference(tx, s, pk, others, hit.slice(0, pk.length));
    throw new IngestError(
      'DUPLICATE_KEY',
      `${sqlTableName(s.table)} key ${key} occurs on rows ${d.rows[0]} and ${d.rows[1]} with different values: ${d.column} is ` +
        `${d.values[0]} on row ${d.rows[0]} and ${d.values[1]} on row ${d.rows[1]}; a file must hold each record once`,
      { file, row: d.rows[1], column: d.column },
    );
  }
  if (repeatedLine === true) {
    throw new IngestError('DUPLICATE_KEY', `${sqlTableName(s.table)} key ${key} occurs again (first at row ${String(first)}) on an identical line; a file must hold each record once`, {
      file,
      row: Number(second),
    });
  }
  return `${String(keys)} ${sqlTableName(s.table)} key(s) occur on more than one row with identical values and were stored once (e.g. ${key}, rows ${String(first)} and ${String(second)})`;
}

/** The first row of a repeated key whose loaded values differ from the key's first row, and the first column
 *  that differs, with both values as text (NULL for a null). */
async function firstDifference(
  tx: Queryable,
  s: Staged,
  pk: ReadonlyArray<string>,
  others: ReadonlyArray<string>,
  keyValues: ReadonlyArray<unknown>,
): Promise<{ rows: [number, number]; column: string; values: [string, string] }> {
  const where = pk.map((c, i) => `${quoteIdent(c)}::text = $${i + 1}`).join(' AND ');
  const rows = (
    await tx.query(`SELECT xtap_ord::text, ${others.map((c) => `${quoteIdent(c)}::text`).join(', ')} FROM ${s.stage} WHERE ${where} ORDER BY ${s.stage}.xtap_ord`, [...keyValues])
  ).rows;
  const [base, ...rest] = rows;
  const show = (v: unknown) => (v === null || v === undefined ? 'NULL' : JSON.stringify(String(v)));
  for (const row of rest) {
    const i = others.findIndex((_c, j) => base?.[j + 1] !== row[j + 1]);
    if (i >= 0) return { rows: [Number(base?.[0]), Number(row[0])], column: others[i] ?? '', values: [show(base?.[i + 1]), show(row[i + 1])] };
  }
  // Not reached: the caller saw distinct values. Name the rows anyway.
  return { rows: [Number(base?.[0]), Number(rest[0]?.[0])], column: others[0] ?? '', values: ['?', '?'] };
}
