import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, computeFeatures, extractMeasurements, bandFlux } from './features.js';
import type { CscRow } from './features.js';
import { readPerObs } from '../../test/helpers/per-obs-csv.js';
import { SHARED_DETECTION, averageObservations, chiSquareCdf, isUsableObservation, regularizedGammaP } from './observation-averages.js';

const here = path.dirname(fileURLToPath(import.meta.url));

type Expected = Record<string, number | null>;
const fixture = JSON.parse(readFileSync(path.join(here, 'fixtures', 'ic2395_observation_averages.json'), 'utf8')) as {
  ORIGIN: string;
  cases: { name: string; muwclass: Expected | null }[];
};

describe('per-observation averages: parity with MUWCLASS IC2395_ave.csv', () => {
  const ic2395 = readPerObs('ic2395_conesearch_per.csv');
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

  it('has every IC 2395 source of the sample (102, 2 observations each) in the fixture', () => {
    expect(fixture.ORIGIN).toContain('fc0bcabef92a112b1b0f32fb71709cc87e03afa0');
    expect(ic2395.size).toBe(102);
    expect(fixture.cases.map((c) => c.name).sort()).toEqual([...ic2395.keys()].sort());
    for (const e of ic2395.values()) expect(e.observations).toHaveLength(2);
  });

  it('F_s/F_m/F_h and their errors, chisqr, dof and P_inter equal MUWCLASS for every source; dropped sources are null', () => {
    const maxDiff: Record<string, number> = {};
    const note = (k: string, d: number) => (maxDiff[k] = Math.max(maxDiff[k] ?? 0, d));
    for (const { name, muwclass } of fixture.cases) {
      const got = averageObservations(ic2395.get(name)!.observations);
      if (muwclass === null) {
        expect(got, name).toBeNull();
        continue;
      }
      expect(got, name).not.toBeNull();
      for (const b of ['s', 'm', 'h'] as const) {
        const band = got!.bands[b]!;
        note(`F_${b}`, rel(band.value, muwclass[`flux_aper90_ave_${b}`]!));
        note(`e_F_${b}`, rel(band.sigma, muwclass[`e_flux_aper90_ave_${b}`]!));
      }
      expect(got!.dof, name).toBe(muwclass.dof);
      if (muwclass.chisqr === null) {
        expect(got!.chisqr, name).toBeNull();
        expect(got!.pInter, name).toBeNull();
      } else {
        note('chisqr', rel(got!.chisqr!, muwclass.chisqr));
        note('P_inter', Math.abs(got!.pInter! - muwclass.var_inter_prob!));
      }
      if (muwclass.kp_prob_b_max === null || got!.pIntra === null) expect(got!.pIntra, `${name} P_intra`).toBe(muwclass.kp_prob_b_max);
      else note('P_intra', Math.abs(got!.pIntra - muwclass.kp_prob_b_max));
    }
    console.log('IC 2395 max |difference| (relative for fluxes and chisqr):', JSON.stringify(maxDiff));
    for (const k of ['F_s', 'F_m', 'F_h', 'e_F_s', 'e_F_m', 'e_F_h']) expect(maxDiff[k], k).toBeLessThan(1e-12);
    expect(maxDiff.chisqr).toBeLessThan(1e-9);
    expect(maxDiff.P_inter).toBe(0);
    expect(maxDiff.P_intra).toBe(0);
  });

  it('the features of an IC 2395 source are computed from the averages, not the master row', () => {
    let changed = 0;
    for (const { name, muwclass } of fixture.cases) {
      const { master, observations } = ic2395.get(name)!;
      const ex = extractMeasurements({ csc: master, observations });
      if (muwclass === null) {
        expect(ex.values.xraySource).toBe('master');
        continue;
      }
      expect(ex.values.xraySource).toBe('observations');
      expect(ex.values.fluxS).toBe(averageObservations(observations)!.bands.s!.value);
      expect(ex.values.pInter).toBe(muwclass.var_inter_prob);
      const a = computeFeatures({ csc: master, observations }).features;
      const b = computeFeatures({ csc: master }).features;
      if (a.some((v, j) => Math.abs(v - b[j]!) > 1e-6)) changed++;
    }
    expect(changed).toBeGreaterThan(90);
  });
});

describe('per-observation averages: NGC 3532 (one observation per source) keeps 2.2.1 features', () => {
  it('features from master + observation rows equal the master-only features for all 389 sources', () => {
    const ngc = readPerObs('ngc3532_conesearch_per.csv');
    expect(ngc.size).toBe(389);
    let fromObs = 0;
    for (const [name, { master, observations }] of ngc) {
      const a = computeFeatures({ csc: master, observations });
      const b = computeFeatures({ csc: master });
      if (a.measurements.xraySource === 'observations') fromObs++;
      expect(Array.from(a.mask), name).toEqual(Array.from(b.mask));
      a.features.forEach((v, j) => expect(v, `${name} ${FEATURE_NAMES[j]}`).toBe(b.features[j]));
      expect(a.sigmas).toEqual(b.sigmas);
    }
    // 16 detections are at theta > 10' (MUWCLASS drops them; xtap keeps their master features)
    expect(fromObs).toBe(373);
  });
});

