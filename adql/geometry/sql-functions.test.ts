/** The adql.* SQL functions agree with the TypeScript reference (spherical.ts) on thousands of random inputs, on a
 *  throw-away database of the test PostgreSQL (embedded, or DATABASE_URL's). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/index.js';
import { testDatabases } from '../../test/helpers/databases.js';
import { ADQL_GEOMETRY_SQL } from './sql-functions.js';
import { SQ_DEG_PER_SR, area, boxToPolygon, centroid, contains, distance, intersects, pointInCircle } from './spherical.js';
import { logUniform, offset, randomPolygon, randomPosition, seededRandom } from './testing/sky.js';

/** A centre that is anywhere, near a pole or near RA = 0/360. */
function randomCentre(rnd: () => number): [number, number] {
  const u = rnd();
  if (u < 0.5) return randomPosition(rnd);
  if (u < 0.65) return [rnd() * 360, 90 - logUniform(rnd, 1e-6, 2)];
  if (u < 0.8) return [rnd() * 360, -90 + logUniform(rnd, 1e-6, 2)];
  return [rnd() < 0.5 ? logUniform(rnd, 1e-9, 1) : 360 - logUniform(rnd, 1e-9, 1), randomPosition(rnd)[1]];
}

type Kind = 'point' | 'circle' | 'polygon';

function randomShape(rnd: () => number, kind: Kind, ra: number, dec: number, size: number): number[] {
  if (kind === 'point') return [ra, dec];
  if (kind === 'circle') return [ra, dec, size];
  return randomPolygon(rnd, ra, dec, size);
}

/** Pairs of nearby shapes of random kinds and sizes (1 mas to 60°), so CONTAINS and INTERSECTS go both ways. */
function randomPairs(seed: number, n: number): Array<[number[], number[]]> {
  const rnd = seededRandom(seed);
  const kinds: Kind[] = ['point', 'circle', 'polygon'];
  const out: Array<[number[], number[]]> = [];
  for (let i = 0; i < n; i++) {
    const [ra, dec] = randomCentre(rnd);
    const sa = logUniform(rnd, 3e-7, 60);
    const sb = Math.min(90, sa * logUniform(rnd, 0.2, 5));
    const [rb, db] = offset(ra, dec, (sa + sb) * rnd() * 1.2, rnd() * 360);
    const a = randomShape(rnd, kinds[Math.floor(rnd() * 3)]!, ra, dec, sa);
    const b = randomShape(rnd, kinds[i % 7 === 0 ? 0 : 1 + Math.floor(rnd() * 2)]!, rb, db, sb);
    out.push([a, b]);
  }
  return out;
}

/** `{1,2,3}` text for a double precision[] parameter (String() round-trips every double). */
function arrayText(g: number[]): string {
  return `{${g.map(String).join(',')}}`;
}

function angularGap(a: number[], b: number[]): number {
  return distance(a[0]!, a[1]!, b[0]!, b[1]!);
}

