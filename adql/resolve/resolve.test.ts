/** The resolve pass on its own (no SQL): bindings, inferred types, `*` expansion, correlated subqueries, CTEs,
 *  set operations, ORDER BY / GROUP BY classification, uploads, and the name/type errors with their positions. */
import { describe, expect, it } from 'vitest';
import type { Expr, Query } from '../ast.js';
import type { Catalog, CatalogTable, ColumnMeta } from '../catalog.js';
import { AdqlError } from '../errors.js';
import { parseAdql } from '../parser.js';
import type { Binding, ExprInfo, ResolvedQuery, ResolvedSelect, ResolvedStatement } from '../resolved.js';
import { resolveQuery } from './index.js';

const col = (name: string, datatype: ColumnMeta['datatype'], unit?: string, ucd?: string): ColumnMeta => ({ name, datatype, unit, ucd, description: `the ${name}` });

const SRC: CatalogTable = {
  schema: 'csc',
  name: 'src',
  sqlSchema: 'csc',
  sqlName: 'src',
  description: 'sources',
  columns: [col('name', 'char', undefined, 'meta.id'), col('ra', 'double', 'deg', 'pos.eq.ra'), col('dec', 'double', 'deg', 'pos.eq.dec'), col('flux', 'double', 'erg/s/cm**2'), col('flag', 'boolean'), col('hpx', 'long')],
  position: { ra: 'ra', dec: 'dec', healpix: 'hpx', order: 14 },
};
const OBS: CatalogTable = {
  schema: 'csc',
  name: 'obs',
  sqlSchema: 'csc',
  sqlName: 'obs',
  description: 'observations',
  columns: [col('name', 'char'), col('obsid', 'int'), col('exptime', 'double', 's')],
};
const UPLOAD: CatalogTable = {
  schema: 'TAP_UPLOAD',
  name: 'mine',
  sqlSchema: 'pg_temp',
  sqlName: 'upload_mine',
  description: 'an upload',
  columns: [col('ra', 'double', 'deg'), col('Dec', 'double', 'deg')],
  sqlColumnNames: { ra: 'c0', Dec: 'c1' },
};
const catalog: Catalog = { tables: [SRC, OBS, UPLOAD] };

const resolve = (adql: string): { q: Query; r: ResolvedStatement } => {
  const q = parseAdql(adql);
  return { q, r: resolveQuery(q, catalog) };
};
const select = (rq: ResolvedQuery): ResolvedSelect => {
  if (rq.kind !== 'select') throw new Error(`expected a select, got ${rq.kind}`);
  return rq;
};
const itemExpr = (s: ResolvedSelect, i: number): Expr => {
  const it = s.items[i];
  if (it?.kind !== 'expr') throw new Error(`item ${i} is not an expression`);
  return it.expr;
};
const info = (r: ResolvedStatement, e: Expr): ExprInfo => {
  const i = r.exprs.get(e);
  if (!i) throw new Error(`no annotation for ${e.kind}`);
  return i;
};
const fails = (adql: string): AdqlError => {
  try {
    resolveQuery(parseAdql(adql), catalog);
  } catch (e) {
    if (e instanceof AdqlError) return e;
    throw e;
  }
  throw new Error(`resolved without error: ${adql}`);
};

/** Every expression node of the AST (walks the plain object graph). */
function allExprs(node: unknown, out: Expr[] = []): Expr[] {
  if (Array.isArray(node)) for (const n of node) allExprs(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.kind === 'string' && 'span' in o && EXPR_KINDS.has(o.kind)) out.push(o as unknown as Expr);
    for (const [k, v] of Object.entries(o)) if (k !== 'span') allExprs(v, out);
  }
  return out;
}
const EXPR_KINDS = new Set(['column', 'number', 'string', 'null', 'boolean', 'paren', 'unary', 'binary', 'compare', 'logical', 'not', 'between', 'like', 'in', 'inQuery', 'isNull', 'exists', 'case', 'cast', 'call', 'point', 'circle', 'box', 'polygon']);

