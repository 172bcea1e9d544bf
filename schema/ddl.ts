/** Generates PostgreSQL DDL (schemas, tables, keys, indexes, comments) from the table metadata. Pure. */
import { quoteIdent, quoteLiteral, sqlSchemaName, sqlTableName } from './sql-names.js';
import type { ColumnDef, SchemaDef, TableDef } from './types.js';
import { findTableDef } from './registry.js';

const SCALAR_SQL_TYPES: Record<ColumnDef['datatype'], string> = {
  boolean: 'boolean',
  bit: 'boolean',
  unsignedByte: 'smallint',
  short: 'smallint',
  int: 'integer',
  long: 'bigint',
  char: 'text',
  unicodeChar: 'text',
  float: 'real',
  double: 'double precision',
  floatComplex: 'real[]',
  doubleComplex: 'double precision[]',
};

/** The PostgreSQL type that stores a column. Arrays of numbers become PostgreSQL arrays, character arrays text. */
export function sqlType(c: ColumnDef): string {
  if (c.xtype === 'timestamp') return 'timestamp';
  const base = SCALAR_SQL_TYPES[c.datatype];
  const isCharacter = c.datatype === 'char' || c.datatype === 'unicodeChar';
  if (c.arraysize !== undefined && !isCharacter) return `${base}[]`;
  return base;
}

export function createSchemaStatements(s: SchemaDef): string[] {
  const name = quoteIdent(sqlSchemaName(s.name));
  return [`CREATE SCHEMA IF NOT EXISTS ${name}`, `COMMENT ON SCHEMA ${name} IS ${quoteLiteral(s.description)}`];
}

function indexName(t: TableDef, cols: ReadonlyArray<string>): string {
  return quoteIdent(`${t.name}_${cols.join('_')}_idx`.slice(0, 63));
}

/** CREATE TABLE plus its indexes and comments; foreign keys come separately (tables may reference later ones).
 *  A view becomes CREATE OR REPLACE VIEW from its viewQuery (its tables must exist already). */
export function createTableStatements(t: TableDef): string[] {
  const table = sqlTableName(t);
  if (t.tableType === 'view') {
    if (!t.viewQuery) throw new Error(`view ${t.schema}.${t.name} has no viewQuery`);
    return [`CREATE OR REPLACE VIEW ${table} AS\n${t.viewQuery}`, `COMMENT ON VIEW ${table} IS ${quoteLiteral(t.description)}`];
  }
  const colSql = t.columns.map(
    (c) => `  ${quoteIdent(c.name)} ${sqlType(c)}${c.required || t.primaryKey?.includes(c.name) ? ' NOT NULL' : ''}`,
  );
  if (t.primaryKey?.length) colSql.push(`  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(', ')})`);
  const out = [`CREATE TABLE IF NOT EXISTS ${table} (\n${colSql.join(',\n')}\n)`];
  out.push(`COMMENT ON TABLE ${table} IS ${quoteLiteral(t.description)}`);
  for (const idx of indexedColumnSets(t)) {
    out.push(`CREATE INDEX IF NOT EXISTS ${indexName(t, idx)} ON ${table} (${idx.map(quoteIdent).join(', ')})`);
  }
  return out;
}

/** Index column lists the DDL creates: every indexed column not already leading the primary key, plus extras. */
export function indexedColumnSets(t: TableDef): string[][] {
  const sets: string[][] = [];
  const pkLead = t.primaryKey?.[0];
  for (const c of t.columns) if (c.indexed && c.name !== pkLead) sets.push([c.name]);
  for (const idx of t.indexes ?? []) sets.push([...idx]);
  return sets;
}

/** Whether a column leads some index (primary key or created index); TAP_SCHEMA.columns.indexed reflects this. */
export function isColumnIndexed(t: TableDef, column: string): boolean {
  return t.primaryKey?.[0] === column || indexedColumnSets(t).some((s) => s[0] === column);
}

export function foreignKeyStatements(t: TableDef): string[] {
  if (t.tableType === 'view') return [];
  return (t.foreignKeys ?? [])
    .filter((fk) => fk.enforced)
    .map((fk) => {
      const target = findTableDef(fk.target);
      return (
        `ALTER TABLE ${sqlTableName(t)} ADD CONSTRAINT ${quoteIdent(fk.id)} FOREIGN KEY ` +
        `(${fk.columns.map((c) => quoteIdent(c.from)).join(', ')}) REFERENCES ${sqlTableName(target)} ` +
        `(${fk.columns.map((c) => quoteIdent(c.target)).join(', ')})`
      );
    });
}

/** Full DDL to create the given tables (schemas first, then tables, then foreign keys). */
export function createTablesDdl(schemas: ReadonlyArray<SchemaDef>, tables: ReadonlyArray<TableDef>): string[] {
  return [
    ...schemas.flatMap(createSchemaStatements),
    ...tables.flatMap(createTableStatements),
    ...tables.flatMap(foreignKeyStatements),
  ];
}

/** ALTER TABLE statements adding the named columns of a table (idempotent: ADD COLUMN IF NOT EXISTS), plus the
 *  indexes of those that are indexed. Added columns are nullable: existing rows get NULL. */
export function addColumnsStatements(t: TableDef, names: ReadonlyArray<string>): string[] {
  const table = sqlTableName(t);
  const cols = names.map((n) => {
    const c = t.columns.find((x) => x.name === n);
    if (!c) throw new Error(`addColumnsStatements: no column ${n} in ${t.schema}.${t.name}`);
    return c;
  });
  if (cols.length === 0) return [];
  const out = [`ALTER TABLE ${table} ${cols.map((c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${sqlType(c)}`).join(', ')}`];
  for (const c of cols) {
    if (c.indexed) out.push(`CREATE INDEX IF NOT EXISTS ${indexName(t, [c.name])} ON ${table} (${quoteIdent(c.name)})`);
  }
  return out;
}

/** The table with only the named columns, in that order (what an earlier migration created). */
export function withColumns(t: TableDef, names: ReadonlyArray<string>): TableDef {
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const columns = names.map((n) => {
    const c = byName.get(n);
    if (!c) throw new Error(`withColumns: no column ${n} in ${t.schema}.${t.name}`);
    return c;
  });
  return { ...t, columns };
}
