/** Declarative metadata types: the one description of every published table, from which DDL, TAP_SCHEMA,
 *  VOSI tables, result FIELDs and ADQL name resolution are derived. Pure; no I/O. Spec: TAP 1.1 §4, VOTable 1.4 §2. */

import type { ColumnMeta, PositionDef } from '../adql/catalog.js';

/** VotableDatatype, ColumnMeta and PositionDef are declared by adql/ (the interfaces it reads); schema implements them. */
export type { ColumnMeta, ColumnRole, PositionDef, VotableDatatype } from '../adql/catalog.js';

/** A column of a stored table: published metadata plus storage and flags. */
export interface ColumnDef extends ColumnMeta {
  principal?: boolean;
  indexed?: boolean;
  std?: boolean;
  /** Rows must carry a value (NOT NULL in the DDL, checked by ingest). */
  required?: boolean;
  /** Inclusive range checked by ingest where the meaning makes one obvious (e.g. dec in [-90, 90]). */
  range?: readonly [number, number];
  /** Integer value that stands for NULL in VOTable serializations (VOTable VALUES null). */
  nullValue?: number;
}

export interface ForeignKeyDef {
  /** Stable key id, published as TAP_SCHEMA.keys.key_id. */
  id: string;
  /** Qualified target table, e.g. 'csc2.stack_source'. */
  target: string;
  columns: ReadonlyArray<{ from: string; target: string }>;
  description: string;
  /** Also create the constraint in the database (false for documented-only links). */
  enforced?: boolean;
}

export interface TableDef {
  schema: string;
  /** Unqualified table name (lower case). */
  name: string;
  description: string;
  utype?: string;
  tableType?: 'table' | 'view';
  /** For tableType 'view': the SELECT that defines it; its output columns are `columns`, in order. */
  viewQuery?: string;
  columns: ReadonlyArray<ColumnDef>;
  primaryKey?: ReadonlyArray<string>;
  foreignKeys?: ReadonlyArray<ForeignKeyDef>;
  /** Extra btree indexes, each a list of columns. Primary-key and healpix indexes are implied. */
  indexes?: ReadonlyArray<ReadonlyArray<string>>;
  position?: PositionDef;
  /** Whether the table holds data loaded by ingest (false for TAP_SCHEMA, whose rows are generated). */
  isCatalog?: boolean;
}

export interface SchemaDef {
  name: string;
  description: string;
  utype?: string;
  tables: ReadonlyArray<TableDef>;
}

export function qualifiedName(t: Pick<TableDef, 'schema' | 'name'>): string {
  return `${t.schema}.${t.name}`;
}
