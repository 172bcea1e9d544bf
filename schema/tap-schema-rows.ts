/** Generates the rows of TAP_SCHEMA 1.1 (schemas, tables, columns, keys, key_columns) from the metadata.
 *  Pure. Spec: TAP 1.1 §4 ("size" is the integer form of arraysize; reserved-word column names are quoted). */
import { isColumnIndexed } from './ddl.js';
import { tapSchema } from './tap-schema.js';
import type { ColumnDef, SchemaDef } from './types.js';
import { qualifiedName } from './types.js';

export type TapSchemaRows = {
  schemas: unknown[][];
  tables: unknown[][];
  columns: unknown[][];
  keys: unknown[][];
  key_columns: unknown[][];
};

const TAP_SCHEMA_TABLES: ReadonlyArray<keyof TapSchemaRows> = ['schemas', 'tables', 'columns', 'keys', 'key_columns'];

/** Column order of each TAP_SCHEMA table's rows: the column order of its definition in tap-schema.ts. */
export const TAP_SCHEMA_COLUMN_ORDER: Readonly<Record<keyof TapSchemaRows, string[]>> = Object.fromEntries(
  TAP_SCHEMA_TABLES.map((name) => {
    const def = tapSchema.tables.find((t) => t.name === name);
    if (!def) throw new Error(`tap-schema.ts defines no TAP_SCHEMA.${name}`);
    return [name, def.columns.map((c) => c.name)];
  }),
) as Record<keyof TapSchemaRows, string[]>;

/** Whether a name is an ADQL reserved word (adql's isReservedWord; passed in so schema/ need not import adql/). */
export type IsReservedWord = (name: string) => boolean;

/** The name under which a column is published in TAP_SCHEMA: delimited when it is an ADQL reserved word. */
export function publishedColumnName(name: string, isReservedWord: IsReservedWord): string {
  return isReservedWord(name) ? `"${name}"` : name;
}

/** Integer form of an arraysize for TAP_SCHEMA.columns."size": '22*' → 22, '8' → 8; '*' and multi-dim → null. */
export function arraysizeToSize(arraysize: string | undefined): number | null {
  if (!arraysize) return null;
  const m = /^(\d+)\*?$/.exec(arraysize);
  return m ? Number(m[1]) : null;
}

const flag = (b: boolean | undefined): number => (b ? 1 : 0);
const orNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

export function tapSchemaRows(schemas: ReadonlyArray<SchemaDef>, isReservedWord: IsReservedWord): TapSchemaRows {
  const out: TapSchemaRows = { schemas: [], tables: [], columns: [], keys: [], key_columns: [] };
  let tableIndex = 0;
  schemas.forEach((s, si) => {
    out.schemas.push([s.name, orNull(s.utype), s.description, si]);
    for (const t of s.tables) {
      const tname = qualifiedName(t);
      out.tables.push([s.name, tname, t.tableType ?? 'table', orNull(t.utype), t.description, tableIndex++]);
      t.columns.forEach((c: ColumnDef, ci) => {
        out.columns.push([
          tname, publishedColumnName(c.name, isReservedWord), orNull(c.utype), orNull(c.ucd), orNull(c.unit), c.description,
          c.datatype, orNull(c.arraysize), orNull(c.xtype), arraysizeToSize(c.arraysize),
          flag(c.principal), flag(isColumnIndexed(t, c.name)), flag(c.std), ci,
        ]);
      });
      for (const fk of t.foreignKeys ?? []) {
        out.keys.push([fk.id, tname, fk.target, null, fk.description]);
        for (const kc of fk.columns) out.key_columns.push([fk.id, kc.from, kc.target]);
      }
    }
  });
  return out;
}
