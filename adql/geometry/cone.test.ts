/** Cone searches through coneFilterSql return exactly the rows a brute-force distance test returns, on a table
 *  indexed by hpx14 (poles, RA = 0/360 and base-pixel meridians included); on PostgreSQL the planner uses the
 *  hpx14 index for a 10′ cone. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/index.js';
import { testDatabases } from '../../test/helpers/databases.js';
import { coneFilterSql, snapTiny } from './cone-sql.js';
import { healpixIndex } from './healpix.js';
import { ADQL_GEOMETRY_SQL } from './sql-functions.js';
import { distance } from './spherical.js';
import { logUniform, offset, randomPosition, seededRandom } from './testing/sky.js';

const ORDER = 14;
const COLS = { ra: '"p"."ra"', dec: '"p"."dec"', healpix: '"p"."hpx14"' };

/** ~50k positions: uniform, clustered at both poles and around RA = 0/360, on the base-pixel meridians, the
 *  poles themselves, and duplicates. */
function samplePositions(seed: number): Array<[number, number]> {
  const rnd = seededRandom(seed);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < 32_000; i++) out.push(randomPosition(rnd));
  for (let i = 0; i < 5_000; i++) out.push([rnd() * 360, 90 - logUniform(rnd, 1e-7, 1.5)]);
  for (let i = 0; i < 5_000; i++) out.push([rnd() * 360, -90 + logUniform(rnd, 1e-7, 1.5)]);
  for (let i = 0; i < 5_000; i++) out.push([rnd() < 0.5 ? logUniform(rnd, 1e-9, 1) : 360 - logUniform(rnd, 1e-9, 1), (rnd() - 0.5) * 120]);
  for (let i = 0; i < 2_000; i++) out.push([90 * Math.floor(rnd() * 4), (rnd() - 0.5) * 180]);
  for (let i = 0; i < 1_000; i++) out.push(offset(12.5, 34.5, logUniform(rnd, 1e-6, 0.05), rnd() * 360)); // a dense clump
  out.push([0, 90], [123, 90], [0, -90], [0, 0], [0, 0], [180, 0], [359.9999999999, 0]);
  return out;
}

async function createPoints(db: Db, table: string, positions: Array<[number, number]>): Promise<void> {
  await db.exec(`CREATE TABLE ${table} (id integer PRIMARY KEY, ra double precision NOT NULL, dec double precision NOT NULL, hpx14 bigint NOT NULL)`);
  const rows = positions.map(([ra, dec], id) => [id, ra, dec, healpixIndex(ra, dec, ORDER)]);
  const batches: unknown[][][] = [];
  for (let i = 0; i < rows.length; i += 10_000) batches.push(rows.slice(i, i + 10_000));
  await db.copyIn(table, ['id', 'ra', 'dec', 'hpx14'], batches);
  await db.exec(`CREATE INDEX ${table}_hpx14_idx ON ${table} (hpx14); ANALYZE ${table}`);
}

