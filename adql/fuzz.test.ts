/** Property tests (fast-check, 10,500 inputs a run): on any input the parser either returns an AST or throws
 *  AdqlError; pathological nesting stops at the limit (bounded work: the error sits near the start of the input,
 *  so the parser never went on); every successful translation is exactly one SELECT/WITH statement without a
 *  semicolon; printed ASTs parse back to the same tree. Inputs: random token soups, random strings, mutated
 *  lyonetia corpus queries and long operator chains. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCorpus } from './conformance/corpus.js';
import { publishedCatalog } from '../schema/catalog.js';
import { lyonetiaCatalog } from './conformance/fixture.js';
import { AdqlError } from './errors.js';
import { parseAdql } from './parser.js';
import { normalize } from './testing/normalize.js';
import { printQuery } from './print.js';
import { translateQuery } from './index.js';

const catalog = lyonetiaCatalog(publishedCatalog());
const corpusDir = resolve(process.cwd(), '../shared/data/adql-lyonetia');
const corpus = existsSync(corpusDir) ? readCorpus(corpusDir).map((q) => q.adql) : ['SELECT a FROM t WHERE b > 1'];

const TOKENS = [
  'SELECT', 'FROM', 'WHERE', 'TOP', '10', 'DISTINCT', 'ALL', '*', ',', '(', ')', '.', 'AS', 'JOIN', 'LEFT', 'OUTER',
  'NATURAL', 'USING', 'ON', 'AND', 'OR', 'NOT', '=', '<', '>=', '<>', '+', '-', '/', '||', 'BETWEEN', 'LIKE', 'IN',
  'IS', 'NULL', 'EXISTS', 'GROUP', 'BY', 'HAVING', 'ORDER', 'DESC', 'OFFSET', 'UNION', 'INTERSECT', 'EXCEPT', 'WITH',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'INTEGER', 'POINT', 'CIRCLE', 'BOX', 'POLYGON', 'CONTAINS',
  'DISTANCE', 'COUNT', 'ROUND', 'IN_UNIT', "'deg'", "'x''y'", '1.5e3', '0', 'stars', 'ra', 'dec', 'name', 'mag',
  '"size"', 'spatial', 'dist', 't1', 'x', 'dbo.cone_distance', 'ivo_hasword', '--c\n', ';', '&', '0x1', '%',
];

/** The SQL with its quoted identifiers and string literals blanked out. */
function withoutQuoted(sql: string): string {
  return sql.replace(/"(?:[^"]|"")*"/g, '""').replace(/'(?:[^']|'')*'/g, "''");
}

function check(input: string): void {
  let ast;
  try {
    ast = parseAdql(input);
  } catch (e) {
    if (!(e instanceof AdqlError)) throw new Error(`parser threw ${String(e)} on ${JSON.stringify(input)}`);
    return;
  }
  try {
    const t = translateQuery(ast, catalog, { rowLimit: 100 });
    expect(t.sql).toMatch(/^(SELECT|WITH) /);
    // outside quoted identifiers and literals (where user text such as an alias "a;b" may legitimately sit)
    const bare = withoutQuoted(t.sql);
    expect(bare).not.toContain(';');
    expect(bare).not.toContain('--');
    expect(bare).not.toContain('/*');
  } catch (e) {
    if (!(e instanceof AdqlError)) throw new Error(`translator threw ${String(e)} on ${JSON.stringify(input)}`);
  }
}

describe('fuzzing', () => {
  it('random token sequences only ever give an AST or an AdqlError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (toks) => check(toks.join(' '))),
      { numRuns: 4000 },
    );
  });

  it('random strings only ever give an AST or an AdqlError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => check(`SELECT ${s} FROM t`)), { numRuns: 2000 });
  });

  it('mutated corpus queries only ever give an AST or an AdqlError', () => {
    const mutation = fc.record({
      q: fc.constantFrom(...corpus),
      at: fc.nat(),
      del: fc.nat({ max: 8 }),
      ins: fc.oneof(fc.constantFrom(...TOKENS).map((t) => ` ${t} `), fc.string({ maxLength: 4 })),
    });
    fc.assert(
      fc.property(mutation, ({ q, at, del, ins }) => {
        const i = at % (q.length + 1);
        check(q.slice(0, i) + ins + q.slice(i + del));
      }),
      { numRuns: 4000 },
    );
  });

  it('long operator chains and repetitions only ever give an AST or an AdqlError (never a stack overflow)', () => {
    const OPS = ['+', '-', '*', '/', '||', ' OR ', ' AND ', ' UNION SELECT a FROM t '];
    fc.assert(
      fc.property(fc.constantFrom(...OPS), fc.integer({ min: 1, max: 3000 }), fc.boolean(), (op, n, where) => {
        const terms = Array.from({ length: n }, () => (op.trim() === 'OR' || op.trim() === 'AND' ? 'mag = 1' : '1')).join(op);
        check(where || op.startsWith(' UNION') ? `SELECT a FROM t WHERE ${op.startsWith(' UNION') ? 'mag = 1' + op.repeat(n) : terms}` : `SELECT ${terms} FROM t`);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['('.repeat(10000), 'TOO_DEEP'],
    ['SELECT ' + '- '.repeat(5000) + '1 FROM t', 'TOO_DEEP'],
    ['SELECT a FROM t WHERE ' + 'NOT '.repeat(5000) + 'a = 1', 'TOO_DEEP'],
    ['SELECT a FROM ' + '('.repeat(3000) + 't', 'TOO_DEEP'],
    ['SELECT ' + 'ABS('.repeat(3000) + '1', 'TOO_DEEP'],
    ['SELECT ' + Array(5000).fill('1').join('+') + ' FROM t', 'LIMIT'],
  ])('stops pathological nesting at the limit, near the start of the input (bounded work): %#', (input, code) => {
    let err: unknown;
    try {
      parseAdql(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AdqlError);
    expect((err as AdqlError).code).toBe(code);
    // The nesting limit is 150 levels: the parser gave up within the first ~150 nested constructs, not at the end.
    if (code === 'TOO_DEEP') expect((err as AdqlError).offset).toBeLessThan(150 * 5 + 20);
  });

  it('corpus queries survive print → parse unchanged', () => {
    let n = 0;
    for (const q of corpus) {
      let ast;
      try {
        ast = parseAdql(q);
      } catch {
        continue; // invalid corpus items have nothing to round-trip
      }
      expect(normalize(parseAdql(printQuery(ast)))).toEqual(normalize(ast));
      n++;
    }
    expect(n).toBeGreaterThan(corpus.length > 10 ? 400 : 0);
  });
});
