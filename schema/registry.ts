/** Every schema this service publishes, in listing order. The one list DDL, TAP_SCHEMA and the ADQL catalog read. */
import { csc2Schema } from './csc2/index.js';
import { mlSchema } from './ml/index.js';
import { tapSchema } from './tap-schema.js';
import type { SchemaDef, TableDef } from './types.js';
import { qualifiedName } from './types.js';

export const PUBLISHED_SCHEMAS: ReadonlyArray<SchemaDef> = [csc2Schema, mlSchema, tapSchema];

export function allTables(schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): TableDef[] {
  return schemas.flatMap((s) => s.tables);
}

export function findTableDef(qualified: string, schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): TableDef {
  const want = qualified.toLowerCase();
  const t = allTables(schemas).find((x) => qualifiedName(x).toLowerCase() === want);
  if (!t) throw new Error(`no published table ${qualified}`);
  return t;
}
