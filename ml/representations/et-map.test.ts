import { describe, expect, it } from 'vitest';
import { etMap } from './et-map.js';
import { RepresentationError } from './errors.js';
import { binOf, linspaceEdges } from './histogram.js';
import { referenceFixture, sampleEvents } from './testing/fixtures.js';

describe('numpy-compatible binning', () => {
  it('linspaceEdges reproduces np.linspace(0, 1, 25) and puts the upper edge in the last bin', () => {
    const e = linspaceEdges(0, 1, 24);
    expect(e).toHaveLength(25);
    expect(e[24]).toBe(1);
    expect(e[3]).toBe(3 * (1 / 24));
    expect(binOf(1, e)).toBe(23);
    expect(binOf(0, e)).toBe(0);
    expect(binOf(e[5], e)).toBe(5);
    expect(binOf(e[5] - 1e-17, e)).toBe(e[5] - 1e-17 < e[5] ? 4 : 5);
    expect(binOf(-1e-12, e)).toBe(-1);
    expect(binOf(1 + 1e-12, e)).toBe(-1);
    expect(binOf(Number.NaN, e)).toBe(-1);
  });
});

describe('etMap', () => {
  it('has Dillmann et al. shape 24 τ × 16 log E, time-major, and counts what it bins', () => {
    // 4 events: two at τ=0 (one 0.5 keV, one 7 keV), one at τ=0.5 1 keV, one at τ=1 7 keV; 2 outside the band.
    const m = etMap({ time: [100, 100, 150, 200, 120, 130], energyEv: [500, 7000, 1000, 7000, 499, 7001] }, { normalize: 'none' });
    expect(m.shape).toEqual([24, 16]);
    expect(m.data).toHaveLength(384);
    expect(m.used).toBe(4);
    expect(m.excluded).toBe(2);
    const at = (iT: number, iE: number) => m.counts[iT * 16 + iE];
    expect(at(0, 0)).toBe(1);
    expect(at(0, 15)).toBe(1);
    expect(at(12, Math.floor((Math.log10(1000) - Math.log10(500)) / ((Math.log10(7000) - Math.log10(500)) / 16)))).toBe(1);
    expect(at(23, 15)).toBe(1);
    expect(m.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(m.tmin).toBe(100);
    expect(m.tmax).toBe(200);
  });

  it('normalises min–max by default, or to unit sum', () => {
    const ev = { time: [0, 1, 2, 3], energyEv: [1000, 1000, 1000, 2000] };
    const mm = etMap(ev);
    expect(Math.max(...mm.data)).toBe(1);
    expect(Math.min(...mm.data)).toBe(0);
    const s = etMap(ev, { normalize: 'sum' });
    expect(s.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('an empty or constant map normalises to zeros, not NaN (numpy would give NaN)', () => {
    expect(etMap({ time: [], energyEv: [] }).data.every((v) => v === 0)).toBe(true);
    expect(etMap({ time: [1, 2], energyEv: [100, 100] }).excluded).toBe(2);
    const one = etMap({ time: [5], energyEv: [1000] });
    expect(one.used).toBe(1);
    expect(one.counts[0 * 16 + 4]).toBe(1); // τ = 0 when tmax = tmin; log10(1000) is in energy bin 4
  });

  it('rejects mismatched arrays and bad bins', () => {
    expect(() => etMap({ time: [1, 2], energyEv: [1000] })).toThrow(RepresentationError);
    expect(() => etMap({ time: [1], energyEv: [1000] }, { timeBins: 0 })).toThrow(/positive integers/);
  });

  it('equals numpy histogram2d (reference.py) on the real stingray file', () => {
    const ref = referenceFixture();
    const m = etMap(sampleEvents('stingray_chandra_test.fits'), { normalize: 'none' });
    expect(m.used).toBe(ref.used);
    expect(m.used + m.excluded).toBe(4612);
    expect(Array.from(m.counts)).toEqual(ref.etCounts);
  });

  it('the pi-only file gives a map close to the energy file (same events, 14.6 eV channels)', () => {
    const a = etMap(sampleEvents('stingray_chandra_test.fits'), { normalize: 'none' });
    const b = etMap(sampleEvents('stingray_chandra_noener_test.fits'), { normalize: 'none' });
    let diff = 0;
    for (let i = 0; i < 384; i++) diff += Math.abs(a.counts[i] - b.counts[i]);
    expect(Math.abs(a.used - b.used)).toBeLessThan(20);
    expect(diff / a.used).toBeLessThan(0.1);
  });
});
