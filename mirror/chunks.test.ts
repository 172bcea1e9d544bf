import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distance as angularDistanceDeg } from '../adql/geometry/index.js';
import { chunkKey, enclosingCircle, inChunk, initialChunks, pixelAt, splitChunk } from './chunks.js';

describe('mirror chunks', () => {
  it('start with every pixel of the order and the no-position chunk', () => {
    expect(initialChunks(0).map(chunkKey)).toEqual([...Array.from({ length: 12 }, (_, i) => `0/${i}`), 'nopos']);
    expect(initialChunks(1)).toHaveLength(49);
    expect(() => initialChunks(15)).toThrow(RangeError);
  });

  it('split a pixel into its four nested children and never the no-position chunk', () => {
    expect(splitChunk({ kind: 'pixel', order: 2, pixel: 7 })?.map(chunkKey)).toEqual(['3/28', '3/29', '3/30', '3/31']);
    expect(splitChunk({ kind: 'pixel', order: 14, pixel: 7 })).toBeUndefined();
    expect(splitChunk({ kind: 'nopos' })).toBeUndefined();
  });

  it('put every position in exactly one child of its pixel, inside the pixel\'s enclosing circle', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }), fc.integer({ min: 0, max: 9 }), (ra, dec, order) => {
        const p = pixelAt(ra, dec, order);
        const parent = { kind: 'pixel' as const, order, pixel: p };
        expect(inChunk(parent, ra, dec)).toBe(true);
        const holders = (splitChunk(parent) ?? []).filter((c) => inChunk(c, ra, dec));
        expect(holders).toHaveLength(1);
        const c = enclosingCircle(order, p);
        expect(angularDistanceDeg(ra, dec, c.ra, c.dec)).toBeLessThanOrEqual(c.radius);
      }),
      { numRuns: 2000 },
    );
  });

  it('give rows without a position to the no-position chunk only', () => {
    expect(inChunk({ kind: 'nopos' }, null, 10)).toBe(true);
    expect(inChunk({ kind: 'nopos' }, 10, 10)).toBe(false);
    expect(inChunk({ kind: 'pixel', order: 0, pixel: pixelAt(10, 10, 0) }, null, 10)).toBe(false);
  });
});
