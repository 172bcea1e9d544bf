/** Lexer and parser: accepted syntax, golden syntax errors (code, line, column), and the print → parse round
 *  trip. Table-driven. */
import { describe, expect, it } from 'vitest';
import type { Expr, Query } from './ast.js';
import { AdqlError } from './errors.js';
import { tokenize } from './lexer.js';
import { parseAdql } from './parser.js';
import { printQuery } from './print.js';
import { normalize } from './testing/normalize.js';

describe('lexer', () => {
  it.each([
    ['SELECT a FROM t', ['ident:SELECT', 'ident:A', 'ident:FROM', 'ident:T', 'eof:']],
    ["'it''s' \"Sel\"\"ect\"", ['string:it\'s', 'delimited:Sel"ect', 'eof:']],
    ['12.3E4 .5 1. 10e-5 89x', ['number:12.3E4', 'number:.5', 'number:1.', 'number:10e-5', 'number:89', 'ident:X', 'eof:']],
    ['a<>b!=c<=d>=e||f', ['ident:A', 'op:<>', 'ident:B', 'op:!=', 'ident:C', 'op:<=', 'ident:D', 'op:>=', 'ident:E', 'op:||', 'ident:F', 'eof:']],
    ['a -- comment\n-b', ['ident:A', 'op:-', 'ident:B', 'eof:']],
  ])('%s', (input, want) => {
    expect(tokenize(input).map((t) => `${t.kind}:${t.value}`)).toEqual(want);
  });

  it('tracks lines and columns', () => {
    const t = tokenize('SELECT\n  a,\n\tb FROM t');
    expect(t.map((x) => [x.span.line, x.span.column])).toEqual([[1, 1], [2, 3], [2, 4], [3, 2], [3, 4], [3, 9], [3, 10]]);
  });
});

