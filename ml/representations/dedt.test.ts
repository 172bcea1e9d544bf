import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEDT_EXACT_MAX_EVENTS, DEDT_TIME_LAG_EDGES, dedtMap, fineGrid, lagCdf, pairLagsFft, uniformSumCdf } from './dedt.js';
import { selectBand } from './band.js';
import { simulateEvents } from './simulate.js';
import type { SimulationParams } from './simulate.js';
import { referenceFixture, sampleEvents } from './testing/fixtures.js';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
const rowSums = (counts: Float64Array) => Array.from({ length: 24 }, (_, r) => sum(counts.subarray(r * 16, r * 16 + 16)));
/** L1 distance relative to the total of b. */
const l1 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < b.length; i++) d += Math.abs(a[i] - b[i]);
  return d / sum(b);
};

/** A simulated list with times quantised to frames of `frame` s (phase + frame·(k + ½)), as ACIS records them. */
function quantised(p: SimulationParams, frame: number, phase: number) {
  const sim = simulateEvents(p);
  return { time: sim.time.map((t) => phase + frame * (Math.floor((t - phase) / frame) + 0.5)), energyEv: sim.energyEv };
}

describe('dEdT binning rule', () => {
  it('the time-lag edges follow the documented formula', () => {
    const edges = [0, 1];
    for (let r = 2; r <= 23; r++) edges.push(Math.max(edges[r - 1] + 1, Math.round(4096 ** ((r - 1) / 23))));
    edges.push(4096);
    expect(edges).toEqual(DEDT_TIME_LAG_EDGES);
  });

  it('counts a hand-computed 3-event case on continuous lags', () => {
    // τ = 0, 0.5, 1; ε = 0, 0.5, 1 (energies at the band edges and the geometric middle).
    const ev = { time: [0, 50, 100], energyEv: [500, 500 * Math.sqrt(14), 7000] };
    const m = dedtMap(ev, { normalize: 'none' });
    // pairs: (0,1) Δτ 0.5 = 2048/4096 → row 22 (1987 ≤ 2048 < 2853), Δε 0.5 → col 8; (1,2) the same;
    // (0,2) Δτ 1 → row 23, Δε 1 → col 15 (the last column is closed).
    const at = (r: number, c: number) => m.counts[r * 16 + c];
    expect(at(22, 8)).toBeCloseTo(2, 12);
    expect(at(23, 15)).toBe(1);
    expect(m.pairs).toBe(3);
    expect(sum(m.counts)).toBeCloseTo(3, 12);
    expect(sum(dedtMap(ev).data)).toBeCloseTo(1, 6); // default normalisation: fraction of all pairs
  });

  it('a lag just below a row edge stays in the lower row (continuous lags, not cell differences)', () => {
    // Span 4096 s, so τ·4096 = t. Pair (0.7, 6.2) has lag 5.5 → row 5 ([5, 6)/4096); its fine cells 0 and 6 differ
    // by 6, which the cell-difference definition put in row 6. Pair (0, 6.2): lag 6.2 → row 6; (0, 0.7): row 0.
    const ev = { time: [0, 0.7, 6.2, 4096], energyEv: [1000, 1000, 1000, 1000] };
    const rows = rowSums(dedtMap(ev, { method: 'exact', normalize: 'none' }).counts);
    expect(rows[0]).toBe(1);
    expect(rows[5]).toBe(1);
    expect(rows[6]).toBe(1);
    expect(rows[23]).toBe(3);
  });

  it('spreads a frame-quantised lag by its triangular distribution (half-width one frame)', () => {
    // Two events one frame apart, frame = 2/4096 of the span: the true lag is triangular on [0, 2]·2/4096... i.e.
    // nominal 2/4096 ± 2/4096. Row masses: P(lag < 1/4096) = 1/8, [1,2): 3/8, [2,3): 3/8, [3,4): 1/8.
    const span = 4096;
    const ev = { time: [0, 2, span], energyEv: [1000, 1000, 1000] };
    const m = dedtMap(ev, { method: 'exact', normalize: 'none', frameTime: 2 });
    const rows = rowSums(m.counts);
    expect(rows[0]).toBeCloseTo(1 / 8, 12);
    expect(rows[1]).toBeCloseTo(3 / 8, 12);
    expect(rows[2]).toBeCloseTo(3 / 8, 12);
    expect(rows[3]).toBeCloseTo(1 / 8, 12);
    expect(sum(m.counts)).toBeCloseTo(3, 12);
  });

  it('uniformSumCdf and lagCdf agree with closed forms', () => {
    // One uniform: linear; two equal uniforms: triangle.
    expect(uniformSumCdf(0.3, [1])).toBeCloseTo(0.3, 14);
    expect(uniformSumCdf(0.5, [1, 1])).toBeCloseTo(0.125, 14);
    expect(uniformSumCdf(1.5, [1, 1])).toBeCloseTo(0.875, 14);
    // Irwin–Hall n = 4 at its mean: 1/2.
    expect(uniformSumCdf(2, [1, 1, 1, 1])).toBeCloseTo(0.5, 12);
    // |d + b(U1 − U2)| with d = 0: P(|X| < b/2) = 3/4.
    expect(lagCdf(0.5, 0, 0, 1)).toBeCloseTo(0.75, 12);
    // Monte Carlo check of the 4-uniform case (a, b both > 0).
    let s = 1;
    const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let hits = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) if (Math.abs(0.3 + 0.2 * (u() - u()) + 0.5 * (u() - u())) < 0.4) hits += 1;
    expect(lagCdf(0.4, 0.3, 0.2, 0.5)).toBeCloseTo(hits / n, 2);
  });
});

