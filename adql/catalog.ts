/** What adql/ needs from the outside world, declared here so that adql/ imports nothing from the rest of the repo:
 *  the column metadata it carries into results, the tables it resolves names against (the `Catalog` interface,
 *  implemented by schema/catalog.ts and by per-query upload tables) and the one identifier-quoting function.
 *  schema/ re-exports these and may import nothing else from adql/. Pure. */

/** VOTable primitive datatypes (VOTable 1.4 §2.1); also the values of TAP_SCHEMA.columns.datatype. */
export type VotableDatatype =
  | 'boolean'
  | 'bit'
  | 'unsignedByte'
  | 'short'
  | 'int'
  | 'long'
  | 'char'
  | 'unicodeChar'
  | 'float'
  | 'double'
  | 'floatComplex'
  | 'doubleComplex';

/** Metadata of one column, as published in TAP_SCHEMA.columns and carried by result FIELDs. */
export interface ColumnMeta {
  /** Regular ADQL identifier, lower case; the PostgreSQL column has the same name. */
  name: string;
  datatype: VotableDatatype;
  /** VOTable arraysize: undefined for scalars, e.g. '*', '22*', '24x16'. */
  arraysize?: string;
  xtype?: string;
  /** VOUnit string. */
  unit?: string;
  /** UCD1+ string. */
  ucd?: string;
  utype?: string;
  description: string;
  /** What the column identifies, for services that act on it. 'source-name': it holds CSC2 master source names
   *  (DataLink's {links} ID). Kept on result columns that are plain column references. */
  role?: ColumnRole;
}

export type ColumnRole = 'source-name';

/** Sky position columns of a table; drives the HEALPix index column and cone translation. */
export interface PositionDef {
  ra: string;
  dec: string;
  /** Name of the HEALPix (nested) index column. */
  healpix: string;
  /** HEALPix order of that column. */
  order: number;
}

/** One table as the resolver sees it. */
export interface CatalogTable {
  /** Published schema name, e.g. 'csc2', 'TAP_SCHEMA', 'TAP_UPLOAD'. */
  schema: string;
  /** Published table name, e.g. 'master_source'. */
  name: string;
  /** PostgreSQL schema and table names (unquoted); quote with quoteIdent. */
  sqlSchema: string;
  sqlName: string;
  description: string;
  columns: ReadonlyArray<ColumnMeta>;
  /** Name of each column in PostgreSQL, when it differs from the published name (uploads). */
  sqlColumnNames?: Readonly<Record<string, string>>;
  position?: PositionDef;
}

/** The tables a query may name. */
export interface Catalog {
  readonly tables: ReadonlyArray<CatalogTable>;
}

/** Quotes a PostgreSQL identifier. The only way an identifier may enter generated SQL. */
export function quoteIdent(name: string): string {
  // Most names have no quote: no regular-expression pass for them (three calls per result column).
  return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
}
