import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateAdql } from '../adql/index.js';
import { healpixIndex, snapTiny } from '../adql/geometry/index.js';
import { migrate, MIGRATIONS } from '../db/index.js';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { testDatabases } from './helpers/databases.js';

// Cone searches written in ADQL against csc2.master_source, translated by the real translator: the rows must be
// exactly the brute-force ones, and on PostgreSQL a 10′ cone must use the hpx14 index.
describe.each(testDatabases())('ADQL cones on csc2.master_source ($name)', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  const n = backend.name === 'pg' ? 200_000 : 20_000;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await migrate(db, MIGRATIONS);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const rows: unknown[][] = [];
    for (let i = 0; i < n; i++) {
      // a uniform sky plus clusters at both poles and around RA = 0/360
      const k = i % 10;
      const ra = k === 0 ? (rand() * 2 + 359) % 360 : rand() * 360;
      const dec = k === 1 ? 89 + rand() : k === 2 ? -89 - rand() : (Math.asin(2 * rand() - 1) * 180) / Math.PI;
      rows.push([`2CXO JTEST${String(i).padStart(7, '0')}`, ra, dec, BigInt(healpixIndex(ra, dec, 14))]);
    }
    for (let i = 0; i < rows.length; i += 20_000) await db.copyIn('csc2.master_source', ['name', 'ra', 'dec', 'hpx14'], [rows.slice(i, i + 20_000)]);
    await db.exec('ANALYZE csc2.master_source');
  }, 300_000);
  afterAll(async () => drop());

  const run = async (adql: string): Promise<string[]> => {
    const t = translateAdql(adql, publishedCatalog());
    return (await db.query(t.sql, t.params)).rows.map((r) => String(r[0])).sort();
  };

  it('returns exactly the brute-force rows for random cones (poles, RA wrap, 1″ to 3°)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.double({ min: 0, max: 360, noNaN: true, maxExcluded: true }), fc.constantFrom(0, 359.999, 0.0005)),
        fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), fc.constantFrom(90, -90, 89.5, -89.5, 0)),
        fc.double({ min: 1 / 3600, max: 3, noNaN: true }),
        fc.constantFrom('contains', 'distance', 'cone_distance'),
        async (ra, dec, r, form) => {
          const where =
            form === 'contains'
              ? `1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra}, ${dec}, ${r}))`
              : form === 'distance'
                ? `DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', ${ra}, ${dec})) <= ${r}`
                : `dbo.cone_distance(ra, dec, ${ra}, ${dec}) <= ${r * 60}`;
          const got = await run(`SELECT name FROM csc2.master_source WHERE ${where}`);
          // the translator snaps |x| < 1e-100 to 0 (PostgreSQL underflows on subnormal doubles); so does the oracle
          const brute = (await db.query('SELECT name FROM csc2.master_source WHERE adql.distance(ra, dec, $1, $2) <= $3', [snapTiny(ra), snapTiny(dec), r])).rows.map((x) => String(x[0])).sort();
          expect(got).toEqual(brute);
        },
      ),
      { numRuns: backend.name === 'pg' ? 150 : 60 },
    );
  }, 300_000);

  it.runIf(backend.name === 'pg')('uses the hpx14 index for a 10′ cone (EXPLAIN)', async () => {
    const t = translateAdql("SELECT name, ra, dec FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.2759, -58.8454, 10.0/60))", publishedCatalog());
    const plan = (await db.query(`EXPLAIN ${t.sql}`, t.params)).rows.map((r) => String(r[0])).join('\n');
    expect(plan).toMatch(/Index Scan|Bitmap Index Scan/);
    expect(plan).toContain('master_source_hpx14_idx');
    expect(plan).not.toMatch(/Seq Scan on master_source/);
  });
});
