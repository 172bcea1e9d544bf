/** Public surface of schema/: the single source of table metadata and what is derived from it. */
export * from './types.js';
export { col } from './column-helpers.js';
export { PUBLISHED_SCHEMAS, allTables, findTableDef } from './registry.js';
export { sqlType, createTablesDdl, createTableStatements, isColumnIndexed } from './ddl.js';
export { quoteIdent, quoteLiteral, sqlSchemaName, sqlTableName } from './sql-names.js';
export { tapSchemaRows, TAP_SCHEMA_COLUMN_ORDER, arraysizeToSize, publishedColumnName } from './tap-schema-rows.js';
export type { IsReservedWord, TapSchemaRows } from './tap-schema-rows.js';
export { Catalog, publishedCatalog } from './catalog.js';
export type { CatalogTable } from './catalog.js';
export { TABLE_MIGRATIONS } from './migrations.js';
export type { Migration } from './migrations.js';
export { HEALPIX_ORDER } from './csc2/healpix-column.js';
export { insertRow, copyColumns } from './sql-insert.js';