describe('parser accepts', () => {
  it.each([
    'SELECT * FROM t',
    'SELECT ALL a FROM t',
    'SELECT DISTINCT TOP 10 a, b AS c, d e, "f g" FROM s.t AS x',
    'SELECT t.*, s.u.* FROM t, s.u',
    'SELECT a FROM t1 NATURAL JOIN t2 LEFT OUTER JOIN t3 USING (a, b) RIGHT JOIN t4 ON t4.a = t1.a FULL JOIN t5 ON 1 = 1 CROSS JOIN t6',
    'SELECT a FROM (t1 JOIN t2 ON t1.a = t2.a) JOIN ((SELECT a FROM t3) AS q JOIN t4 USING (a)) ON TRUE',
    'SELECT a FROM t WHERE a BETWEEN -1 AND +2 AND b NOT LIKE \'x%\' OR c ILIKE \'y\' AND d IS NOT NULL AND NOT e IN (1, 2)',
    'SELECT a FROM t WHERE a IN (SELECT b FROM u) AND EXISTS (SELECT * FROM v WHERE v.x = t.a) AND a > (SELECT MAX(b) FROM u)',
    'SELECT a, COUNT(*), COUNT(DISTINCT b), SUM(ALL c) FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY 2 DESC, a ASC OFFSET 5',
    'SELECT a FROM t UNION ALL SELECT a FROM u INTERSECT SELECT a FROM v EXCEPT SELECT a FROM w ORDER BY a',
    '(SELECT TOP 1 a FROM t ORDER BY a) UNION (SELECT TOP 1 a FROM t ORDER BY a DESC)',
    'WITH q AS (SELECT a FROM t), r (x) AS (SELECT a FROM q) SELECT * FROM r',
    "SELECT CASE a WHEN 1 THEN 'one' ELSE 'many' END, CASE WHEN a > 1 THEN 1 END, COALESCE(a, b, 0), NULLIF(a, 0) FROM t",
    'SELECT CAST(a AS SMALLINT), CAST(a AS DOUBLE PRECISION), CAST(a AS CHAR(3)), CAST(a AS VARCHAR), CAST(a AS TIMESTAMP), CAST(a AS POINT) FROM t',
    "SELECT IN_UNIT(a, 'arcsec'), LOWER(b) || UPPER('c'), -a * +b / 2 - 3 FROM t",
    "SELECT POINT('ICRS', 1, 2), POINT(1, 2), CIRCLE(1, 2, 3), CIRCLE(POINT(1, 2), 3), CIRCLE('', p, 3), BOX(1, 2, 3, 4), POLYGON(1, 2, 3, 4, 5, 6), POLYGON(p, q, r) FROM t",
    'SELECT DISTANCE(POINT(a, b), POINT(1, 2)), DISTANCE(a, b, 1, 2), AREA(c), CENTROID(c), COORD1(p), COORD2(POINT(1, 2)), COORDSYS(p) FROM t',
    'SELECT a FROM t WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE(1, 2, 3)) AND INTERSECTS(c, BOX(1, 2, 3, 4)) = 0',
    'SELECT dbo.cone_distance(ra, dec, 1, 2), ivo_hasword(a, \'b\'), "MySchema".t.a FROM t WHERE ivo_nocasematch(a, \'x\')',
    'SELECT cat.sch.tab.col FROM sch.tab',
    'SELECT a FROM t;',
    "SELECT 'a' -- comment\n 'b' FROM t",
  ])('%s', (adql) => {
    // accepted, and the canonical form is a fixed point of print ∘ parse (nothing was dropped or invented)
    const printed = printQuery(parseAdql(adql));
    expect(printed).toMatch(/^(SELECT|WITH|\()/);
    expect(printQuery(parseAdql(printed))).toBe(printed);
  });
});

describe('parser structure', () => {
  it('binds INTERSECT tighter than UNION and EXCEPT', () => {
    const q = parseAdql('SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v');
    expect(q.body.kind).toBe('setop');
    const b = q.body as Extract<Query['body'], { kind: 'setop' }>;
    expect([b.op, b.right.kind, b.right.kind === 'setop' ? b.right.op : '']).toEqual(['UNION', 'setop', 'INTERSECT']);
  });

  it('puts ORDER BY and OFFSET after a set operation on the whole result', () => {
    const q = parseAdql('SELECT a FROM t UNION SELECT a FROM u ORDER BY a OFFSET 3');
    expect([q.body.kind, q.orderBy.length, q.offset]).toEqual(['setop', 1, 3]);
  });

  it('normalises CIRCLE(ra, dec, r) to a POINT centre and drops no coordsys', () => {
    const sel = parseAdql("SELECT CIRCLE('ICRS', 1, 2, 3) FROM t").body;
    const e = (sel as Extract<Query['body'], { kind: 'select' }>).items[0] as { expr: Expr };
    expect(normalize(e.expr)).toEqual({
      kind: 'circle',
      coordsys: { kind: 'string', value: 'ICRS' },
      center: { kind: 'point', coordsys: undefined, x: { kind: 'number', value: 1, isInteger: true }, y: { kind: 'number', value: 2, isInteger: true } },
      radius: { kind: 'number', value: 3, isInteger: true },
    });
  });

  it('gives arithmetic the usual precedence', () => {
    const sel = parseAdql('SELECT 1 + 2 * 3 - 4 FROM t').body as Extract<Query['body'], { kind: 'select' }>;
    expect(printQuery({ ...parseAdql('SELECT 1 FROM t'), body: sel })).toBe('SELECT (1 + (2 * 3)) - 4 FROM t');
  });
});

describe('golden syntax errors', () => {
  it.each<[string, string, number, number]>([
    ['SELECT FROM t', 'SYNTAX', 1, 8],
    ['SELECT a', 'SYNTAX', 1, 9],
    ['SELECT a FROM', 'SYNTAX', 1, 14],
    ['SELECT a FROM t WHERE', 'SYNTAX', 1, 22],
    ['SELECT distance FROM t', 'RESERVED_WORD', 1, 8],
    ['SELECT a FROM t\nWHERE a &\n 1 = 1', 'BITWISE_OPERATOR', 2, 9],
    ['SELECT 0x1F FROM t', 'HEX_LITERAL', 1, 8],
    ['SELECT _x FROM t', 'LEXICAL', 1, 8],
    ["SELECT 'abc FROM t", 'LEXICAL', 1, 8],
    ['SELECT a FROM t WHERE a == 1', 'SYNTAX', 1, 26],
    ['SELECT TOP -1 a FROM t', 'SYNTAX', 1, 12],
    ['SELECT a FROM t OFFSET 1.5', 'SYNTAX', 1, 24],
    ['SELECT a FROM t ORDER BY a NULLS FIRST', 'SYNTAX', 1, 28],
    ['SELECT a FROM (SELECT a FROM t)', 'SYNTAX', 1, 32],
    ['SELECT a FROM t WHERE a', 'SYNTAX', 1, 23],
    ['SELECT a FROM t WHERE CONTAINS(POINT(1, 2), CIRCLE(1, 2, 3))', 'SYNTAX', 1, 23],
    ['SELECT ABS() FROM t', 'ARGUMENT_COUNT', 1, 8],
    ['SELECT ABS(a, b) FROM t', 'ARGUMENT_COUNT', 1, 8],
    ["SELECT CIRCLE('fk5', 2, 3) FROM t", 'SYNTAX', 1, 22],
    ["SELECT POLYGON('fk5', 2, 3, 3, 0, 23, 0, 45) FROM t", 'ARGUMENT_COUNT', 1, 8],
    ['SELECT CAST(a AS FLOAT) FROM t', 'SYNTAX', 1, 18],
    ['SELECT COALESCE() FROM t', 'ARGUMENT_COUNT', 1, 8],
    ['SELECT a FROM t WHERE a IN (1, 2,)', 'SYNTAX', 1, 34],
    ['SELECT * FROM (WITH q AS (SELECT 1 FROM t) SELECT * FROM q) AS x', 'SYNTAX', 1, 16],
    ['SELECT a FROM a.b.c.d', 'SYNTAX', 1, 20],
    ['SELECT a.b.c.d.e FROM t', 'SYNTAX', 1, 15],
    ['SELECT a FROM t x y JOIN u', 'SYNTAX', 1, 19],
    ['SELECT a > 1 FROM t', 'SYNTAX', 1, 10],
    ['SELECT a FROM t WHERE a = 1 UNION SELECT', 'SYNTAX', 1, 41],
  ])('%s → %s at %i:%i', (adql, code, line, column) => {
    let err: unknown;
    try {
      parseAdql(adql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AdqlError);
    const e = err as AdqlError;
    expect([e.code, e.line, e.column]).toEqual([code, line, column]);
  });

  it('says what it expected and hints at the fix', () => {
    const e = (() => {
      try {
        parseAdql('SELECT distance FROM t');
      } catch (x) {
        return x as AdqlError;
      }
      throw new Error('no error');
    })();
    expect(e.hint).toBe('DISTANCE is a reserved word; write "distance" to use it as a column name');
    expect(e.token).toBe('distance');
    expect(e.describe()).toMatch(/^1:8: RESERVED_WORD: /);
  });

  it('limits nesting depth', () => {
    const deep = `SELECT ${'('.repeat(500)}1${')'.repeat(500)} FROM t`;
    expect(() => parseAdql(deep)).toThrow(expect.objectContaining({ code: 'TOO_DEEP' }));
  });
});

describe('print → parse round trip', () => {
  it.each([
    'SELECT DISTINCT TOP 10 a AS "A b", t.* FROM s.t AS t JOIN u USING (a) WHERE a BETWEEN 1 AND 2 OR NOT b LIKE \'x\' GROUP BY a HAVING COUNT(*) > 1 ORDER BY 1 DESC OFFSET 2',
    'WITH q AS (SELECT a FROM t) SELECT a FROM q UNION SELECT a FROM (SELECT b AS a FROM u) AS v INTERSECT SELECT a FROM w',
    "SELECT CIRCLE('ICRS', 1, 2, 3), POLYGON(1, 2, 3, 4, 5, 6), BOX(p, 1, 2), CAST(a AS VARCHAR(3)), -(-a), CASE WHEN a IS NULL THEN 'it''s' END FROM t",
  ])('%s', (adql) => {
    const ast = parseAdql(adql);
    expect(normalize(parseAdql(printQuery(ast)))).toEqual(normalize(ast));
  });
});
