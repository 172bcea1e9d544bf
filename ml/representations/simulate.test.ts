import { describe, expect, it } from 'vitest';
import { RepresentationError } from './errors.js';
import { lightCurve } from './light-curve.js';
import {
  VARIABILITY_KINDS,
  expectedCount,
  randomSimulationParams,
  rateAt,
  sampleEnergyKeV,
  simulateEvents,
  spectrumTable,
} from './simulate.js';
import type { SimulationParams, SpectrumParams } from './simulate.js';

const spec: SpectrumParams = { photonIndex: 1.7, nH22: 0.1, eMinKeV: 0.3, eMaxKeV: 10 };
const steady = (seed: number, baseRate: number, duration = 1e4): SimulationParams => ({
  seed,
  tstart: 3e8,
  duration,
  baseRate,
  spectrum: spec,
  variability: { kind: 'steady' },
});

describe('simulateEvents', () => {
  it('is deterministic: same params, same events bit for bit; another seed differs', () => {
    const p = randomSimulationParams(99, 'flare');
    const a = simulateEvents(p);
    const b = simulateEvents(p);
    expect(Array.from(b.time)).toEqual(Array.from(a.time));
    expect(Array.from(b.energyEv)).toEqual(Array.from(a.energyEv));
    const c = simulateEvents({ ...p, seed: p.seed + 1 });
    expect(Array.from(c.time)).not.toEqual(Array.from(a.time));
  });

  it('produces sorted times inside [tstart, tstop) and energies inside 0.3–10 keV', () => {
    const s = simulateEvents(steady(1, 0.5));
    expect(s.count).toBeGreaterThan(4000);
    expect(s.time.every((t, i) => t >= s.tstart && t < s.tstop && (i === 0 || t >= s.time[i - 1]))).toBe(true);
    expect(s.energyEv.every((e) => e >= 300 && e <= 10000)).toBe(true);
    expect(s.gti).toEqual([[3e8, 3e8 + 1e4]]);
  });

  it('a steady source has Poisson counts: mean and variance over 400 runs match r·T', () => {
    const counts = Array.from({ length: 400 }, (_, i) => simulateEvents(steady(1000 + i, 0.01)).count); // mean 100
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / (counts.length - 1);
    expect(Math.abs(mean - 100)).toBeLessThan(5 * Math.sqrt(100 / 400)); // 5σ of the mean
    expect(variance).toBeGreaterThan(75);
    expect(variance).toBeLessThan(130);
  });

  it.each(VARIABILITY_KINDS)('%s: expectedCount equals a numerical integral of rateAt', (kind) => {
    const p = randomSimulationParams(17, kind);
    const steps = 200_000;
    const h = p.duration / steps;
    let integral = 0;
    for (let k = 0; k < steps; k++) integral += rateAt(p, (k + 0.5) * h) * h;
    expect(expectedCount(p)).toBeCloseTo(integral, 1);
  });

  it.each(VARIABILITY_KINDS)('%s: counts of 30 random lists stay within 5σ of their expectation (20–5000)', (kind) => {
    let chi = 0;
    for (let s = 0; s < 30; s++) {
      const p = randomSimulationParams(5000 + s, kind);
      expect(p.duration).toBeGreaterThanOrEqual(1e3);
      expect(p.duration).toBeLessThanOrEqual(1.5e5);
      const mu = expectedCount(p);
      expect(mu).toBeGreaterThanOrEqual(20 - 1e-9);
      expect(mu).toBeLessThanOrEqual(5000 + 1e-9);
      const sim = simulateEvents(p);
      expect(Math.abs(sim.count - mu)).toBeLessThan(5 * Math.sqrt(mu) + 1);
      chi += (sim.count - mu) ** 2 / mu;
    }
    expect(chi / 30).toBeLessThan(2.5); // reduced χ² of Poisson counts ≈ 1
  });

  it('flare: the light curve peaks at the flare peak', () => {
    const p: SimulationParams = { ...steady(3, 0.05, 2e4), variability: { kind: 'flare', peakTime: 6000, amplitude: 30, riseTime: 100, decayTime: 1000 } };
    const s = simulateEvents(p);
    const lc = lightCurve(s.time, 500, s.gti);
    const peak = lc.counts.indexOf(Math.max(...lc.counts));
    expect(lc.tStart[peak] - s.tstart).toBeGreaterThanOrEqual(5500);
    expect(lc.tStart[peak] - s.tstart).toBeLessThanOrEqual(6500);
  });

  it('dip: the rate in the dip core is (1 − depth) of the baseline', () => {
    const p: SimulationParams = { ...steady(4, 1, 2e4), variability: { kind: 'dip', centerTime: 1e4, width: 4000, ingress: 500, depth: 0.8 } };
    const s = simulateEvents(p);
    const inCore = s.time.filter((t) => Math.abs(t - s.tstart - 1e4) < 2000).length / 4000;
    const outside = s.time.filter((t) => t - s.tstart < 7000).length / 7000;
    expect(inCore).toBeGreaterThan(0.2 - 0.05);
    expect(inCore).toBeLessThan(0.2 + 0.05);
    expect(outside).toBeCloseTo(1, 1);
  });

  it('periodic: the Rayleigh power at the true period is far above the noise', () => {
    const p: SimulationParams = { ...steady(5, 0.2, 2e4), variability: { kind: 'periodic', period: 700, pulsedFraction: 0.5, phase: 1 } };
    const s = simulateEvents(p);
    const z = (period: number) => {
      let c = 0;
      let sn = 0;
      for (const t of s.time) {
        c += Math.cos((2 * Math.PI * (t - s.tstart)) / period);
        sn += Math.sin((2 * Math.PI * (t - s.tstart)) / period);
      }
      return (2 * (c * c + sn * sn)) / s.count;
    };
    // Expected Z²₁ ≈ N·a²/2 = 4000·0.125 = 500 at the period; ≈ 2 (χ²₂) elsewhere.
    expect(z(700)).toBeGreaterThan(300);
    expect(z(913)).toBeLessThan(30);
  });
});