describe('exact continuous-lag map', () => {
  it('equals the numpy reference on the real stingray file, without and with its frame time (TIMEDEL 0.44104 s)', () => {
    const ev = sampleEvents('stingray_chandra_test.fits');
    const ref = referenceFixture();
    expect(ev.header.timedel).toBe(ref.frameTime);
    const plain = dedtMap(ev, { method: 'exact', normalize: 'none' });
    const framed = dedtMap(ev, { method: 'exact', normalize: 'none', frameTime: ref.frameTime });
    expect(plain.used).toBe(3820);
    expect(Array.from(plain.counts)).toEqual(ref.dedtCounts);
    framed.counts.forEach((v, i) => expect(Math.abs(v - ref.dedtCountsFrame[i])).toBeLessThan(1e-6));
    expect(sum(framed.counts)).toBeCloseTo((3820 * 3819) / 2, 4);
  });

  it('the frame time removes the aliasing of the short-lag rows (frame ≈ 1.9/4096 of the span)', () => {
    const ev = sampleEvents('stingray_chandra_test.fits');
    const plain = rowSums(dedtMap(ev, { method: 'exact', normalize: 'none' }).counts);
    const framed = rowSums(dedtMap(ev, { method: 'exact', normalize: 'none', frameTime: ev.header.timedel ?? 0 }).counts);
    // Without it, rows 2 and 4 ([2,3) and [4,5)/4096) fall between multiples of the frame lag and are empty.
    expect(plain[2]).toBe(0);
    expect(plain[4]).toBe(0);
    // With it, the one-cell rows 0..5 hold similar counts (a steady source: density of lags ≈ flat there).
    const head = framed.slice(0, 6);
    expect(Math.min(...head) / Math.max(...head)).toBeGreaterThan(0.9);
  });
});

describe('fast path (FFT of the fine grid + spreading) against the exact map', () => {
  it.each([
    ['stingray_chandra_test.fits', true],
    ['stingray_chandra_noener_test.fits', true],
    ['stingray_chandra_test.fits', false],
    ['stingray_chandra_noener_test.fits', false],
  ] as const)('%s (frame time used: %s): L1 ≤ 1 %', (name, useFrame) => {
    const ev = sampleEvents(name);
    const frameTime = useFrame ? (ev.header.timedel ?? 0) : 0;
    const exact = dedtMap(ev, { method: 'exact', normalize: 'none', frameTime });
    const fast = dedtMap(ev, { method: 'fft', normalize: 'none', frameTime });
    expect(fast.method).toBe('fft');
    expect(l1(fast.counts, exact.counts)).toBeLessThan(0.01);
    expect(sum(fast.counts)).toBeCloseTo(sum(exact.counts), 3);
  });

  it('on frame-quantised simulations (3.241 s frames, ACIS full frame; unaligned and aligned fine grids): L1 ≤ 1 %', () => {
    const spectrum = { photonIndex: 1.7, nH22: 0.1, eMinKeV: 0.3, eMaxKeV: 10 };
    // 3e4 s / 3.241 s ≈ 9300 frames > 4095: 4096 equal cells; 5e3 s ≈ 1540 frames: frame-aligned cells.
    for (const [duration, rate] of [[3e4, 0.15], [5e3, 0.8]] as const) {
      const p: SimulationParams = { seed: 11, tstart: 1e8, duration, baseRate: rate, spectrum, variability: { kind: 'flare', peakTime: duration / 3, amplitude: 10, riseTime: 100, decayTime: duration / 10 } };
      const ev = quantised(p, 3.241, 1e8 + 0.7);
      const exact = dedtMap(ev, { method: 'exact', normalize: 'none', frameTime: 3.241 });
      const fast = dedtMap(ev, { method: 'fft', normalize: 'none', frameTime: 3.241 });
      const band = selectBand(ev);
      expect(fineGrid(band.tau, band.eps, 3.241 / (band.tmax - band.tmin)).aligned).toBe(duration < 1e4);
      expect(l1(fast.counts, exact.counts)).toBeLessThan(0.01);
    }
  });

  it('pairLagsFft counts every pair once at its fine lag (property, random small lists)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        let s = seed;
        const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const a = Int32Array.from({ length: n }, () => Math.floor(u() * 4096));
        const b = Int32Array.from({ length: n }, () => Math.floor(u() * 64));
        const want = new Float64Array(4096 * 64);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) want[Math.abs(a[j] - a[i]) * 64 + Math.abs(b[j] - b[i])] += 1;
        expect(Array.from(pairLagsFft(a, b))).toEqual(Array.from(want));
      }),
      { numRuns: 6 },
    );
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

  it('handles 0 and 1 events, and rejects a bad frame time', () => {
    expect(dedtMap({ time: [], energyEv: [] }).pairs).toBe(0);
    const one = dedtMap({ time: [1], energyEv: [1000] }, { method: 'fft', frameTime: 3.241 });
    expect(sum(one.counts)).toBe(0);
    expect(one.data.every((v) => v === 0)).toBe(true);
    expect(() => dedtMap({ time: [1, 2], energyEv: [1000, 1000] }, { frameTime: -1 })).toThrow(/frameTime/);
    expect(() => dedtMap({ time: [1, 2], energyEv: [1000, 1000] }, { frameTime: Number.NaN })).toThrow(/frameTime/);
  });

  it('all events in one frame: every pair at lag 0 (row 0)', () => {
    const ev = { time: [5, 5, 5, 5], energyEv: [1000, 1000, 2000, 2000] };
    for (const method of ['exact', 'fft'] as const) {
      const m = dedtMap(ev, { method, normalize: 'none', frameTime: 3.241 });
      expect(rowSums(m.counts)[0]).toBeCloseTo(6, 12);
    }
  });
});
