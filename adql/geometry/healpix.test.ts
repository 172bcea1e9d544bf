import { ang2pix_nest, pix2vec_nest } from '@hscmap/healpix';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coneFilterSql, healpixRangesSql, sqlFloat } from './cone-sql.js';
import { MAX_QUERY_RANGES, healpixIndex, healpixPixelCount, healpixRangesForCone, mergeNarrowGaps, queryOrderForRadius } from './healpix.js';
import { GeometryError, area, distance, toRaDec } from './spherical.js';
import { offset, seededRandom } from './testing/sky.js';

const ORDER = 14;

function covers(ranges: Array<[number, number]>, id: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (id < a) hi = mid - 1;
    else if (id > b) lo = mid + 1;
    else return true;
  }
  return false;
}

function expectWellFormed(ranges: Array<[number, number]>, order: number): void {
  expect(ranges.length).toBeGreaterThan(0);
  for (let i = 0; i < ranges.length; i++) {
    const [a, b] = ranges[i]!;
    expect(Number.isSafeInteger(a) && Number.isSafeInteger(b) && a <= b).toBe(true);
    if (i > 0) expect(a).toBeGreaterThan(ranges[i - 1]![1] + 1); // sorted, disjoint, not touching
  }
  expect(ranges[0]![0]).toBeGreaterThanOrEqual(0);
  expect(ranges[ranges.length - 1]![1]).toBeLessThan(healpixPixelCount(order));
}

/** Points of the cone that a cover must contain: the centre, the rim (exactly r away, up to rounding) and the
 *  inside. Returns the first one missed, or undefined. */
function firstMissed(ra: number, dec: number, r: number, order: number, samples: number, seed: number): [number, number] | undefined {
  const ranges = healpixRangesForCone(ra, dec, r, order);
  const rnd = seededRandom(seed);
  const points: Array<[number, number]> = [[ra, dec]];
  for (let i = 0; i < samples; i++) points.push(offset(ra, dec, r, (360 * i) / samples + rnd()));
  for (let i = 0; i < samples; i++) points.push(offset(ra, dec, r * Math.sqrt(rnd()), rnd() * 360));
  return points.find(([pra, pdec]) => !covers(ranges, healpixIndex(pra, pdec, order)));
}

/** Cone centres that stress the pixelisation: anywhere, at and near both poles, on and near RA = 0/360. */
const centre = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })),
  fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: 89, max: 90, noNaN: true })),
  fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: -89, noNaN: true })),
  fc.tuple(fc.constantFrom(0, 90, 359.9999999), fc.constantFrom(90, -90)),
  fc.tuple(fc.oneof(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 359.5, max: 360, maxExcluded: true, noNaN: true })), fc.double({ min: -90, max: 90, noNaN: true })),
  fc.tuple(fc.constantFrom(0, 45, 90, 180, 270), fc.constantFrom(0, 41.8103148957786, -41.8103148957786)), // base-pixel corners
);
/** 1″ to 30°, log-uniform. */
const radius = fc.double({ min: Math.log(1 / 3600), max: Math.log(30), noNaN: true }).map(Math.exp);