describe('absorbed power-law spectrum', () => {
  const meanLogE = (s: SpectrumParams) => {
    const t = spectrumTable(s);
    let sum = 0;
    for (let i = 0; i < 2000; i++) sum += Math.log10(sampleEnergyKeV(t, (i + 0.5) / 2000));
    return sum / 2000;
  };

  it('inverse CDF maps 0 and 1 to the band edges and is monotonic', () => {
    const t = spectrumTable(spec);
    expect(sampleEnergyKeV(t, 0)).toBeCloseTo(0.3, 12);
    expect(sampleEnergyKeV(t, 1 - 1e-15)).toBeCloseTo(10, 6);
    let prev = 0;
    for (let i = 0; i <= 100; i++) {
      const e = sampleEnergyKeV(t, i / 100.0001);
      expect(e).toBeGreaterThanOrEqual(prev);
      prev = e;
    }
  });

  it('harder for smaller Γ, and absorption removes soft photons', () => {
    expect(meanLogE({ ...spec, photonIndex: 1 })).toBeGreaterThan(meanLogE({ ...spec, photonIndex: 2.5 }) + 0.1);
    const soft = (nH22: number) => {
      const t = spectrumTable({ ...spec, nH22 });
      let below = 0;
      for (let i = 0; i < 1000; i++) if (sampleEnergyKeV(t, (i + 0.5) / 1000) < 1) below += 1;
      return below / 1000;
    };
    expect(soft(1)).toBeLessThan(soft(0.01) / 2);
  });

  it('an unabsorbed Γ = 2 spectrum follows the analytic CDF', () => {
    // N(E) ∝ E^-2 → CDF(E) = (1/0.3 − 1/E)/(1/0.3 − 1/10); median E = 1/((1/0.3 + 1/10)/2) ≈ 0.5825 keV.
    const t = spectrumTable({ photonIndex: 2, nH22: 0, eMinKeV: 0.3, eMaxKeV: 10 });
    expect(sampleEnergyKeV(t, 0.5)).toBeCloseTo(1 / ((1 / 0.3 + 1 / 10) / 2), 3);
  });
});

describe('parameter checks', () => {
  it.each<[string, SimulationParams]>([
    ['duration', { ...steady(1, 1), duration: 0 }],
    ['baseRate', { ...steady(1, -1) }],
    ['flare', { ...steady(1, 1), variability: { kind: 'flare', peakTime: 1, amplitude: 1, riseTime: 0, decayTime: 1 } }],
    ['dip', { ...steady(1, 1), variability: { kind: 'dip', centerTime: 1, width: 1, ingress: 1, depth: 2 } }],
    ['periodic', { ...steady(1, 1), variability: { kind: 'periodic', period: 0, pulsedFraction: 0.5, phase: 0 } }],
  ])('rejects a bad %s', (_what, p) => {
    expect(() => simulateEvents(p)).toThrow(RepresentationError);
  });
});
