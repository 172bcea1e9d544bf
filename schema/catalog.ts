/** The catalog the ADQL resolver and the result encoders read: published tables with their PostgreSQL names.
 *  Implements adql/'s `Catalog` interface. Extensible per query (TAP_UPLOAD tables). Pure. */
import type { Catalog as AdqlCatalog, CatalogTable as AdqlCatalogTable } from '../adql/catalog.js';
import { PUBLISHED_SCHEMAS } from './registry.js';
import { sqlSchemaName } from './sql-names.js';
import type { ColumnDef, SchemaDef } from './types.js';

/** adql's table view, with the stored columns' full definitions. */
export interface CatalogTable extends AdqlCatalogTable {
  columns: ReadonlyArray<ColumnDef>;
}

export class Catalog implements AdqlCatalog {
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
