import { describe, expect, it } from 'vitest';
import { RepresentationError } from './errors.js';
import { lightCurve, spectrum } from './light-curve.js';
import { sampleEvents } from './testing/fixtures.js';

describe('lightCurve', () => {
  it('bins within GTIs, with a short last bin and Gehrels errors', () => {
    const lc = lightCurve([0.5, 1.5, 1.7, 2.2, 5, 10.5, 11], 1, [
      [0, 2.5],
      [10, 11],
    ]);
    expect(Array.from(lc.tStart)).toEqual([0, 1, 2, 10]);
    expect(Array.from(lc.tStop)).toEqual([1, 2, 2.5, 11]);
    expect(Array.from(lc.exposure)).toEqual([1, 1, 0.5, 1]);
    expect(Array.from(lc.counts)).toEqual([1, 2, 1, 2]); // t = 11 is the GTI stop: inside, last bin
    expect(lc.outsideGti).toBe(1); // t = 5
    expect(lc.rate[2]).toBe(2);
    expect(lc.rateError[0]).toBeCloseTo(1 + Math.sqrt(1.75), 12);
  });

  it('the real stingray light curve holds every event inside its GTI', () => {
    const ev = sampleEvents('stingray_chandra_test.fits');
    const lc = lightCurve(ev.time, 100, ev.gti);
    expect(lc.counts.length).toBe(10); // 945.3 s / 100 s
    expect(lc.counts.reduce((a, b) => a + b, 0)).toBe(4612);
    expect(lc.outsideGti).toBe(0);
    expect(lc.rate[0]).toBeGreaterThan(3);
  });

  it('rejects bad arguments', () => {
    expect(() => lightCurve([1], 0, [[0, 1]])).toThrow(RepresentationError);
    expect(() => lightCurve([1], 1, [[2, 1]])).toThrow(/stop before start/);
    expect(() =>
      lightCurve([1], 1, [
        [0, 2],
        [1, 3],
      ]),
    ).toThrow(/overlap/);
  });
});

describe('spectrum', () => {
  it('counts per half-open bin, the last bin closed, with under/overflow', () => {
    const s = spectrum([100, 500, 999, 1000, 7000, 7001, Number.NaN], [500, 1000, 7000]);
    expect(Array.from(s.counts)).toEqual([2, 2]);
    expect(s.underflow).toBe(1);
    expect(s.overflow).toBe(1);
    expect(s.invalid).toBe(1);
  });

  it('rejects non-increasing edges', () => {
    expect(() => spectrum([1], [1, 1])).toThrow(/increase strictly/);
    expect(() => spectrum([1], [1])).toThrow(RepresentationError);
  });

  it('the real stingray spectrum in 0.5–7 keV holds the 3820 events of the maps', () => {
    const ev = sampleEvents('stingray_chandra_test.fits');
    const edges = Array.from({ length: 14 }, (_, k) => 500 + k * 500);
    const s = spectrum(ev.energyEv, edges);
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(3820);
  });
});
