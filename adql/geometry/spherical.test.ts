import { describe, expect, it } from 'vitest';
import {
  GeometryError,
  area,
  boundingCircle,
  boxToPolygon,
  centroid,
  contains,
  distance,
  intersects,
  pointInPolygon,
  shapeKind,
} from './spherical.js';

/** Reverses a polygon's vertex order (the other winding). */
function reversed(poly: number[]): number[] {
  const out: number[] = [];
  for (let i = poly.length - 2; i >= 0; i -= 2) out.push(poly[i]!, poly[i + 1]!);
  return out;
}

const AROUND_RA0 = [350, -5, 10, -5, 10, 5, 350, 5];
const POLE_SQUARE = [0, 80, 90, 80, 180, 80, 270, 80];
const OCTANT = [0, 0, 90, 0, 0, 90];

describe('distance', () => {
  it.each([
    ['across RA=0', 359.5, 0, 0.5, 0, 1],
    ['along a meridian', 10, 20, 10, 30, 10],
    ['from the pole', 0, 90, 123.4, 89, 1],
    ['pole to pole', 17, 90, 250, -90, 180],
    ['antipodal on the equator', 0, 0, 180, 0, 180],
    ['antipodal off the equator', 10, 30, 190, -30, 180],
    ['negative and >360 RA', -10, 0, 370, 0, 20],
  ])('%s', (_name, ra1, dec1, ra2, dec2, expected) => {
    expect(distance(ra1, dec1, ra2, dec2)).toBeCloseTo(expected, 13);
  });

  it('keeps relative precision for tiny separations', () => {
    // compare against the separation actually represented (20 + 1e-9 rounds by ~1e-15)
    expect(distance(10, 20, 10, 20 + 1e-9) / (20 + 1e-9 - 20)).toBeCloseTo(1, 9);
    const d = distance(123.456, -45.6, 123.456 + 1e-8, -45.6);
    expect(d / ((123.456 + 1e-8 - 123.456) * Math.cos((45.6 * Math.PI) / 180))).toBeCloseTo(1, 9);
    expect(distance(0, 89.9999999, 180, 89.9999999) / (2 * (90 - 89.9999999))).toBeCloseTo(1, 9);
    expect(distance(5, 5, 5, 5)).toBe(0);
  });

  it('resolves near-antipodal separations', () => {
    // 180 - d is limited by the ulp of 180 (2.8e-14)
    expect(180 - distance(0, 0, 180, 1e-7)).toBeCloseTo(1e-7, 13);
    expect(180 - distance(0, 0, 180 + 1e-6, 0)).toBeCloseTo(1e-6, 13);
  });
});

describe('area', () => {
  it('is the spherical cap for a circle', () => {
    // 2π(1 - cos 1°)·(180/π)², computed independently
    expect(area([12, 34, 1])).toBeCloseTo(3.1415129057455, 11);
    expect(area([0, 0, 180])).toBeCloseTo(41252.96124941928, 8);
    expect(area([0, 0, 1 / 3600]) / (Math.PI / 3600 ** 2)).toBeCloseTo(1, 9);
  });

  it('is the spherical excess for a polygon, whatever the winding', () => {
    expect(area(OCTANT)).toBeCloseTo(5156.62015617741, 8);
    expect(area(reversed(OCTANT))).toBeCloseTo(5156.62015617741, 8);
    // square around the north pole; L'Huilier on the 4 pole triangles gives 201.015865054089
    expect(area(POLE_SQUARE)).toBeCloseTo(201.015865054089, 9);
    expect(area(reversed(POLE_SQUARE))).toBeCloseTo(201.015865054089, 9);
  });

  it('keeps precision for tiny polygons of either winding', () => {
    const s = 1 / 3600;
    const sq = [10, 0, 10 + s, 0, 10 + s, s, 10, s];
    expect(area(sq) / (s * s)).toBeCloseTo(1, 8);
    expect(area(reversed(sq)) / (s * s)).toBeCloseTo(1, 8);
  });

  it('approaches the cap for a many-sided polygon', () => {
    const poly: number[] = [];
    for (let i = 0; i < 3600; i++) poly.push(i / 10, -80);
    expect(area(poly) / area([0, -90, 10])).toBeCloseTo(1, 5);
  });

  it('is 0 for a point', () => {
    expect(area([1, 2])).toBe(0);
  });
});

