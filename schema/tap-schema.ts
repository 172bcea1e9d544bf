/** TAP_SCHEMA 1.1 (TAP 1.1 §4): described with the same metadata types as every other table, so it describes
 *  itself. Its rows are generated from the metadata (tap-schema-rows.ts), never written by hand. */
import { col } from './column-helpers.js';
import type { ColumnDef, SchemaDef, TableDef } from './types.js';

const std = (c: ColumnDef): ColumnDef => ({ ...c, std: true, principal: true });
const text = (name: string, description: string, required = false) =>
  std(col(name, 'char', '', '', description, { required }));
const int = (name: string, description: string) => std(col(name, 'int', '', '', description));

const schemas: TableDef = {
  schema: 'TAP_SCHEMA',
  name: 'schemas',
  description: 'Schemas published by this service',
  columns: [
    text('schema_name', 'Fully qualified schema name', true),
    text('utype', 'Lists the utypes of schemas in the tableset'),
    text('description', 'Brief description of the schema'),
    int('schema_index', 'Recommended sort order when listing schemas'),
  ],
  primaryKey: ['schema_name'],
};

const tables: TableDef = {
  schema: 'TAP_SCHEMA',
  name: 'tables',
  description: 'Tables published by this service',
  columns: [
    text('schema_name', 'The schema name from TAP_SCHEMA.schemas', true),
    text('table_name', 'The fully qualified table name', true),
    text('table_type', "One of: table or view", true),
    text('utype', 'Lists the utype of tables in the tableset'),
    text('description', 'Brief description of the table'),
    int('table_index', 'Recommended sort order when listing tables'),
  ],
  primaryKey: ['table_name'],
  foreignKeys: [
    {
      id: 'tap_schema_tables_schema',
      target: 'TAP_SCHEMA.schemas',
      columns: [{ from: 'schema_name', target: 'schema_name' }],
      description: 'The schema of the table',
    },
  ],
};

const columns: TableDef = {
  schema: 'TAP_SCHEMA',
  name: 'columns',
  description: 'Columns of the tables published by this service',
  columns: [
    text('table_name', 'The table this column belongs to', true),
    text('column_name', 'The column name', true),
    text('utype', 'Lists the utypes of columns in the tableset'),
    text('ucd', 'Lists the UCDs of columns in the tableset'),
    text('unit', 'Lists the unit used for column values in the tableset'),
    text('description', 'Describes the columns in the tableset'),
    text('datatype', 'Lists the VOTable datatype of columns in the tableset', true),
    text('arraysize', 'Lists the size of variable-length columns in the tableset'),
    text('xtype', 'A DALI or custom extended type annotation'),
    int('size', 'Deprecated: use arraysize'),
    int('principal', '1 if the column is principal (of most interest; clients show it by default), else 0'),
    int('indexed', '1 if the column is indexed in the database (constraints on it are fast), else 0'),
    int('std', '1 if the column is defined by a standard (e.g. the TAP_SCHEMA columns of TAP 1.1), else 0'),
    int('column_index', 'Recommended sort order when listing columns of a table'),
  ],
  primaryKey: ['table_name', 'column_name'],
  foreignKeys: [
    {
      id: 'tap_schema_columns_table',
      target: 'TAP_SCHEMA.tables',
      columns: [{ from: 'table_name', target: 'table_name' }],
      description: 'The table of the column',
    },
  ],
};

const keys: TableDef = {
  schema: 'TAP_SCHEMA',
  name: 'keys',
  description: 'Foreign keys between the tables published by this service',
  columns: [
    text('key_id', 'Unique key identifier', true),
    text('from_table', 'Fully qualified table name', true),
    text('target_table', 'Fully qualified table name', true),
    text('utype', 'Lists the utype of keys in the tableset'),
    text('description', 'Describes keys in the tableset'),
  ],
  primaryKey: ['key_id'],
  foreignKeys: [
    {
      id: 'tap_schema_keys_from',
      target: 'TAP_SCHEMA.tables',
      columns: [{ from: 'from_table', target: 'table_name' }],
      description: 'The table the key starts from',
    },
    {
      id: 'tap_schema_keys_target',
      target: 'TAP_SCHEMA.tables',
      columns: [{ from: 'target_table', target: 'table_name' }],
      description: 'The table the key points to',
    },
  ],
};

const keyColumns: TableDef = {
  schema: 'TAP_SCHEMA',
  name: 'key_columns',
  description: 'Columns of the foreign keys in TAP_SCHEMA.keys',
  columns: [
    text('key_id', 'Key identifier from TAP_SCHEMA.keys', true),
    text('from_column', 'Key column name in the from_table', true),
    text('target_column', 'Key column name in the target_table', true),
  ],
  primaryKey: ['key_id', 'from_column'],
  foreignKeys: [
    {
      id: 'tap_schema_key_columns_key',
      target: 'TAP_SCHEMA.keys',
      columns: [{ from: 'key_id', target: 'key_id' }],
      description: 'The key this column belongs to',
    },
  ],
};

export const tapSchema: SchemaDef = {
  name: 'TAP_SCHEMA',
  description: 'Metadata of the tables published by this service (TAP 1.1 §4)',
  tables: [schemas, tables, columns, keys, keyColumns],
};