describe('healpixIndex', () => {
  it.each([
    [45, 60, 0, 0],
    [315, 60, 0, 3],
    [0, 0, 0, 4],
    [90, 0, 0, 5],
    [45, -60, 0, 8],
    [315, -60, 0, 11],
    [360, 0, 0, 4],
    [-90, 0, 0, 7],
  ])('(%s, %s) at order %s is pixel %s', (ra, dec, order, id) => {
    expect(healpixIndex(ra, dec, order)).toBe(id);
  });

  it('gives back the pixel whose centre it is given, at order 14', () => {
    const rnd = seededRandom(1);
    for (let i = 0; i < 2000; i++) {
      const id = Math.floor(rnd() * healpixPixelCount(ORDER));
      const [ra, dec] = toRaDec(pix2vec_nest(2 ** ORDER, id));
      expect(healpixIndex(ra, dec, ORDER)).toBe(id);
    }
  });

  it('agrees with @hscmap/healpix away from its base-meridian bug', () => {
    const rnd = seededRandom(5);
    for (let i = 0; i < 20_000; i++) {
      const ra = rnd() * 360;
      const dec = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
      const order = i % 15;
      expect(healpixIndex(ra, dec, order)).toBe(ang2pix_nest(2 ** order, ((90 - dec) * Math.PI) / 180, (ra * Math.PI) / 180));
    }
  });

  it.each([0, 90, 180, 270, 360])('puts polar-cap points on the meridian %s° near them, not at the pole', (ra) => {
    for (const dec of [41.8103148957786, 45, 60, 89.99, -45, -89.99]) {
      const [pra, pdec] = toRaDec(pix2vec_nest(2 ** ORDER, healpixIndex(ra, dec, ORDER)));
      expect(distance(ra, dec, pra, pdec)).toBeLessThan(0.005); // pixel radius ~ 10″
    }
  });

  it('nests: the order-k pixel is the order-14 pixel shifted right by 2(14 - k) bits', () => {
    const rnd = seededRandom(2);
    for (let i = 0; i < 500; i++) {
      const ra = rnd() * 360;
      const dec = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
      const fine = healpixIndex(ra, dec, ORDER);
      for (const k of [0, 5, 10, 13]) expect(healpixIndex(ra, dec, k)).toBe(Math.floor(fine / 4 ** (ORDER - k)));
    }
  });

  it.each([
    [0, 91, 14],
    [Number.NaN, 0, 14],
    [0, Number.POSITIVE_INFINITY, 14],
    [0, 0, 15],
    [0, 0, 2.5],
  ])('rejects (%s, %s) at order %s', (ra, dec, order) => {
    expect(() => healpixIndex(ra, dec, order)).toThrow(GeometryError);
  });
});

