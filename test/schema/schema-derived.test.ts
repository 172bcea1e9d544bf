/** What schema/ derives from the table definitions, checked on its own (pure, no database): INSERT/COPY column
 *  lists, TAP_SCHEMA rows and their column order, column roles. */
import { describe, expect, it } from 'vitest';
import { isReservedWord } from '../../adql/index.js';
import {
  PUBLISHED_SCHEMAS,
  TAP_SCHEMA_COLUMN_ORDER,
  allTables,
  arraysizeToSize,
  col,
  copyColumns,
  insertRow,
  qualifiedName,
  tapSchemaRows,
} from '../../schema/index.js';
import type { SchemaDef, TableDef } from '../../schema/index.js';
import { event } from '../../schema/ml/index.js';

const table: TableDef = {
  schema: 'ml',
  name: 'demo',
  description: 'demo',
  columns: [
    col('id', 'char', '', 'meta.id', 'id', { required: true }),
    col('size', 'int', '', '', 'a reserved word as a name'),
    col('flux', 'double', 'erg/s/cm**2', 'phot.flux', 'flux'),
  ],
};

describe('insertRow / copyColumns', () => {
  it('puts the row’s columns in definition order, one parameter each, then the tail', () => {
    expect(insertRow(table, { flux: 1.5, id: 'a' }, 'ON CONFLICT DO NOTHING')).toEqual({
      sql: 'INSERT INTO "ml"."demo" ("id", "flux") VALUES ($1, $2) ON CONFLICT DO NOTHING',
      params: ['a', 1.5],
    });
  });

  it('refuses a key that is not a column, and a required column left out', () => {
    expect(() => insertRow(table, { id: 'a', fluxx: 1 })).toThrow('ml.demo has no column fluxx');
    expect(() => insertRow(table, { flux: 1 })).toThrow('ml.demo needs id');
  });

  it('copyColumns lists every column of the definition in order', () => {
    expect(copyColumns(table)).toEqual(['id', 'size', 'flux']);
    expect(copyColumns(event)).toEqual(event.columns.map((c) => c.name));
  });
});

describe('TAP_SCHEMA rows', () => {
  const demo: SchemaDef = { name: 'ml', description: 'd', tables: [table] };

  it('each row has one value per column of its TAP_SCHEMA table, in the definition’s order', () => {
    const rows = tapSchemaRows(PUBLISHED_SCHEMAS, isReservedWord);
    for (const t of ['schemas', 'tables', 'columns', 'keys', 'key_columns'] as const) {
      expect(rows[t].length).toBeGreaterThan(0);
      for (const r of rows[t]) expect(r).toHaveLength(TAP_SCHEMA_COLUMN_ORDER[t].length);
    }
    expect(TAP_SCHEMA_COLUMN_ORDER.columns.slice(0, 2)).toEqual(['table_name', 'column_name']);
    expect(rows.columns).toHaveLength(allTables().reduce((n, t) => n + t.columns.length, 0));
  });

  it('delimits reserved-word column names with the predicate it is given', () => {
    const rows = tapSchemaRows([demo], isReservedWord);
    expect(rows.columns.map((r) => r[1])).toEqual(['id', '"size"', 'flux']);
    expect(tapSchemaRows([demo], () => false).columns.map((r) => r[1])).toEqual(['id', 'size', 'flux']);
    const flux = rows.columns[2] as unknown[];
    const at = (c: string) => flux[TAP_SCHEMA_COLUMN_ORDER.columns.indexOf(c)];
    expect([at('unit'), at('ucd'), at('datatype'), at('principal'), at('column_index')]).toEqual(['erg/s/cm**2', 'phot.flux', 'double', 0, 2]);
  });

  it('arraysizeToSize gives the integer size of fixed and bounded arraysizes only', () => {
    expect([arraysizeToSize('22*'), arraysizeToSize('8'), arraysizeToSize('*'), arraysizeToSize('16x24'), arraysizeToSize(undefined)]).toEqual([22, 8, null, null, null]);
  });
});

describe('column roles', () => {
  it('the source-name role marks exactly the character columns holding CSC2 master source names', () => {
    const flagged = allTables().flatMap((t) => t.columns.filter((c) => c.role === 'source-name').map((c) => `${qualifiedName(t)}.${c.name}`));
    expect(flagged.sort()).toEqual(['csc2.master_source.name', 'csc2.master_stack_assoc.name', 'ml.source_class.name']);
    for (const t of allTables()) for (const c of t.columns) if (c.role) expect(c.datatype).toBe('char');
  });
});
