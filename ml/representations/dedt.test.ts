import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEDT_EXACT_MAX_EVENTS,
  DEDT_TIME_LAG_EDGES,
  dedtMap,
  fineIndices,
  pairLagsExact,
  pairLagsFft,
  rebinPairLags,
} from './dedt.js';
import { simulateEvents } from './simulate.js';
import type { SimulationParams } from './simulate.js';
import { referenceFixture, sampleEvents } from './testing/fixtures.js';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);

describe('dEdT binning rule', () => {
  it('the time-lag edges follow the documented formula', () => {
    const edges = [0, 1];
    for (let r = 2; r <= 23; r++) edges.push(Math.max(edges[r - 1] + 1, Math.round(4096 ** ((r - 1) / 23))));
    edges.push(4096);
    expect(edges).toEqual(DEDT_TIME_LAG_EDGES);
  });

  it('counts a hand-computed 3-event case', () => {
    // τ = 0, 0.5, 1 → fine a = 0, 2048, 4095; energies at the band edges and the middle of ε.
    const ev = { time: [0, 50, 100], energyEv: [500, 500 * Math.sqrt(14), 7000] };
    const { a, b } = fineIndices(ev);
    expect(Array.from(a)).toEqual([0, 2048, 4095]);
    expect(Array.from(b)).toEqual([0, 32, 63]);
    const m = dedtMap(ev, { normalize: 'none' });
    // pairs: (0,1) lag (2048, 32) → row 22 (1987 ≤ 2048 < 2853), col 8; (1,2) lag (2047, 31) → row 22, col 7;
    // (0,2) lag (4095, 63) → row 23, col 15.
    const at = (r: number, c: number) => m.counts[r * 16 + c];
    expect(at(22, 8)).toBe(1);
    expect(at(22, 7)).toBe(1);
    expect(at(23, 15)).toBe(1);
    expect(m.pairs).toBe(3);
    expect(sum(m.counts)).toBe(3);
    expect(sum(dedtMap(ev).data)).toBeCloseTo(1, 6); // default normalisation: fraction of all pairs
  });
});

describe('FFT autocorrelation equals the exact all-pairs count', () => {
  const eventArb = fc.record({
    n: fc.integer({ min: 0, max: 250 }),
    clustered: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

  it('on random event lists, at the fine level and after rebinning (property)', () => {
    fc.assert(
      fc.property(eventArb, ({ n, clustered, seed }) => {
        // A small LCG makes times/energies; clustered lists pile events into few cells (large lag-0 counts).
        let s = seed;
        const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const time = Array.from({ length: n }, () => (clustered ? Math.floor(u() * 4) * 10 : u() * 1e4));
        const energyEv = Array.from({ length: n }, () => (clustered ? 1000 : 300 + u() * 9000));
        const { a, b } = fineIndices({ time, energyEv });
        const exact = pairLagsExact(a, b);
        const viaFft = pairLagsFft(a, b);
        expect(Array.from(viaFft)).toEqual(Array.from(exact));
        const m = a.length;
        expect(sum(rebinPairLags(exact))).toBe(m < 2 ? 0 : (m * (m - 1)) / 2);
      }),
      { numRuns: 8 },
    );
  });

  it('on the real stingray file (3820 in-band events), and both equal the numpy reference', () => {
    const ev = sampleEvents('stingray_chandra_test.fits');
    const exact = dedtMap(ev, { method: 'exact', normalize: 'none' });
    const viaFft = dedtMap(ev, { method: 'fft', normalize: 'none' });
    expect(exact.used).toBe(3820);
    expect(Array.from(viaFft.counts)).toEqual(Array.from(exact.counts));
    expect(sum(exact.counts)).toBe((3820 * 3819) / 2);
    expect(Array.from(exact.counts)).toEqual(referenceFixture().dedtCounts);
  });

  it('on a simulated flare of ~8k events (above the auto threshold, so FFT is the default there)', () => {
    const p: SimulationParams = {
      seed: 7,
      tstart: 0,
      duration: 2e4,
      baseRate: 0.1,
      spectrum: { photonIndex: 1.7, nH22: 0.1, eMinKeV: 0.3, eMaxKeV: 10 },
      variability: { kind: 'flare', peakTime: 5e3, amplitude: 40, riseTime: 50, decayTime: 1500 },
    };
    const sim = simulateEvents(p);
    const m = dedtMap(sim, { normalize: 'none' });
    expect(m.method).toBe(m.used < DEDT_EXACT_MAX_EVENTS ? 'exact' : 'fft');
    expect(sum(m.counts)).toBe(m.pairs);
    expect(Array.from(dedtMap(sim, { method: m.method === 'fft' ? 'exact' : 'fft', normalize: 'none' }).counts)).toEqual(Array.from(m.counts));
  });
});

describe('dedtMap', () => {
  it('picks the method by the in-band event count', () => {
    const few = { time: [1, 2, 3], energyEv: [1000, 2000, 3000] };
    expect(dedtMap(few).method).toBe('exact');
    const n = DEDT_EXACT_MAX_EVENTS;
    const many = { time: Array.from({ length: n }, (_, i) => i), energyEv: new Array<number>(n).fill(1000) };
    expect(dedtMap(many).method).toBe('fft');
  });

  it('a flare concentrates pairs at short lags compared with a steady source', () => {
    const base = { tstart: 0, duration: 5e4, spectrum: { photonIndex: 2, nH22: 0.05, eMinKeV: 0.3, eMaxKeV: 10 } };
    const steady = dedtMap(simulateEvents({ ...base, seed: 1, baseRate: 0.04, variability: { kind: 'steady' } }));
    const flare = dedtMap(
      simulateEvents({ ...base, seed: 1, baseRate: 0.01, variability: { kind: 'flare', peakTime: 2e4, amplitude: 60, riseTime: 30, decayTime: 800 } }),
    );
    const shortLagFraction = (m: { data: Float32Array }) => sum(m.data.subarray(0, 14 * 16)); // lags < 110/4096 of the span
    expect(shortLagFraction(flare)).toBeGreaterThan(3 * shortLagFraction(steady));
  });

  it('handles 0 and 1 events', () => {
    expect(dedtMap({ time: [], energyEv: [] }).pairs).toBe(0);
    const one = dedtMap({ time: [1], energyEv: [1000] }, { method: 'fft' });
    expect(sum(one.counts)).toBe(0);
    expect(one.data.every((v) => v === 0)).toBe(true);
  });
});
