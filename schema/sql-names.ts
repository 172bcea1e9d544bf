/** How published (ADQL) names map to PostgreSQL names, and the one identifier-quoting function. Published schema,
 *  table and column names are regular identifiers; PostgreSQL stores them lower-cased (TAP_SCHEMA → tap_schema). */
import { quoteIdent } from '../adql/catalog.js';
import type { TableDef } from './types.js';

/** Declared in adql/catalog.ts (the translator quotes with it too); re-exported as schema's quoting function. */
export { quoteIdent };

export function sqlSchemaName(publishedSchema: string): string {
  return publishedSchema.toLowerCase();
}

/** Quoted, qualified PostgreSQL name of a published table: "csc2"."master_source". */
export function sqlTableName(t: Pick<TableDef, 'schema' | 'name'>): string {
  return `${quoteIdent(sqlSchemaName(t.schema))}.${quoteIdent(t.name.toLowerCase())}`;
}

/** Quotes a SQL string literal (for DDL comments only; data always travels as bound parameters). */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
