/** The translate pass on its own: SQL written from a hand-built resolved tree (no parser, no resolver). The
 *  translator takes every column from its binding and every type from the annotations; it looks up no names. */
import { describe, expect, it } from 'vitest';
import type { Expr, Ident } from './ast.js';
import type { CatalogTable, ColumnMeta } from './catalog.js';
import type { Span } from './errors.js';
import type { Binding, ExprInfo, OutColumn, RangeEntry, ResolvedSelect, ResolvedStatement } from './resolved.js';
import { translateResolved } from './to-postgres.js';

const span: Span = { line: 1, column: 1, offset: 0, length: 1 };
const ident = (name: string): Ident => ({ name, delimited: false, span });
const RA: ColumnMeta = { name: 'ra', datatype: 'double', unit: 'deg', description: 'right ascension' };
const NAME: ColumnMeta = { name: 'name', datatype: 'char', arraysize: '*', description: 'source name' };
const TABLE: CatalogTable = { schema: 'cat', name: 'src', sqlSchema: 'cat_pg', sqlName: 'src_pg', description: '', columns: [RA, NAME] };

/** One stored table in FROM, correlation name `t`, with the bindings of its columns. */
function fromTable(): { entry: RangeEntry; ra: Binding; name: Binding } {
  const entry: RangeEntry = { alias: ident('t'), table: TABLE, cteName: undefined, sqlName: 't', columns: [] };
  const bind = (meta: ColumnMeta, column: string): Binding => ({ name: meta.name, lname: meta.name, meta, entry, source: { kind: 'column', column } });
  const ra = bind(RA, 'ra_pg');
  const name = bind(NAME, 'name');
  entry.columns.push(ra, name);
  return { entry, ra, name };
}

const out = (meta: ColumnMeta): OutColumn => ({ name: meta.name, sqlName: meta.name, meta });
const numberInfo: ExprInfo = { kind: 'number', datatype: 'double', isInt: false, exact: true };

function statement(main: ResolvedSelect, exprs: Array<[Expr, ExprInfo]>): ResolvedStatement {
  return { ctes: [], main, columns: main.columns, exprs: new Map(exprs) };
}

describe('translate pass from a resolved tree', () => {
  it('writes bound columns, literals as parameters, ORDER BY positions and the row limit', () => {
    const { entry, ra, name } = fromTable();
    // The column node says "dec": the translator must write the column it is bound to, not look the name up.
    const raRef: Expr = { kind: 'column', parts: [ident('dec')], span };
    const nameRef: Expr = { kind: 'column', parts: [ident('name')], span };
    const lit: Expr = { kind: 'string', value: "2CXO%", span };
    const like: Expr = { kind: 'like', not: false, op: 'LIKE', arg: nameRef, pattern: lit, span };
    const main: ResolvedSelect = {
      kind: 'select',
      distinct: false,
      top: 10,
      from: [{ kind: 'table', table: TABLE, entry }],
      items: [{ kind: 'expr', expr: raRef, column: out(RA) }, { kind: 'column', binding: name, column: out(NAME) }],
      where: like,
      groupBy: [],
      having: undefined,
      orderBy: [{ kind: 'position', position: 1, descending: true }],
      offset: undefined,
      columns: [out(RA), out(NAME)],
    };
    const t = translateResolved(
      statement(main, [
        [raRef, { ...numberInfo, binding: ra }],
        [nameRef, { kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true, binding: name }],
        [lit, { kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true, isParam: true }],
        [like, { kind: 'boolean', datatype: 'boolean', isInt: false, exact: true }],
      ]),
      { rowLimit: 3 },
    );
    expect(t.sql).toBe('SELECT "t"."ra_pg" AS "ra", "t"."name" AS "name" FROM "cat_pg"."src_pg" AS "t" WHERE "t"."name" LIKE $1 ORDER BY 1 DESC NULLS LAST LIMIT 3');
    expect(t.params).toEqual(['2CXO%']);
    expect(t.columns).toEqual([RA, NAME]);
  });

  it('writes what the annotations say: a cone predicate, a boolean flag comparison, an output cast', () => {
    const { entry, ra } = fromTable();
    const hp: Binding = { ...ra, name: 'hpx', source: { kind: 'column', column: 'hpx' } };
    const one: Expr = { kind: 'number', text: '1', value: 1, isInteger: true, span };
    const anything: Expr = { kind: 'number', text: '2', value: 2, isInteger: true, span };
    const cone: Expr = { kind: 'compare', op: '=', left: one, right: anything, span };
    const flag: Expr = { kind: 'compare', op: '<>', left: one, right: anything, span };
    const where: Expr = { kind: 'logical', op: 'AND', left: cone, right: flag, span };
    const half: Expr = { kind: 'number', text: '1.5', value: 1.5, isInteger: false, span };
    const bool: ExprInfo = { kind: 'boolean', datatype: 'boolean', isInt: false, exact: true };
    const main: ResolvedSelect = {
      kind: 'select',
      distinct: false,
      top: undefined,
      from: [{ kind: 'table', table: TABLE, entry }],
      items: [{ kind: 'expr', expr: half, column: out({ name: 'expr', datatype: 'double', description: '1.5' }) }],
      where,
      groupBy: [],
      having: undefined,
      orderBy: [],
      offset: undefined,
      columns: [],
    };
    const t = translateResolved(
      statement(main, [
        [half, { ...numberInfo, exact: false }],
        [cone, { ...bool, cone: { ra, dec: ra, healpix: hp, order: 14, centerRa: 10, centerDec: 20, radius: 0.01 } }],
        [flag, { ...bool, booleanCompare: { side: 'right', binding: ra, literal: 'FALSE', asInteger: false } }],
        [where, bool],
      ]),
    );
    expect(t.sql).toMatch(/^SELECT CAST\(1\.5 AS double precision\) AS "expr" FROM "cat_pg"\."src_pg" AS "t" WHERE \(\(\("t"\."hpx" BETWEEN .*\) AND adql\.point_in_circle\("t"\."ra_pg", "t"\."ra_pg", 10::float8, 20::float8, 0\.01::float8\) = 1\)\) AND FALSE <> "t"\."ra_pg"$/);
  });

  it('refuses a tree with an expression the resolve pass did not annotate', () => {
    const { entry } = fromTable();
    const raRef: Expr = { kind: 'column', parts: [ident('ra')], span };
    const main: ResolvedSelect = {
      kind: 'select',
      distinct: false,
      top: undefined,
      from: [{ kind: 'table', table: TABLE, entry }],
      items: [{ kind: 'expr', expr: raRef, column: out(RA) }],
      where: undefined,
      groupBy: [],
      having: undefined,
      orderBy: [],
      offset: undefined,
      columns: [out(RA)],
    };
    expect(() => translateResolved(statement(main, []))).toThrow(/the column expression at line 1, column 1 was not resolved/);
  });
});
