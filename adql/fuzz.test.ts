/** Property tests (fast-check): on any input the parser either returns an AST or throws AdqlError, within a
 *  time bound; every successful translation is exactly one SELECT/WITH statement without a semicolon; printed
 *  ASTs parse back to the same tree. Inputs: random token soups and mutated lyonetia corpus queries. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCorpus } from './conformance/corpus.js';
import { lyonetiaCatalog } from './conformance/fixture.js';
import { AdqlError } from './errors.js';
import { parseAdql } from './parser.js';
import { normalize } from './testing/normalize.js';
import { printQuery } from './print.js';
import { translateQuery } from './to-postgres.js';

const catalog = lyonetiaCatalog();
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
      { numRuns: 3000 },
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
      { numRuns: 3000 },
    );
  });

  it('terminates quickly on pathological nesting', () => {
    const start = Date.now();
    for (const s of ['('.repeat(10000), 'SELECT ' + '-'.repeat(5000) + '1 FROM t', 'SELECT ' + 'NOT '.repeat(5000), 'SELECT a FROM ' + '('.repeat(3000) + 't']) {
      check(s);
    }
    expect(Date.now() - start).toBeLessThan(2000);
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
