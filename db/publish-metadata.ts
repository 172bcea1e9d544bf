/** Rewrites the TAP_SCHEMA tables from the metadata in one transaction (run at every start: the rows are derived
 *  data, so a changed description or a new table shows up without a migration). Serialised by an advisory lock:
 *  two servers starting together on one database would otherwise both delete the old rows and both insert. */
import { isReservedWord } from '../adql/index.js';
import { TAP_SCHEMA_COLUMN_ORDER, tapSchemaRows } from '../schema/index.js';
import type { SchemaDef, TapSchemaRows } from '../schema/index.js';
import type { Db } from './types.js';

const PUBLISH_LOCK_KEY = 7_302_115; // arbitrary constant shared by every xtap process (migrate.ts uses 7_302_114)

export async function publishTapSchema(db: Db, schemas: ReadonlyArray<SchemaDef>): Promise<void> {
  const rows = tapSchemaRows(schemas, isReservedWord);
  const order: Array<keyof TapSchemaRows> = ['key_columns', 'keys', 'columns', 'tables', 'schemas'];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PUBLISH_LOCK_KEY]);
    for (const t of order) await tx.exec(`DELETE FROM tap_schema.${t}`);
    for (const t of [...order].reverse()) {
      await tx.copyIn(`tap_schema."${t}"`, TAP_SCHEMA_COLUMN_ORDER[t], [rows[t]]);
    }
  });
}