describe('pointInPolygon', () => {
  it.each([
    [0, 0, true],
    [355, 1, true],
    [9.99, -4.9, true],
    [20, 0, false],
    [180, 0, false],
    [0, 89, false],
  ])('polygon around RA=0 and (%s, %s) → %s, both windings', (ra, dec, expected) => {
    expect(pointInPolygon(ra, dec, AROUND_RA0)).toBe(expected);
    expect(pointInPolygon(ra, dec, reversed(AROUND_RA0))).toBe(expected);
  });

  it.each([
    [0, 90, true],
    [200, 85, true],
    [45, 80.5, false], // great-circle edges bulge poleward between vertices
    [0, 80.5, true],
    [0, -90, false],
    [0, 0, false],
  ])('square around the pole and (%s, %s) → %s, both windings', (ra, dec, expected) => {
    expect(pointInPolygon(ra, dec, POLE_SQUARE)).toBe(expected);
    expect(pointInPolygon(ra, dec, reversed(POLE_SQUARE))).toBe(expected);
  });

  it('handles non-convex polygons', () => {
    // a "C" shape opening east: notch between dec -1 and 1 east of ra 1
    const c = [0, -3, 3, -3, 3, -1, 1, -1, 1, 1, 3, 1, 3, 3, 0, 3];
    expect(pointInPolygon(0.5, 0, c)).toBe(true);
    expect(pointInPolygon(2, 0, c)).toBe(false);
    expect(pointInPolygon(2, 2, c)).toBe(true);
    expect(pointInPolygon(2, 0, reversed(c))).toBe(false);
  });
});

describe('centroid', () => {
  it('is the centre of symmetric polygons and circles', () => {
    const [ra, dec] = centroid(AROUND_RA0);
    expect(Math.min(ra, 360 - ra)).toBeCloseTo(0, 12);
    expect(dec).toBeCloseTo(0, 12);
    expect(centroid(POLE_SQUARE)[1]).toBeCloseTo(90, 10);
    expect(centroid(reversed(POLE_SQUARE))[1]).toBeCloseTo(90, 10);
    expect(centroid([5, 6, 7])).toEqual([5, 6]);
    expect(centroid([5, 6])).toEqual([5, 6]);
  });

  it('is the area centroid of the octant', () => {
    // ∫x dA over the octant is (π/4)(1, 1, 1)
    const [ra, dec] = centroid(OCTANT);
    expect(ra).toBeCloseTo(45, 12);
    expect(dec).toBeCloseTo((Math.atan(1 / Math.SQRT2) * 180) / Math.PI, 12);
  });
});