describe.each(testDatabases())('adql.* geometry functions on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    for (const statement of ADQL_GEOMETRY_SQL) await db.exec(statement);
    for (const statement of ADQL_GEOMETRY_SQL) await db.exec(statement); // idempotent
  });
  afterAll(async () => drop());

  async function column(sql: string, params: unknown[]): Promise<unknown[]> {
    return (await db.query(sql, params)).rows.map((r) => r[0]);
  }

  it('distance and point_in_circle match the reference on 6000 pairs (tiny, antipodal, poles, RA wrap)', async () => {
    const rnd = seededRandom(11);
    const cols: number[][] = [[], [], [], [], []];
    for (let i = 0; i < 6000; i++) {
      const [ra, dec] = randomCentre(rnd);
      const kind = i % 4;
      let p: [number, number];
      if (kind === 0) p = randomPosition(rnd);
      else if (kind === 1) p = offset(ra, dec, logUniform(rnd, 1e-10, 1), rnd() * 360); // tiny separations
      else if (kind === 2) p = offset(ra, dec, 180 - logUniform(rnd, 1e-10, 1), rnd() * 360); // near-antipodal
      else p = [ra + (rnd() < 0.5 ? 360 : -360) * Math.floor(rnd() * 2), -dec]; // RA outside [0, 360)
      cols[0]!.push(ra);
      cols[1]!.push(dec);
      cols[2]!.push(p[0]);
      cols[3]!.push(p[1]);
      cols[4]!.push(distance(ra, dec, p[0], p[1]) * logUniform(rnd, 0.5, 2));
    }
    const r = await db.query(
      `SELECT adql.distance(a, b, c, d), adql.point_in_circle(c, d, a, b, r)
       FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[], $5::float8[]) WITH ORDINALITY AS t(a, b, c, d, r, i)
       ORDER BY i`,
      cols,
    );
    expect(r.rows).toHaveLength(6000);
    let worst = 0;
    r.rows.forEach((row, i) => {
      const [a, b, c, d, rad] = cols.map((col) => col[i]!) as [number, number, number, number, number];
      const ref = distance(a, b, c, d);
      worst = Math.max(worst, Math.abs((row[0] as number) - ref) / Math.max(ref, 1e-300));
      expect(Math.abs((row[0] as number) - ref)).toBeLessThanOrEqual(1e-13 * ref + 1e-300);
      expect(row[1]).toBe(pointInCircle(c, d, a, b, rad) ? 1 : 0);
    });
    expect(worst).toBeLessThan(1e-13);
  });

  it('contains and intersects match the reference on 3000 random shape pairs each', async () => {
    for (const [name, fn, seed] of [['contains', contains, 21], ['intersects', intersects, 22]] as const) {
      const pairs = randomPairs(seed, 3000);
      const got = await column(
        `SELECT adql.${name}(a::float8[], b::float8[]) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(a, b, i) ORDER BY i`,
        [pairs.map((p) => arrayText(p[0])), pairs.map((p) => arrayText(p[1]))],
      );
      const want = pairs.map(([a, b]) => (fn(a, b) ? 1 : 0));
      const mismatches = pairs.filter((_p, i) => got[i] !== want[i]);
      expect(mismatches, name).toEqual([]);
      // the sample is not degenerate: both answers occur often
      const ones = want.filter((x) => x === 1).length;
      expect(ones, name).toBeGreaterThan(300);
      expect(ones, name).toBeLessThan(2700);
    }
  });

  it('area and centroid match the reference on 2000 circles and polygons', async () => {
    const rnd = seededRandom(31);
    const shapes: number[][] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const [ra, dec] = randomCentre(rnd);
      const size = logUniform(rnd, 3e-7, 80);
      shapes.push(i % 4 === 0 ? [ra, dec, size * 2] : randomPolygon(rnd, ra, dec, size, 12));
      sizes.push((size * Math.PI) / 180);
    }
    const r = await db.query(
      `SELECT adql.area(g::float8[]), adql.centroid(g::float8[]) FROM unnest($1::text[]) WITH ORDINALITY AS t(g, i) ORDER BY i`,
      [shapes.map(arrayText)],
    );
    // Unit vectors carry ~1e-16 rad of rounding, which a polygon of size θ rad and area A sr turns into ~1e-16·θ/A
    // of relative area and ~1e-16·θ/A rad of centroid (README: accuracy); TS and SQL libm differ by that much.
    r.rows.forEach((row, i) => {
      const g = shapes[i]!;
      const a = area(g);
      const grain = (1e-14 * sizes[i]!) / (a / SQ_DEG_PER_SR);
      expect(Math.abs((row[0] as number) - a), `area of ${arrayText(g)}`).toBeLessThanOrEqual((1e-12 + grain) * a);
      expect(angularGap(row[1] as number[], centroid(g)), `centroid of ${arrayText(g)}`).toBeLessThan(1e-12 + grain * 60);
    });
  });

  it('_point_in_polygon and _box match the reference', async () => {
    const rnd = seededRandom(41);
    const polys: number[][] = [];
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 1000; i++) {
      const [ra, dec] = randomCentre(rnd);
      const size = logUniform(rnd, 1e-5, 40);
      polys.push(randomPolygon(rnd, ra, dec, size));
      points.push(offset(ra, dec, size * rnd(), rnd() * 360));
    }
    const got = await column(
      `SELECT adql._point_in_polygon(x, y, p::float8[]) FROM unnest($1::float8[], $2::float8[], $3::text[]) WITH ORDINALITY AS t(x, y, p, i) ORDER BY i`,
      [points.map((p) => p[0]), points.map((p) => p[1]), polys.map(arrayText)],
    );
    expect(got).toEqual(points.map(([x, y], i) => (contains([x, y], polys[i]!) ? 1 : 0)));
    for (const [ra, dec, w, h] of [[0, 0, 2, 4], [359.5, -30, 10, 1], [100, 89, 4, 4], [12, -89.5, 0.01, 3]] as const) {
      const [[sqlBox]] = (await db.query('SELECT adql._box($1, $2, $3, $4)', [ra, dec, w, h])).rows as [[number[]]];
      const ref = boxToPolygon(ra, dec, w, h);
      for (let k = 0; k < 8; k += 2) expect(distance(sqlBox[k]!, sqlBox[k + 1]!, ref[k]!, ref[k + 1]!)).toBeLessThan(1e-12);
    }
  });

  it('knows the textbook values', async () => {
    const [row] = (
      await db.query(`SELECT adql.distance(359.5, 0, 0.5, 0), adql.area(ARRAY[12, 34, 1]), adql.area(ARRAY[0, 0, 90, 0, 0, 90]),
                             adql.area(ARRAY[0, 80, 90, 80, 180, 80, 270, 80]), adql.area(ARRAY[1, 2]), adql.centroid(ARRAY[3, 4, 5]),
                             adql.contains(ARRAY[0, 90], ARRAY[0, 80, 90, 80, 180, 80, 270, 80]),
                             adql.contains(ARRAY[0, 90], ARRAY[270, 80, 180, 80, 90, 80, 0, 80])`)
    ).rows;
    expect(row![0]).toBeCloseTo(1, 14);
    expect(row![1]).toBeCloseTo(3.1415129057455, 11);
    expect(row![2]).toBeCloseTo(5156.62015617741, 8);
    expect(row![3]).toBeCloseTo(201.015865054089, 9);
    expect(row!.slice(4)).toEqual([0, [3, 4], 1, 1]);
  });

  it.each([
    ['ARRAY[1, 2, 3, 4]::float8[]', 'length 4 is not a point (2), circle (3) or polygon (even, >= 6)'],
    ["'{}'::float8[]", 'length 0 is not a point'],
    ['ARRAY[1, 2, 3, 4, 5, 6, 7]::float8[]', 'length 7 is not a point'],
    ['ARRAY[1, 2, -3]::float8[]', 'circle radius must be >= 0'],
    ["'{{1,2},{3,4}}'::float8[]", 'one-dimensional'],
  ])('raises SQLSTATE 22023 for %s', async (g, message) => {
    await expect(db.query(`SELECT adql.contains(ARRAY[0, 0], ${g})`)).rejects.toMatchObject({ code: '22023', message: expect.stringContaining(message) });
    await expect(db.query(`SELECT adql.area(${g})`)).rejects.toMatchObject({ code: '22023' });
  });

  it('returns NULL for NULL arguments and NULL coordinates', async () => {
    const [row] = (
      await db.query(`SELECT adql.distance(NULL, 0, 0, 0), adql.point_in_circle(0, NULL, 0, 0, 1), adql.contains(ARRAY[NULL, 0]::float8[], ARRAY[0, 0, 1]),
                             adql.intersects(ARRAY[0, 0, 1], NULL), adql.area(ARRAY[0, NULL, 1]::float8[]), adql.centroid(ARRAY[NULL, 0]::float8[])`)
    ).rows;
    expect(row).toEqual([null, null, null, null, null, null]);
  });

  it('inlines point_in_circle into the query, folding the constant half', async () => {
    await db.exec('CREATE TABLE inline_probe (ra double precision, dec double precision)');
    const plan = (await db.query('EXPLAIN (VERBOSE) SELECT * FROM inline_probe WHERE adql.point_in_circle(ra, dec, 10.5::float8, 20::float8, 1::float8) = 1')).rows
      .map((r) => r[0])
      .join('\n');
    expect(plan).toMatch(/atan2/);
    expect(plan).not.toMatch(/point_in_circle|adql\.distance/);
  });

  it('declares every function IMMUTABLE STRICT PARALLEL SAFE', async () => {
    const r = await db.query(
      `SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'adql' ORDER BY 1`,
    );
    expect(r.rows.map((x) => x[0])).toEqual(expect.arrayContaining(['area', 'centroid', 'contains', 'distance', 'intersects', 'point_in_circle']));
    for (const row of r.rows) expect(row.slice(1), String(row[0])).toEqual(['i', true, 's']);
  });
});
