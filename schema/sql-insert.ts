/** INSERT and COPY column lists built from a table definition, so ingest never writes a column list by hand:
 *  the row's keys are checked against the definition and put in its column order. Pure. */
import { quoteIdent, sqlTableName } from './sql-names.js';
import type { TableDef } from './types.js';

/** A parameterised INSERT of one row of `table`: one `$n` per key of `row`, in the table's column order, then
 *  `tail` (e.g. an ON CONFLICT clause). Throws on a key that is not a column or a required column left out. */
export function insertRow(table: TableDef, row: Readonly<Record<string, unknown>>, tail = ''): { sql: string; params: unknown[] } {
  const known = new Set(table.columns.map((c) => c.name));
  const unknown = Object.keys(row).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`insertRow: ${table.schema}.${table.name} has no column ${unknown.join(', ')}`);
  const missing = table.columns.filter((c) => c.required && !(c.name in row)).map((c) => c.name);
  if (missing.length) throw new Error(`insertRow: ${table.schema}.${table.name} needs ${missing.join(', ')}`);
  const columns = table.columns.filter((c) => c.name in row).map((c) => c.name);
  const sql =
    `INSERT INTO ${sqlTableName(table)} (${columns.map(quoteIdent).join(', ')}) ` +
    `VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})${tail ? ` ${tail}` : ''}`;
  return { sql, params: columns.map((c) => row[c]) };
}

/** Every column of `table` in definition order: the column list of a COPY that writes whole rows. */
export function copyColumns(table: TableDef): string[] {
  return table.columns.map((c) => c.name);
}
