/** translateAdql's inlineLiterals (the COPY path's SQL, which cannot take bind parameters): hostile strings stay
 *  values and cannot change the statement. Each query runs in both forms on the test PostgreSQL
 *  and must return the same rows; the pure cases check the SQL text itself. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdqlError, translateAdql } from '../adql/index.js';
import { migrate, MIGRATIONS, type Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { testDatabases } from './helpers/databases.js';

const catalog = publishedCatalog();

const HOSTILE = [
  "it's",
  "'",
  "''",
  '\\',
  "\\'",
  "\\'; DROP TABLE csc2.master_source; --",
  "'; DROP TABLE csc2.master_source; --",
  "x' OR '1'='1",
  '$1',
  '$1 $2 $$',
  '$tag$ x $tag$',
  "E'\\x41'",
  "U&'\\0041'",
  '-- comment',
  '/* open',
  '%_[]',
  'é日本😀 ǅ\u2028',
  '\n\r\t',
  '',
];

/** An ADQL string literal for s ('' doubles a quote; nothing else is special in ADQL). */
const adqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

describe('inline literals in translated SQL', () => {
  it.each([
    ["SELECT name FROM csc2.master_source WHERE name = 'a''b'", `"master_source"."name" = 'a''b'`],
    ["SELECT name FROM csc2.master_source WHERE name = 'back\\slash $1'", `"master_source"."name" = 'back\\slash $1'`],
  ])('%s', (adql, fragment) => {
    const t = translateAdql(adql, catalog, { inlineLiterals: true });
    expect(t.params).toEqual([]);
    expect(t.sql).toContain(fragment);
    expect(t.sql).not.toMatch(/\$\d+(?!')/);
  });

  it('keeps parameters by default', () => {
    const t = translateAdql("SELECT name FROM csc2.master_source WHERE name = 'a''b'", catalog);
    expect(t.params).toEqual(["a'b"]);
    expect(t.sql).toContain('"master_source"."name" = $1');
  });

  it('refuses NUL, which PostgreSQL text cannot hold', () => {
    const err = (() => {
      try {
        translateAdql("SELECT name FROM csc2.master_source WHERE name = 'a\u0000b'", catalog, { inlineLiterals: true });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(AdqlError);
    expect((err as AdqlError).code).toBe('UNSUPPORTED');
    expect((err as AdqlError).column).toBe(50);
  });
});

describe.each(testDatabases())('inline literals run as values on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const opened = await backend.open();
    db = opened.db;
    drop = opened.drop;
    await migrate(db, MIGRATIONS);
    for (const [i, s] of HOSTILE.entries()) {
      await db.query('INSERT INTO csc2.master_source (name, ra, dec, hpx14) VALUES ($1, $2, 0, 0)', [s, i]);
    }
  });
  afterAll(async () => drop());

  async function runInline(sql: string): Promise<unknown[][]> {
    // As the COPY path runs it: standard_conforming_strings on, in a read-only transaction.
    return db.transaction(
      async (tx) => {
        await tx.exec('SET LOCAL standard_conforming_strings = on');
        return (await tx.query(sql)).rows;
      },
      { readOnly: true },
    );
  }

  async function outcome(rows: Promise<unknown[][]>): Promise<unknown> {
    return rows.catch((err: unknown) => ({ sqlstate: (err as { code?: string }).code }));
  }

  it.each(HOSTILE.map((s) => [JSON.stringify(s), s] as const))('%s', async (_label, s) => {
    const queries = [
      `SELECT name, ra FROM csc2.master_source WHERE name = ${adqlString(s)}`,
      `SELECT ${adqlString(s)} AS v, name || ${adqlString(s)} AS w FROM csc2.master_source WHERE ra = 0`,
      `SELECT COUNT(*) AS n FROM csc2.master_source WHERE name LIKE ${adqlString(s)} OR name IN (${adqlString(s)}, 'x')`,
    ];
    for (const adql of queries) {
      const p = translateAdql(adql, catalog);
      const inline = translateAdql(adql, catalog, { inlineLiterals: true });
      expect(inline.params).toEqual([]);
      // Same rows, or the same SQLSTATE (a LIKE pattern ending in \ is an error either way).
      const viaParams = await outcome(db.query(p.sql, p.params).then((r) => r.rows));
      expect(await outcome(runInline(inline.sql))).toEqual(viaParams);
    }
    // The value comes back unchanged, and the table is still there with all its rows.
    const [row] = (await db.query(translateAdql(queries[0] as string, catalog).sql, [s])).rows;
    expect(row).toEqual([s, HOSTILE.indexOf(s)]);
    const echo = await runInline(translateAdql(queries[1] as string, catalog, { inlineLiterals: true }).sql);
    expect(echo).toEqual([[s, HOSTILE[0] + s]]);
    expect((await db.query('SELECT count(*)::int FROM csc2.master_source')).rows).toEqual([[HOSTILE.length]]);
  });
});