describe('healpixRangesForCone', () => {
  it('covers every point of random cones (rim, inside, centre), poles and RA=0 included', () => {
    fc.assert(
      fc.property(centre, radius, fc.integer(), ([ra, dec], r, seed) => {
        const ranges = healpixRangesForCone(ra, dec, r, ORDER);
        expectWellFormed(ranges, ORDER);
        expect(firstMissed(ra, dec, r, ORDER, 200, seed)).toBeUndefined();
      }),
      { numRuns: 1500, seed: 20240611 },
    );
  });

  it('covers cones bigger than a hemisphere', () => {
    fc.assert(
      fc.property(centre, fc.double({ min: 30, max: 179.999, noNaN: true }), fc.integer(), ([ra, dec], r, seed) => {
        const ranges = healpixRangesForCone(ra, dec, r, ORDER);
        expectWellFormed(ranges, ORDER);
        expect(firstMissed(ra, dec, r, ORDER, 400, seed)).toBeUndefined();
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('covers rims densely at a coarse index order (every order-8 pixel the rim passes through)', () => {
    const rnd = seededRandom(3);
    for (let i = 0; i < 40; i++) {
      const ra = rnd() * 360;
      const dec = i % 4 === 0 ? 90 - rnd() : (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
      const r = 0.05 + rnd() * 3;
      expect(firstMissed(ra, dec, r, 8, 20_000, i)).toBeUndefined();
    }
  });

  it('returns the whole sky as one range from 180°', () => {
    expect(healpixRangesForCone(12, 34, 180, ORDER)).toEqual([[0, healpixPixelCount(ORDER) - 1]]);
    expect(healpixRangesForCone(12, 34, 500, 3)).toEqual([[0, 767]]);
  });

  it('covers the centre pixel for radius 0', () => {
    for (const [ra, dec] of [[0, 90], [123.4, -56.7], [359.99999, 0]] as const) {
      expect(covers(healpixRangesForCone(ra, dec, 0, ORDER), healpixIndex(ra, dec, ORDER))).toBe(true);
    }
  });

  it('stays tight: few ranges and little extra area for typical radii', () => {
    const rnd = seededRandom(4);
    const counts: number[] = [];
    for (const r of [1 / 3600, 10 / 3600, 1 / 60, 0.05, 10 / 60, 1, 10]) {
      for (let i = 0; i < 50; i++) {
        const ra = rnd() * 360;
        const dec = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
        const ranges = healpixRangesForCone(ra, dec, r, ORDER);
        counts.push(ranges.length);
        // gaps are filled down to MAX_QUERY_RANGES unless that would add more than half the cover
        expect(ranges.length).toBeLessThanOrEqual(10);
        const covered = ranges.reduce((s, [a, b]) => s + b - a + 1, 0) * (area([0, 0, 180]) / healpixPixelCount(ORDER));
        // tiny cones are bounded by the 13″ pixel; from an arcminute up the cover hugs the disc (the unmerged cover
        // is ≤ 2.3× the disc, filled gaps add at most half of it)
        if (r >= 1 / 60) expect(covered / area([0, 0, r])).toBeLessThan(3.5);
      }
    }
    counts.sort((a, b) => a - b);
    expect(counts[counts.length >> 1]).toBeLessThanOrEqual(MAX_QUERY_RANGES);
  });

  it('restores console.assert after the disc walk', () => {
    const original = console.assert;
    healpixRangesForCone(10, 20, 0.05, ORDER);
    healpixRangesForCone(10, 89.99, 1, ORDER);
    expect(console.assert).toBe(original);
  });

  it('fills the narrowest gaps first, within the area budget', () => {
    const ranges = (): Array<[number, number]> => [[0, 9], [12, 19], [30, 39], [41, 49], [100, 109]];
    // 46 ids covered; budget 0.5 allows 23 more: gaps 1 (39→41), 2 (9→12), 10 (19→30) fit, 50 (49→100) does not
    expect(mergeNarrowGaps(ranges(), 1, 0.5)).toEqual([[0, 49], [100, 109]]);
    expect(mergeNarrowGaps(ranges(), 3, 0.5)).toEqual([[0, 19], [30, 49], [100, 109]]);
    expect(mergeNarrowGaps(ranges(), 5, 0.5)).toEqual(ranges());
    expect(mergeNarrowGaps(ranges(), 1, 10)).toEqual([[0, 109]]);
    expect(mergeNarrowGaps(ranges(), 2, 0)).toEqual(ranges());
  });

  it('picks coarser query orders for larger radii', () => {
    expect(queryOrderForRadius(1 / 3600, 14)).toBe(14);
    expect(queryOrderForRadius(1 / 60, 14)).toBe(13);
    expect(queryOrderForRadius(10 / 60, 14)).toBe(10);
    expect(queryOrderForRadius(1, 14)).toBe(8);
    expect(queryOrderForRadius(10 / 60, 9)).toBe(9);
  });

  it.each([
    [0, 0, -1],
    [0, 0, Number.NaN],
    [0, -90.5, 1],
    [Number.POSITIVE_INFINITY, 0, 1],
  ])('rejects (%s, %s, r=%s)', (ra, dec, r) => {
    expect(() => healpixRangesForCone(ra, dec, r, ORDER)).toThrow(GeometryError);
  });
});

describe('coneFilterSql', () => {
  it('emits BETWEEN ranges and the exact test with numeric literals only', () => {
    const sql = coneFilterSql({ ra: '"m"."ra"', dec: '"m"."dec"', healpix: '"m"."hpx14"' }, 10.5, -20.25, 1 / 60, ORDER);
    const ranges = healpixRangesForCone(10.5, -20.25, 1 / 60, ORDER);
    const head = ranges.map(([a, b]) => (a === b ? `"m"."hpx14" = ${a}` : `"m"."hpx14" BETWEEN ${a} AND ${b}`)).join(' OR ');
    expect(sql).toBe(
      `((${head}) AND adql.point_in_circle("m"."ra", "m"."dec", 10.5::float8, (-20.25)::float8, 0.016666666666666666::float8) = 1)`,
    );
  });

  it('writes single pixels as equalities and no ranges as FALSE', () => {
    expect(healpixRangesSql('"h"', [[5, 5], [7, 9]])).toBe('("h" = 5 OR "h" BETWEEN 7 AND 9)');
    expect(healpixRangesSql('"h"', [])).toBe('FALSE');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses %s', (x) => {
    expect(() => sqlFloat(x)).toThrow(GeometryError);
    expect(() => coneFilterSql({ ra: 'ra', dec: 'dec', healpix: 'h' }, x, 0, 1, ORDER)).toThrow(GeometryError);
    expect(() => coneFilterSql({ ra: 'ra', dec: 'dec', healpix: 'h' }, 0, 0, x, ORDER)).toThrow(GeometryError);
  });

  it('formats literals that round-trip', () => {
    expect(sqlFloat(1e-7)).toBe('1e-7::float8');
    expect(sqlFloat(-0)).toBe('0::float8');
    expect(sqlFloat(-1.5e300)).toBe('(-1.5e+300)::float8');
  });
});