describe.each(testDatabases())('cone search on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  const positions = samplePositions(99);

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    for (const statement of ADQL_GEOMETRY_SQL) await db.exec(statement);
    await createPoints(db, 'pts', positions);
  });
  afterAll(async () => drop());

  /** Ids within r by the same exact SQL test, without the index: TS proposes every row within r + 1e-9°, SQL
   *  decides (so rounding at the rim cannot make the two sides disagree). */
  async function bruteForce(ra: number, dec: number, r: number): Promise<number[]> {
    const candidates: number[] = [];
    positions.forEach(([pra, pdec], id) => {
      if (distance(ra, dec, pra, pdec) <= r + 1e-9) candidates.push(id);
    });
    const res = await db.query(
      'SELECT id FROM pts p WHERE id = ANY($1::int[]) AND adql.point_in_circle(ra, dec, $2, $3, $4) = 1 ORDER BY id',
      [candidates, ra, dec, r],
    );
    return res.rows.map((x) => x[0] as number);
  }

  async function viaIndex(ra: number, dec: number, r: number): Promise<number[]> {
    const res = await db.query(`SELECT id FROM pts p WHERE ${coneFilterSql(COLS, ra, dec, r, ORDER)} ORDER BY id`);
    return res.rows.map((x) => x[0] as number);
  }

  it('returns exactly the brute-force rows for hundreds of random cones (1″ to 30°, poles, RA wrap, rims)', async () => {
    const centre = fc.oneof(
      fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })),
      fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: 88, max: 90, noNaN: true })),
      fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: -88, noNaN: true })),
      fc.tuple(fc.constantFrom(0, 90, 180, 270), fc.constantFrom(90, -90, 60, -60, 0)),
      fc.integer({ min: 0, max: positions.length - 1 }).map((i) => positions[i]!), // on a data point
    );
    const radius = fc.double({ min: Math.log(1 / 3600), max: Math.log(30), noNaN: true }).map(Math.exp);
    // Either a random centre and radius, or a centre near some row and exactly that row's distance as radius,
    // which puts the row on the rim.
    const rimCone = fc
      .tuple(fc.integer({ min: 0, max: positions.length - 1 }), radius, fc.double({ min: 0, max: 360, noNaN: true }))
      .map(([row, dist, pa]) => {
        const [pra, pdec] = positions[row]!;
        const [ra, dec] = offset(pra, pdec, dist, pa);
        return { ra, dec, r: distance(ra, dec, pra, pdec), isRim: true };
      });
    const cone = fc.oneof(
      fc.tuple(centre, radius).map(([[ra, dec], r]) => ({ ra, dec, r, isRim: false })),
      rimCone,
    );
    let total = 0;
    let rimCones = 0;
    await fc.assert(
      fc.asyncProperty(cone, async ({ ra: rawRa, dec: rawDec, r, isRim }) => {
        const [ra, dec] = [snapTiny(rawRa), snapTiny(rawDec)]; // as coneFilterSql does; SQL would underflow
        if (isRim) rimCones++;
        const expected = await bruteForce(ra, dec, r);
        expect(await viaIndex(ra, dec, r)).toEqual(expected);
        total += expected.length;
      }),
      { numRuns: 400, seed: 4242 },
    );
    expect(total).toBeGreaterThan(10_000); // the cones did hit rows
    expect(rimCones).toBeGreaterThan(100);
  });

  it('finds rows on the base-pixel meridians of the polar caps and at the poles', async () => {
    for (const [ra, dec] of [[0, 60], [90, 75], [180, 45], [270, -80], [0, 90], [0, -90]] as const) {
      expect(await viaIndex(ra, dec, 1)).toEqual(await bruteForce(ra, dec, 1));
      expect(await viaIndex(ra, dec, 1 / 3600)).toEqual(await bruteForce(ra, dec, 1 / 3600));
    }
    const pole = await viaIndex(200, 90, 1e-6);
    expect(pole).toEqual(expect.arrayContaining([positions.length - 7, positions.length - 6])); // (0, 90) and (123, 90)
  });

  it('covers the whole sky from 180°', async () => {
    expect(await viaIndex(10, 10, 180)).toHaveLength(positions.length);
  });

  it.runIf(backend.name === 'pg')('uses the hpx14 index for a 10′ cone on a large table', async () => {
    const rnd = seededRandom(7);
    const big: Array<[number, number]> = [];
    for (let i = 0; i < 300_000; i++) big.push(randomPosition(rnd));
    await createPoints(db, 'big', big);
    const where = coneFilterSql(COLS, 150.1, 2.2, 10 / 60, ORDER);
    const plan = (await db.query(`EXPLAIN SELECT p.id, p.ra, p.dec FROM big p WHERE ${where}`)).rows.map((r) => r[0]).join('\n');
    expect(plan).toMatch(/Bitmap Index Scan on big_hpx14_idx|Index Scan using big_hpx14_idx/);
    expect(plan).not.toMatch(/Seq Scan/);
    const n = (await db.query(`SELECT count(*) FROM big p WHERE ${where}`)).rows[0]![0];
    const brute = big.filter(([ra, dec]) => distance(150.1, 2.2, ra, dec) <= 10 / 60).length;
    expect(n).toBe(BigInt(brute));
  });
});