describe('resolve pass: bindings', () => {
  it('binds each column reference to its range entry, catalog table and metadata', () => {
    const { r } = resolve('SELECT s.ra, flux, o.exptime FROM csc.src AS s JOIN csc.obs AS o ON o.name = s.name');
    const main = select(r.main);
    const ra = info(r, itemExpr(main, 0)).binding as Binding;
    expect(ra.entry?.table).toBe(SRC);
    expect(ra.entry?.sqlName).toBe('s');
    expect(ra.meta).toMatchObject({ name: 'ra', datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra' });
    expect(ra.source).toEqual({ kind: 'column', column: 'ra' });
    const exptime = info(r, itemExpr(main, 2)).binding as Binding;
    expect(exptime.entry?.table).toBe(OBS);
    expect(exptime.meta.unit).toBe('s');
  });

  it('annotates every expression node, and every column reference has a binding', () => {
    const { q, r } = resolve(
      "SELECT s.name, ra * 2, CASE WHEN flag = 1 THEN 'y' ELSE 'n' END FROM csc.src AS s WHERE CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 0.5)) = 1 AND s.name IN (SELECT o.name FROM csc.obs AS o WHERE o.exptime > s.flux) ORDER BY DISTANCE(ra, dec, 1, 2)",
    );
    const nodes = allExprs(q);
    expect(nodes.length).toBeGreaterThan(25);
    const missing = nodes.filter((e) => !r.exprs.has(e)).map((e) => `${e.kind}@${e.span.column}`);
    expect(missing).toEqual([]);
    const unbound = nodes.filter((e) => e.kind === 'column' && !r.exprs.get(e)?.binding);
    expect(unbound).toEqual([]);
  });

  it('binds upload columns to their renamed PostgreSQL columns', () => {
    const { r } = resolve('SELECT ra, "Dec" FROM TAP_UPLOAD.mine');
    const main = select(r.main);
    expect((info(r, itemExpr(main, 0)).binding as Binding).source).toMatchObject({ kind: 'column', column: 'c0' });
    expect((info(r, itemExpr(main, 1)).binding as Binding).source).toMatchObject({ kind: 'column', column: 'c1' });
    expect(main.from[0]).toMatchObject({ kind: 'table', table: UPLOAD });
  });

  it('binds a correlated reference to the outer query’s entry (the same object)', () => {
    const { r } = resolve('SELECT name FROM csc.src AS s WHERE EXISTS (SELECT * FROM csc.obs AS s2 WHERE s2.name = s.name)');
    const main = select(r.main);
    const outer = main.from[0];
    if (outer?.kind !== 'table') throw new Error('expected a table');
    const exists = main.where as Expr;
    const sub = select(info(r, exists).query as ResolvedQuery);
    const cmp = sub.where as Extract<Expr, { kind: 'compare' }>;
    expect(info(r, cmp.left).binding?.entry).toBe(sub.from[0]?.kind === 'table' ? sub.from[0].entry : undefined);
    expect(info(r, cmp.right).binding?.entry).toBe(outer.entry);
  });

  it('gives correlation names unique in the whole statement', () => {
    const { r } = resolve('SELECT name FROM csc.src AS m WHERE EXISTS (SELECT * FROM csc.src AS m WHERE m.ra > 1)');
    const main = select(r.main);
    const sub = select(info(r, main.where as Expr).query as ResolvedQuery);
    const names = [main.from[0], sub.from[0]].map((f) => (f?.kind === 'table' ? f.entry.sqlName : ''));
    expect(names).toEqual(['m', 'm_2']);
  });
});

describe('resolve pass: types', () => {
  it('infers kinds, datatypes, units and UCDs', () => {
    const { r } = resolve("SELECT ra + 1, ra * ra, 7 / 2, COUNT(*), AVG(ra), DISTANCE(POINT(ra, dec), POINT(1, 2)), IN_UNIT(ra, 'arcmin'), name || 'x', flag, POINT(ra, dec), obsid FROM csc.src NATURAL JOIN csc.obs");
    const main = select(r.main);
    const t = (i: number) => info(r, itemExpr(main, i));
    expect(t(0)).toMatchObject({ kind: 'number', datatype: 'double', unit: 'deg' });
    expect(t(1)).toMatchObject({ kind: 'number', datatype: 'double', unit: 'deg**2' });
    expect(t(2)).toMatchObject({ kind: 'number', datatype: 'double', constant: 3.5 });
    expect(t(3)).toMatchObject({ kind: 'number', datatype: 'long', isInt: true, ucd: 'meta.number' });
    expect(t(4)).toMatchObject({ datatype: 'double', unit: 'deg', ucd: 'stat.mean;pos.eq.ra' });
    expect(t(5)).toMatchObject({ datatype: 'double', unit: 'deg', ucd: 'pos.angDistance' });
    expect(t(6)).toMatchObject({ datatype: 'double', unit: 'arcmin', unitFactor: 60 });
    expect(t(7)).toMatchObject({ kind: 'string', datatype: 'char', arraysize: '*' });
    expect(t(8)).toMatchObject({ kind: 'boolean', datatype: 'boolean' });
    expect(t(9)).toMatchObject({ kind: 'geometry', xtype: 'point', arraysize: '2', unit: 'deg' });
    expect(t(10)).toMatchObject({ kind: 'number', datatype: 'int', isInt: true });
    // and the output columns built from them
    expect(r.columns.map((c) => [c.name, c.meta.datatype, c.meta.unit])).toEqual([
      ['expr', 'double', 'deg'],
      ['expr_2', 'double', 'deg**2'],
      ['expr_3', 'double', undefined],
      ['count', 'long', undefined],
      ['avg', 'double', 'deg'],
      ['distance', 'double', 'deg'],
      ['in_unit', 'double', 'arcmin'],
      ['expr_4', 'char', undefined],
      ['flag', 'boolean', undefined],
      ['point', 'double', 'deg'],
      ['obsid', 'int', undefined],
    ]);
  });

  it('recognises boolean-flag comparisons and cone predicates', () => {
    const { r } = resolve("SELECT name FROM csc.src WHERE flag = 'yes' AND 1 = CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 0.5)) AND flag <> 2");
    const where = select(r.main).where as Extract<Expr, { kind: 'logical' }>;
    const left = where.left as Extract<Expr, { kind: 'logical' }>;
    expect(info(r, left.left).booleanCompare).toMatchObject({ side: 'left', literal: 'TRUE', asInteger: false });
    expect(info(r, left.right).cone).toMatchObject({ centerRa: 10, centerDec: 20, radius: 0.5, order: 14 });
    expect(info(r, left.right).cone?.healpix.name).toBe('hpx');
    expect(info(r, where.right).booleanCompare).toMatchObject({ literal: '2', asInteger: true });
  });
});

describe('resolve pass: query structure', () => {
  it('expands * with USING/NATURAL join columns once, first; FULL JOIN merges them with COALESCE', () => {
    const natural = select(resolve('SELECT * FROM csc.src NATURAL JOIN csc.obs').r.main);
    expect(natural.columns.map((c) => c.name)).toEqual(['name', 'ra', 'dec', 'flux', 'flag', 'hpx', 'obsid', 'exptime']);
    const join = natural.from[0];
    expect(join?.kind === 'join' && join.condition.kind).toBe('using');
    const full = select(resolve('SELECT * FROM csc.src FULL JOIN csc.obs USING (name)').r.main);
    const merged = full.items[0];
    expect(merged?.kind === 'column' && merged.binding.source.kind).toBe('coalesce');
    expect(merged?.kind === 'column' && merged.binding.entry).toBeUndefined();
  });

  it('gives one binding per column and entry, whether reached by name, by * or by the cone fast path', () => {
    const { r } = resolve(
      "SELECT s.ra, *, s.ra AS again FROM csc.src AS s JOIN csc.obs AS o ON s.name = o.name WHERE 1 = CONTAINS(POINT('ICRS', s.ra, s.dec), CIRCLE('ICRS', 10, 20, 0.5))",
    );
    const main = select(r.main);
    const byName = info(r, itemExpr(main, 0)).binding;
    const star = main.items.find((i) => i.kind === 'column' && i.binding.name === 'ra' && i.binding.entry?.sqlName === 's');
    expect(byName).toBeDefined();
    expect(star?.kind === 'column' && star.binding).toBe(byName);
    expect(info(r, itemExpr(main, main.items.length - 1)).binding).toBe(byName);
    const entry = byName?.entry;
    expect(entry?.columns.filter((b) => b.name === 'ra')).toEqual([byName]);
    const where = main.where as Extract<Expr, { kind: 'compare' }>;
    const cone = info(r, where).cone ?? info(r, where.right).cone;
    expect(cone?.healpix).toBe(entry?.columns.find((b) => b.name === 'hpx'));
  });

  it('expands t.* to that table’s columns only', () => {
    const s = select(resolve('SELECT o.* FROM csc.src AS s JOIN csc.obs AS o ON s.name = o.name').r.main);
    expect(s.items.map((i) => (i.kind === 'column' ? `${i.binding.entry?.sqlName}.${i.binding.name}` : '?'))).toEqual(['o.name', 'o.obsid', 'o.exptime']);
  });

  it('resolves a CTE, its column list and references to it', () => {
    const { r } = resolve('WITH b (n, r) AS (SELECT name, ra FROM csc.src) SELECT b.r FROM b');
    expect(r.ctes.map((c) => [c.sqlName, c.columns.map((x) => x.name)])).toEqual([['b', ['n', 'r']]]);
    const main = select(r.main);
    expect(main.from[0]).toMatchObject({ kind: 'cte', entry: { sqlName: 'b_2', cteName: 'b' } });
    expect(main.from[0]?.kind === 'cte' && main.from[0].cte).toBe(r.ctes[0]);
    expect(r.columns[0]?.meta).toMatchObject({ name: 'r', unit: 'deg', datatype: 'double' });
  });

  it('wraps a set operation with ORDER BY; output names become positions', () => {
    const { r } = resolve('SELECT name FROM csc.src UNION ALL SELECT name FROM csc.obs ORDER BY name DESC');
    expect(r.main.kind).toBe('wrapped');
    if (r.main.kind !== 'wrapped') return;
    expect(r.main.body).toMatchObject({ kind: 'setop', op: 'UNION', all: true });
    expect(r.main.orderBy).toEqual([{ kind: 'position', position: 1, descending: true }]);
  });

  it('resolves successive unqualified names in one scope each to its own binding (lookups share one hit list)', () => {
    // Merged USING column, then plain columns of either side, then the merged one again: each lookup starts afresh.
    const { r } = resolve('SELECT name, ra, obsid, exptime, dec, name AS again FROM csc.src AS s JOIN csc.obs AS o USING (name) WHERE flux > 0 AND obsid > 1');
    const main = select(r.main);
    const names = main.items.map((_, i) => info(r, itemExpr(main, i)).binding);
    expect(names.map((b) => `${b?.entry?.sqlName ?? 'merged'}.${b?.name}`)).toEqual(['s.name', 's.ra', 'o.obsid', 'o.exptime', 's.dec', 's.name']);
    expect(names[5]).toBe(names[0]);
    // An ambiguous name after names that resolved: still ambiguous, listing both, and a unique name after a unique
    // one in the same scope is not reported as ambiguous with it.
    expect(fails('SELECT ra, obsid, name FROM csc.src, csc.obs').message).toBe('column name is ambiguous: src.name, obs.name');
    expect(fails('SELECT ra, dec FROM csc.src AS a, csc.src AS b').message).toBe('column ra is ambiguous: a.ra, b.ra');
    const two = select(resolve('SELECT a.ra, dec FROM csc.src AS a, csc.obs AS b WHERE exptime > 1').r.main);
    expect(two.columns.map((c) => c.name)).toEqual(['ra', 'dec']);
  });

  it('classifies GROUP BY aliases and ORDER BY ordinals, aliases and expressions', () => {
    const s = select(resolve('SELECT name AS n, COUNT(*) AS c FROM csc.src GROUP BY n ORDER BY 2 DESC, n, MAX(ra)').r.main);
    expect(s.groupBy).toEqual([{ kind: 'item', index: 0 }]);
    expect(s.orderBy.map((o) => (o.kind === 'position' ? o.position : o.expr.kind))).toEqual([2, 1, 'call']);
  });
});

describe('resolve pass: errors with positions (raised without translating)', () => {
  it.each([
    ['SELECT nme FROM csc.src', 'UNKNOWN_COLUMN', 'no column nme in the tables of this query', 1, 8],
    ['SELECT s.nme\nFROM csc.src AS s', 'UNKNOWN_COLUMN', 'no column nme in csc.src (s)', 1, 8],
    ['SELECT name FROM csc.src, csc.obs', 'AMBIGUOUS_COLUMN', 'column name is ambiguous: src.name, obs.name', 1, 8],
    ['SELECT x.ra FROM csc.src', 'UNKNOWN_TABLE', 'no table x in FROM', 1, 8],
    ['SELECT ra FROM csc.nope', 'UNKNOWN_TABLE', 'no table csc.nope', 1, 16],
    ['SELECT ra\n  FROM csc.src WHERE name + 1 > 2', 'TYPE_MISMATCH', 'operator + needs numbers, found a character value', 2, 22],
    ["SELECT IN_UNIT(ra, 's') FROM csc.src", 'UNIT', 'cannot convert "deg" to "s": the units measure different quantities', 1, 8],
    ["SELECT name FROM csc.src WHERE flag = 'maybe'", 'TYPE_MISMATCH', "cannot compare a boolean with 'maybe'", 1, 39],
    ['SELECT name FROM csc.src UNION SELECT name, ra FROM csc.src', 'INVALID_QUERY', 'UNION needs the same number of columns on both sides (1 and 2)', 1, 26],
    ['SELECT name FROM csc.src ORDER BY 3', 'INVALID_QUERY', 'ORDER BY position 3 is not between 1 and 1', 1, 35],
  ])('%s', (adql, code, message, line, column) => {
    const e = fails(adql);
    expect({ code: e.code, message: e.message, line: e.line, column: e.column }).toEqual({ code, message, line, column });
  });
});
