import { describe, expect, it } from 'vitest';
import { publishedCatalog } from '../schema/catalog.js';
import { lyonetiaCatalog } from './conformance/fixture.js';
import { AdqlError } from './errors.js';
import { translateAdql } from './index.js';
import { DEFAULT_ADQL_LIMITS, HARD_MAX_DEPTH } from './limits.js';
import { parseAdql } from './parser.js';
import { printQuery } from './print.js';

const catalog = lyonetiaCatalog(publishedCatalog());
const chain = (n: number, term: string, op: string) => Array.from({ length: n }, () => term).join(op);

function errorOf(f: () => unknown): AdqlError {
  try {
    f();
  } catch (e) {
    if (e instanceof AdqlError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('ADQL limits', () => {
  it('refuses a query longer than the length limit before tokenizing it, naming the limit', () => {
    const e = errorOf(() => parseAdql(`SELECT ra FROM stars WHERE ra IN (${chain(60_000, '1', ',')})`));
    expect(e.code).toBe('LIMIT');
    expect(e.message).toBe('the query is 120034 characters long; the query length limit of this service is 100000');
    expect(e.hint).toMatch(/TAP_UPLOAD/);
  });

  it('turns a 5,000-term 1+1+… chain into a LIMIT error naming the expression depth limit', () => {
    const e = errorOf(() => translateAdql(`SELECT ${chain(5000, '1', '+')} FROM stars`, catalog));
    expect(e.code).toBe('LIMIT');
    expect(e.message).toMatch(/^the query is more than 500 levels deep here .*; the expression depth limit of this service is 500$/);
  });

  it('turns a 50k-term OR chain into a LIMIT error, also when the length limit is raised', () => {
    const q = `SELECT ra FROM stars WHERE ${chain(50_000, 'ra = 1', ' OR ')}`;
    expect(errorOf(() => translateAdql(q, catalog)).message).toMatch(/query length limit of this service is 100000/);
    const e = errorOf(() => translateAdql(q, catalog, { limits: { maxLength: 10_000_000 } }));
    expect(e.message).toMatch(/expression depth limit of this service is 500/);
  });

  it.each([
    ['+', '1'],
    [' OR ', 'ra = 1'],
    [' AND ', 'ra = 1'],
    ['||', "'a'"],
    [' UNION ', 'SELECT ra FROM stars'],
  ])('translates and prints chains up to the hard depth limit (%s)', (op, term) => {
    const n = HARD_MAX_DEPTH - 10;
    const q = op === ' UNION ' ? chain(n, term, op) : op === '+' || op === '||' ? `SELECT ${chain(n, term, op)} FROM stars` : `SELECT ra FROM stars WHERE ${chain(n, term, op)}`;
    const limits = { maxDepth: HARD_MAX_DEPTH, maxLength: 1e7 };
    expect(translateAdql(q, catalog, { limits }).sql).toMatch(/^SELECT /);
    // every one of the n terms is printed (the printer walked the whole chain)
    expect(printQuery(parseAdql(q, { limits })).split(term).length - 1).toBe(n);
  });

  it('limits subquery nesting', () => {
    let q = 'SELECT ra FROM stars';
    for (let i = 0; i < 17; i++) q = `SELECT ra FROM (${q}) AS q${i}`;
    const e = errorOf(() => parseAdql(q));
    expect(e.code).toBe('LIMIT');
    expect(e.message).toBe('subqueries nest 17 levels deep here; the subquery depth limit of this service is 16');
    expect(printQuery(parseAdql(q, { limits: { maxSubqueryDepth: 17 } }))).toContain('AS q16');
  });

  it('limits the tables of one FROM clause, joined or comma-separated', () => {
    const joined = `SELECT s0.ra FROM stars AS s0 ${Array.from({ length: 32 }, (_, i) => `JOIN stars AS s${i + 1} ON s${i + 1}.ra = s${i}.ra`).join(' ')}`;
    expect(errorOf(() => parseAdql(joined)).message).toBe('this FROM clause has 33 tables or subqueries; the tables in one FROM clause limit of this service is 32');
    const commas = `SELECT COUNT(*) FROM ${Array.from({ length: 5 }, (_, i) => `stars AS s${i}`).join(', ')}`;
    expect(errorOf(() => parseAdql(commas, { limits: { maxTables: 4 } })).code).toBe('LIMIT');
    expect(printQuery(parseAdql(commas))).toContain('stars AS s4');
  });

  it('names the nesting depth limit', () => {
    const e = errorOf(() => parseAdql(`SELECT ${'('.repeat(200)}1${')'.repeat(200)} FROM stars`));
    expect(e.code).toBe('TOO_DEEP');
    expect(e.message).toMatch(/the nesting depth limit of this service is 150$/);
  });

  it('keeps the defaults below the hard depth limit', () => {
    expect(DEFAULT_ADQL_LIMITS.maxDepth).toBeLessThan(HARD_MAX_DEPTH);
  });
});
