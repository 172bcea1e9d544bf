/** The catalog the ADQL resolver and the result encoders read: published tables with their PostgreSQL names.
 *  Extensible per query (TAP_UPLOAD tables). Pure. */
import { PUBLISHED_SCHEMAS } from './registry.js';
import { sqlSchemaName } from './sql-names.js';
import type { ColumnDef, PositionDef, SchemaDef } from './types.js';

export interface CatalogTable {
  /** Published schema name, e.g. 'csc2', 'TAP_SCHEMA', 'TAP_UPLOAD'. */
  schema: string;
  /** Published table name, e.g. 'master_source'. */
  name: string;
  /** PostgreSQL schema and table names (unquoted); quote with quoteIdent. */
  sqlSchema: string;
  sqlName: string;
  description: string;
  columns: ReadonlyArray<ColumnDef>;
  /** Name of each column in PostgreSQL, when it differs from the published name (uploads). */
  sqlColumnNames?: Readonly<Record<string, string>>;
  position?: PositionDef;
}

export class Catalog {
  readonly tables: ReadonlyArray<CatalogTable>;

  constructor(tables: ReadonlyArray<CatalogTable>) {
    this.tables = tables;
  }

  static fromSchemas(schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): Catalog {
    return new Catalog(
      schemas.flatMap((s) =>
        s.tables.map((t) => ({
          schema: s.name,
          name: t.name,
          sqlSchema: sqlSchemaName(s.name),
          sqlName: t.name.toLowerCase(),
          description: t.description,
          columns: t.columns,
          position: t.position,
        })),
      ),
    );
  }

  /** A catalog with extra tables (e.g. the uploads of one query). */
  extend(extra: ReadonlyArray<CatalogTable>): Catalog {
    return new Catalog([...this.tables, ...extra]);
  }
}

let published: Catalog | undefined;
/** The catalog of everything this service publishes (built once; metadata is immutable). */
export function publishedCatalog(): Catalog {
  published ??= Catalog.fromSchemas();
  return published;
}
