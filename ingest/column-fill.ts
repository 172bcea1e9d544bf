/** Which published columns hold data in this deployment. `refreshColumnFill` counts the non-NULL values of every
 *  column of every published table (views excluded) into xtap.column_fill (schema_name, table_name, column_name,
 *  non_null_rows, table_rows, refreshed_at) and then `markEmptyColumns` appends EMPTY_COLUMN_NOTE to the
 *  TAP_SCHEMA.columns description of each column with no value, so TOPCAT, pyvo and the web page can tell an empty
 *  column from a sparse one. Run after every ingest (one scan per table); at start-up only the cheap marking runs,
 *  because publishTapSchema rewrites the descriptions from the metadata. */
import { isReservedWord } from '../adql/index.js';
import type { Queryable } from '../db/index.js';
import { publishedColumnName, quoteIdent, sqlTableName } from '../schema/index.js';
import type { SchemaDef } from '../schema/index.js';

export const EMPTY_COLUMN_NOTE = ' [empty in this deployment: no row has a value]';

/** Recounts the non-NULL values of every published column, then marks the empty ones in TAP_SCHEMA. */
export async function refreshColumnFill(db: Queryable, schemas: ReadonlyArray<SchemaDef>): Promise<void> {
  for (const s of schemas) {
    if (s.name.toLowerCase() === 'tap_schema') continue;
    for (const t of s.tables) {
      if (t.tableType === 'view' || t.columns.length === 0) continue;
      const counts = t.columns.map((c) => `count(${quoteIdent(c.name)})`).join(', ');
      const r = await db.query(`SELECT count(*), ${counts} FROM ${sqlTableName(t)}`);
      const row = r.rows[0] ?? [];
      const tableName = `${t.schema}.${t.name}`;
      await db.query('DELETE FROM xtap.column_fill WHERE schema_name = $1 AND table_name = $2', [t.schema, tableName]);
      await db.query(
        'INSERT INTO xtap.column_fill (schema_name, table_name, column_name, non_null_rows, table_rows, refreshed_at) ' +
          'SELECT $1, $2, u.column_name, u.non_null_rows, $5, now() FROM unnest($3::text[], $4::bigint[]) AS u(column_name, non_null_rows)',
        [t.schema, tableName, t.columns.map((c) => publishedColumnName(c.name, isReservedWord)), t.columns.map((_, i) => String(row[i + 1] ?? 0)), String(row[0] ?? 0)],
      );
    }
  }
  await markEmptyColumns(db);
}

/** Appends EMPTY_COLUMN_NOTE to the TAP_SCHEMA description of every column xtap.column_fill counts as empty in a
 *  table that has rows (an empty table says nothing about its columns). Idempotent. */
export async function markEmptyColumns(db: Queryable): Promise<void> {
  await db.query(
    'UPDATE tap_schema.columns AS c SET description = coalesce(c.description, \'\') || $1 FROM xtap.column_fill AS f ' +
      'WHERE f.table_name = c.table_name AND f.column_name = c.column_name AND f.non_null_rows = 0 AND f.table_rows > 0 ' +
      'AND position($1 in coalesce(c.description, \'\')) = 0',
    [EMPTY_COLUMN_NOTE],
  );
}