describe('per-observation averages: definition', () => {
  const obs = (over: Record<string, string | number | boolean | null> = {}): CscRow => ({
    instrument: 'ACIS', theta: 2, pileup_warning: 0.01, sat_src_flag: false, streak_src_flag: false, kp_prob_b: 0.3,
    flux_aper90_s: 1e-15, flux_aper90_lolim_s: 0.8e-15, flux_aper90_hilim_s: 1.3e-15,
    flux_aper90_m: 2e-15, flux_aper90_lolim_m: 1.7e-15, flux_aper90_hilim_m: 2.2e-15,
    flux_aper90_h: 0, flux_aper90_lolim_h: 0, flux_aper90_hilim_h: 1e-15, ...over,
  });

  it("one observation gives 2.2.1's master-level values (split-normal mean and sd), P_inter null", () => {
    const o = obs();
    const a = averageObservations([o])!;
    for (const b of ['s', 'm', 'h'] as const) expect(a.bands[b]).toEqual(bandFlux(o, b));
    expect(a.bands.h!.value).toBeCloseTo(Math.sqrt(2 / Math.PI) * 1e-15, 25);
    expect([a.nObs, a.dof, a.chisqr, a.pInter, a.pIntra]).toEqual([1, 0, null, null, 0.3]);
    const master = { ...o, kp_intra_prob_b: 0.3, var_inter_prob_b: null, flux_aper90_b: 3e-15 };
    expect(computeFeatures({ csc: master, observations: [o] }).features).toEqual(computeFeatures({ csc: master }).features);
  });

  it('two observations: inverse-variance weighted mean and chi-square P_inter', () => {
    const o1 = obs();
    const o2 = obs({ flux_aper90_s: 3e-15, flux_aper90_lolim_s: 2.5e-15, flux_aper90_hilim_s: 3.4e-15, kp_prob_b: 0.9 });
    const a = averageObservations([o1, o2])!;
    const s1 = bandFlux(o1, 's')!;
    const s2 = bandFlux(o2, 's')!;
    const w1 = 1 / s1.sigma ** 2;
    const w2 = 1 / s2.sigma ** 2;
    expect(a.bands.s!.value).toBeCloseTo((w1 * s1.value + w2 * s2.value) / (w1 + w2), 28);
    expect(a.bands.s!.sigma).toBeCloseTo(Math.sqrt(1 / (w1 + w2)), 28);
    expect(a.dof).toBe(1);
    expect(a.pIntra).toBe(0.9);
    expect(a.pInter).toBe(Math.round(chiSquareCdf(1, a.chisqr!) * 1000) / 1000);
    expect(a.pInter).toBeGreaterThan(0.9);
  });

  it.each([
    ['HRC', { instrument: ' HRC' }],
    ["theta > 10'", { theta: 10.5 }],
    ['theta missing', { theta: null }],
    ['sat_src_flag', { sat_src_flag: ' TRUE' }],
    ['pileup_warning > 0.3', { pileup_warning: 0.31 }],
    ['streak_src_flag', { streak_src_flag: true }],
    ['detection shared by two master sources', { [SHARED_DETECTION]: true }],
  ])('drops an observation flagged %s', (_label, flag) => {
    expect(isUsableObservation(obs(flag))).toBe(false);
    const bright = obs({ flux_aper90_s: 9e-14, flux_aper90_lolim_s: 8e-14, flux_aper90_hilim_s: 1e-13, ...flag });
    expect(averageObservations([obs(), bright])).toEqual(averageObservations([obs()]));
  });

  it('keeps an observation at the limits (theta 10, pileup 0.3, flags false/blank)', () => {
    expect(isUsableObservation(obs({ theta: 10, pileup_warning: 0.3, sat_src_flag: 'False', streak_src_flag: null }))).toBe(true);
  });

  it('all observations flagged: no averages, the master row gives the features (2.2.1)', () => {
    const flagged = [obs({ theta: 12 }), obs({ sat_src_flag: true })];
    expect(averageObservations(flagged)).toBeNull();
    const master = { ...obs(), kp_intra_prob_b: 0.5, var_inter_prob_b: 0.7, flux_aper90_s: 5e-15, flux_aper90_hilim_s: 6e-15 };
    const ex = extractMeasurements({ csc: master, observations: flagged });
    expect(ex.values.xraySource).toBe('master');
    expect(ex.values).toEqual({ ...extractMeasurements({ csc: master }).values });
    expect([ex.values.pIntra, ex.values.pInter]).toEqual([0.5, 0.7]);
  });

  it('a band no remaining observation has is null (floored by the features); the broad flux needs all three bands', () => {
    const noH = obs({ flux_aper90_h: null, flux_aper90_lolim_h: null, flux_aper90_hilim_h: null });
    const a = averageObservations([noH, noH])!;
    expect(a.bands.h).toBeNull();
    expect([a.dof, a.pInter]).toEqual([null, null]);
    const ex = extractMeasurements({ csc: {}, observations: [noH] });
    expect([ex.values.fluxH, ex.sigmas.flux_h]).toEqual([8e-18, 6e-18]);
  });
});

describe('chi-square CDF (scipy.special.chdtr)', () => {
  it.each([
    // scipy.special.chdtr(k, x), values printed by /usr/bin/python3 (scipy 1.10.1)
    [1, 3.841458820694124, 0.9500000000000001],
    [10, 18.307038053275146, 0.95],
    [1, 0.1308449347265071, 0.2824424146756182],
    [3, 0.5, 0.08110858834532418],
    [50, 40, 0.1567726218262377],
    [7, 30, 0.9999050402749187],
    [1, 1e-8, 7.978845594730572e-5],
  ])('chdtr(%d, %f) = %f', (k, x, want) => {
    expect(Math.abs(chiSquareCdf(k, x) - want)).toBeLessThan(1e-13);
  });

  it('dof 2 is 1 - exp(-x/2); edges', () => {
    for (const x of [0.01, 0.5, 2, 9, 40]) expect(chiSquareCdf(2, x)).toBeCloseTo(1 - Math.exp(-x / 2), 14);
    expect(chiSquareCdf(3, 0)).toBe(0);
    expect(chiSquareCdf(3, Number.POSITIVE_INFINITY)).toBe(1);
    expect(regularizedGammaP(0, 1)).toBeNaN();
  });
});
