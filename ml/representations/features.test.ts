import { describe, expect, it } from 'vitest';
import { EVENT_FEATURE_NAMES, eventFeatures } from './features.js';
import { simulateEvents } from './simulate.js';
import { referenceFixture, sampleEvents } from './testing/fixtures.js';

describe('eventFeatures', () => {
  it('gives N × 3 features in [0, 1] for in-band events, in time order', () => {
    const f = eventFeatures({ time: [30, 10, 20, 40, 50], energyEv: [1000, 500, 7000, 100, 2000] });
    expect(f.names).toEqual(EVENT_FEATURE_NAMES);
    expect(f.count).toBe(4);
    expect(f.excluded).toBe(1);
    expect(f.features).toHaveLength(12);
    const rows = Array.from({ length: 4 }, (_, r) => Array.from(f.features.subarray(r * 3, r * 3 + 3)));
    expect(rows.map((r) => r[0])).toEqual([0, 0.25, 0.5, 1]); // τ of t = 10, 20, 30, 50
    expect(rows[0][1]).toBe(0); // 500 eV is the bottom of the band
    expect(rows[1][1]).toBe(1); // 7000 eV the top
    // gaps 10, 10, 10, 20 over a mean gap of 40/3: log10(0.75) and log10(1.5), scaled by (x + 4)/5
    expect(rows[0][2]).toBeCloseTo((Math.log10(0.75) + 4) / 5, 6);
    expect(rows[3][2]).toBeCloseTo((Math.log10(1.5) + 4) / 5, 6);
    expect(f.features.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('is invariant to the input order of events', () => {
    const sim = simulateEvents({
      seed: 3,
      tstart: 0,
      duration: 1000,
      baseRate: 0.3,
      spectrum: { photonIndex: 2, nH22: 0.1, eMinKeV: 0.3, eMaxKeV: 10 },
      variability: { kind: 'steady' },
    });
    const perm = Array.from({ length: sim.count }, (_, i) => (i * 7919) % sim.count);
    const shuffled = { time: perm.map((i) => sim.time[i]), energyEv: perm.map((i) => sim.energyEv[i]) };
    expect(Array.from(eventFeatures(shuffled).features)).toEqual(Array.from(eventFeatures(sim).features));
  });

  it('subsamples evenly to maxEvents rows', () => {
    const n = 1000;
    const ev = { time: Array.from({ length: n }, (_, i) => i), energyEv: new Array<number>(n).fill(1000) };
    const f = eventFeatures(ev, 100);
    expect(f.count).toBe(100);
    expect(f.isSubsampled).toBe(true);
    expect(f.used).toBe(1000);
    expect(f.features[3 * 10]).toBeCloseTo(100 / 999, 6); // row k is event floor(k·N/M) = 10k
    expect(() => eventFeatures(ev, 0)).toThrow(/maxEvents/);
  });

  it('edge cases: no events, one event, all at the same time', () => {
    expect(eventFeatures({ time: [], energyEv: [] }).count).toBe(0);
    expect(Array.from(eventFeatures({ time: [5], energyEv: [500] }).features)).toEqual([0, 0, Math.fround(0.8)]);
    const same = eventFeatures({ time: [5, 5], energyEv: [500, 500] });
    expect(same.features[2]).toBeCloseTo(0.8, 6);
  });

  it('matches the numpy reference (reference.py) on the real stingray file', () => {
    const ref = referenceFixture();
    const f = eventFeatures(sampleEvents('stingray_chandra_test.fits'));
    expect(f.count).toBe(ref.used);
    for (let r = 0; r < 5; r++) for (let k = 0; k < 3; k++) expect(f.features[r * 3 + k]).toBeCloseTo(ref.featuresFirst5[r][k], 6);
    const sums = [0, 0, 0];
    for (let i = 0; i < f.features.length; i++) sums[i % 3] += f.features[i];
    for (let k = 0; k < 3; k++) expect(sums[k]).toBeCloseTo(ref.featuresSum[k], 2);
  });
});
