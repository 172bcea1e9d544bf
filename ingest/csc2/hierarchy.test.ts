import { describe, expect, it } from 'vitest';
import { deriveHierarchy, stackIdFor } from './hierarchy.js';
import type { ObservationLink } from './hierarchy.js';

const link = (o: Partial<ObservationLink>): ObservationLink => ({
  name: '2CXO J110507.4-585105', obsid: 8941, obi: 1, region_id: 67, ra: 166.28, dec: -58.85,
  ra_pnt: 166.2758, dec_pnt: -58.8454, instrument: 'ACIS', grating: 'NONE', ...o,
});

describe('stackIdFor', () => {
  it.each([
    [166.27588, -58.84542, 'ACIS', 'acisfJ1105062m585044_001'],
    [0, 0, 'ACIS', 'acisfJ0000000p000000_001'],
    [359.99999, 10.5, 'HRC', 'hrcfJ0000000p103000_001'],
  ])('(%f, %f, %s) → %s', (ra, dec, instr, id) => expect(stackIdFor(ra, dec, instr)).toBe(id));
});

describe('deriveHierarchy', () => {
  it('groups observations with pointings within 1′ into one stack and marks shared regions ambiguous', () => {
    const h = deriveHierarchy([
      link({}),
      link({ obsid: 8942, ra_pnt: 166.2759, dec_pnt: -58.8455 }), // same pointing → same stack
      link({ name: '2CXO J110502.0-585111', region_id: 64 }),
      link({ name: '2CXO OTHER', region_id: 64 }), // a second master on region 64 → ambiguous
      link({ obsid: 9000, ra_pnt: 170, dec_pnt: -58, region_id: 1, name: '2CXO FAR' }),
    ]);
    const ids = new Set(h.stackSource.map((r) => r[0]));
    expect(ids.size).toBe(2);
    expect(h.stackSource).toHaveLength(3);
    expect(h.stackObservationAssoc).toHaveLength(4);
    const ambiguous = h.masterStackAssoc.filter((r) => r[3] === 'a').map((r) => r[0]);
    expect(ambiguous.sort()).toEqual(['2CXO J110502.0-585111', '2CXO OTHER']);
    expect(h.masterStackAssoc.filter((r) => r[3] === 'u')).toHaveLength(2);
  });
});