describe('contains and intersects', () => {
  const circle = [0, 0, 12];
  it.each([
    ['point in circle', [3, 4], circle, true],
    ['point outside circle', [12.01, 0], circle, false],
    ['circle in circle', [3, 0, 8.9], circle, true],
    ['circle crossing circle', [3, 0, 9.1], circle, false],
    ['polygon around RA=0 in circle', AROUND_RA0, circle, true],
    ['polygon not in smaller circle', AROUND_RA0, [0, 0, 7], false],
    ['circle in polygon', [0, 0, 4.9], AROUND_RA0, true],
    ['circle too big for polygon', [0, 0, 5.1], AROUND_RA0, false],
    ['polygon in polygon', [355, -1, 5, -1, 0, 2], AROUND_RA0, true],
    ['polygon crossing polygon', [355, -1, 15, -1, 0, 2], AROUND_RA0, false],
    ['pole square in polar cap', POLE_SQUARE, [0, 90, 10.001], true],
    ['pole square not in smaller cap', POLE_SQUARE, [0, 90, 9.999], false],
    ['octant in a cap of 60°', OCTANT, [45, 35.26438968, 55], true],
    ['small polygon not in a big cap around its antipode', [0, 0, 1, 0, 0, 1], [180, 0, 179], false],
    ['small polygon at the antipode of a big cap', [0, 0, 1, 0, 0, 1], [180, 0, 179.9], false],
    ['point in point', [1, 2], [1, 2], true],
    ['point not in other point', [1, 2], [1, 2.0001], false],
  ])('contains: %s', (_name, a, b, expected) => {
    expect(contains(a, b)).toBe(expected);
    if (a.length >= 6) expect(contains(reversed(a), b)).toBe(expected);
    if (b.length >= 6) expect(contains(a, reversed(b))).toBe(expected);
  });

  it('a big cap contains a small polygon far from its antipode', () => {
    expect(contains([0, 0, 1, 0, 0, 1], [10, 0, 170])).toBe(true);
    expect(contains([0, 0, 1, 0, 0, 1], [179, 0, 178])).toBe(false);
  });

  it.each([
    ['disjoint circles', [0, 0, 1], [3, 0, 1.9], false],
    ['overlapping circles', [0, 0, 1], [3, 0, 2.1], true],
    ['circle reaching a polygon edge', [12, 0, 2.1], AROUND_RA0, true],
    ['circle short of a polygon edge', [12, 0, 1.9], AROUND_RA0, false],
    ['circle inside polygon', [0, 0, 1], AROUND_RA0, true],
    ['polygon inside circle', AROUND_RA0, [0, 0, 30], true],
    ['crossing polygons', [5, -10, 6, 10, 4, 10], AROUND_RA0, true],
    ['disjoint polygons', [15, -10, 16, 10, 14, 10], AROUND_RA0, false],
    ['nested polygons', [355, -1, 5, -1, 0, 2], AROUND_RA0, true],
    ['point in polygon', [1, 1], AROUND_RA0, true],
    ['point outside polygon', [11, 1], AROUND_RA0, false],
    ['point on point', [1, 1], [1, 1], true],
  ])('intersects: %s', (_name, a, b, expected) => {
    expect(intersects(a, b)).toBe(expected);
    expect(intersects(b, a)).toBe(expected);
    if (a.length >= 6) expect(intersects(reversed(a), b)).toBe(expected);
  });
});

describe('shapes', () => {
  it.each([[[]], [[1]], [[1, 2, 3, 4]], [[1, 2, 3, 4, 5]], [[1, 2, 3, 4, 5, 6, 7]]])('rejects an array of length %#', (g) => {
    expect(() => shapeKind(g)).toThrow(GeometryError);
    expect(() => area(g)).toThrow(/not a point \(2\), circle \(3\) or polygon/);
  });

  it('rejects a negative radius', () => {
    expect(() => shapeKind([0, 0, -1])).toThrow(/radius/);
  });

  it('builds BOX as a great-circle polygon whose sides pass width/2 and height/2 from the centre', () => {
    const box = boxToPolygon(0, 0, 2, 4);
    expect(box).toHaveLength(8);
    expect(pointInPolygon(0.999, 0, box)).toBe(true);
    expect(pointInPolygon(1.001, 0, box)).toBe(false);
    expect(pointInPolygon(0, 1.999, box)).toBe(true);
    expect(pointInPolygon(0, 2.001, box)).toBe(false);
    expect(area(box)).toBeGreaterThan(7.99);
    expect(area(box)).toBeLessThan(8.01);
    const polar = boxToPolygon(100, 89, 4, 4);
    expect(pointInPolygon(0, 90, polar)).toBe(true);
    expect(() => boxToPolygon(0, 0, 180, 1)).toThrow(GeometryError);
  });

  it('bounds a polygon by a circle that contains it', () => {
    for (const p of [AROUND_RA0, POLE_SQUARE, OCTANT]) {
      const c = boundingCircle(p);
      expect(contains(p, [c[0], c[1], c[2] * (1 + 1e-12)])).toBe(true);
      expect(contains(p, [c[0], c[1], c[2] * 0.99])).toBe(false);
    }
  });
});
