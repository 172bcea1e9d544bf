import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { OBSERVATION_COLUMNS } from './observation-averages.js';
import { describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  FLUX_FLOOR,
  FLUX_FLOOR_SIGMA,
  extractMeasurements,
  MW_BANDS,
  MW_END,
  N_FEATURES,
  N_XRAY_FEATURES,
  NH_PER_AV,
  avFromNhGal,
  computeFeatures,
  writeFeatures,
  parseCscNumber,
  type CscRow,
  type MwPhotometry,
} from './features.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface FixtureCase {
  source: string;
  input: { csc: CscRow; mw: MwPhotometry | null };
  expected: {
    features: number[];
    mask: number[];
    feature_set: 'xray' | 'xray+mw';
    sigmas: Record<string, number>;
    probabilities_nominal: number[];
  };
}
interface Fixture {
  feature_names: string[];
  cases: FixtureCase[];
}
interface FeaturesJson {
  n_features: number;
  constants: {
    flux_floor_erg_s_cm2: number;
    mw_bands: { band: string; input: string; zero_point_erg_s_cm2_A: number; width_A: number; log10_zero_times_width: number; limiting_mag: number }[];
  };
  features: { index: number; name: string; group: string }[];
}

const fixture = JSON.parse(readFileSync(path.join(here, 'fixtures', 'features_fixture.json'), 'utf8')) as Fixture;
const spec = JSON.parse(readFileSync(path.join(here, 'features.json'), 'utf8')) as FeaturesJson;

describe('source-classifier features: spec', () => {
  it('feature order matches features.json and the train.py fixture', () => {
    expect(N_FEATURES).toBe(spec.n_features);
    expect([...FEATURE_NAMES]).toEqual(spec.features.map((f) => f.name));
    expect([...FEATURE_NAMES]).toEqual(fixture.feature_names);
    expect(spec.features.filter((f) => f.group === 'xray').length).toBe(N_XRAY_FEATURES);
  });

  it('constants match features.json', () => {
    expect(FLUX_FLOOR).toBe(spec.constants.flux_floor_erg_s_cm2);
    expect(MW_BANDS.length).toBe(spec.constants.mw_bands.length);
    MW_BANDS.forEach((b, i) => {
      const s = spec.constants.mw_bands[i];
      expect(b.band).toBe(s.band);
      expect(b.key).toBe(s.input);
      expect(b.zero).toBe(s.zero_point_erg_s_cm2_A);
      expect(b.width).toBe(s.width_A);
      expect(b.limit).toBe(s.limiting_mag);
      expect(Math.log10(b.zero * b.width)).toBeCloseTo(s.log10_zero_times_width, 12);
    });
  });
});

describe('source-classifier features: parity with train.py', () => {
  expect(fixture.cases.length).toBeGreaterThanOrEqual(20);
  for (const c of fixture.cases) {
    it(c.source, () => {
      const out = computeFeatures(c.input);
      expect(Array.from(out.mask)).toEqual(c.expected.mask);
      expect(out.featureSet).toBe(c.expected.feature_set);
      for (let j = 0; j < N_FEATURES; j++) {
        const want = c.expected.features[j];
        const got = out.features[j];
        expect(Math.abs(got - want), `${FEATURE_NAMES[j]}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
      }
      for (const [k, v] of Object.entries(c.expected.sigmas)) {
        const got = (out.sigmas as Record<string, number>)[k];
        // relative: flux sigmas are ~1e-16, an absolute tolerance would pass anything
        expect(Math.abs(got - v), `sigma ${k}: ${got} vs ${v}`).toBeLessThanOrEqual(1e-9 * Math.abs(v) + 1e-40);
      }
    });
  }
});

describe('source-classifier features: missing values', () => {
  it('parses padded CSV strings and rejects blanks/booleans', () => {
    expect(parseCscNumber('    0.651')).toBe(0.651);
    expect(parseCscNumber(' 1')).toBe(1);
    expect(parseCscNumber('         ')).toBeNull();
    expect(parseCscNumber('TRUE')).toBeNull();
    expect(parseCscNumber(true)).toBeNull();
    expect(parseCscNumber(Number.NaN)).toBeNull();
    expect(parseCscNumber(null)).toBeNull();
  });

  it('no photometry: MW block fully masked, masked values are 0, never NaN', () => {
    const out = computeFeatures({ csc: { flux_aper90_s: 1e-15, flux_aper90_m: 2e-15, flux_aper90_h: 3e-15 } });
    expect(out.featureSet).toBe('xray');
    expect(Array.from(out.mask.slice(0, 8))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(out.mask.slice(8))).toEqual(new Array(N_FEATURES - 8).fill(0));
    expect(Array.from(out.features).every((v) => Number.isFinite(v))).toBe(true);
    expect(out.features[0]).toBeCloseTo(Math.log10(6e-15), 5);
    expect(out.features[4]).toBeCloseTo(0.2, 6); // (3-2)/(3+2)
  });

  it('no counterpart = missing photometry: mw null, undefined, {} or all-null give the same X-ray-only vector', () => {
    const csc = { flux_aper90_s: 1e-15, flux_aper90_m: 2e-15, flux_aper90_h: 3e-15 };
    expect(FEATURE_NAMES).not.toContain('mw_searched');
    const ref = computeFeatures({ csc });
    for (const mw of [null, undefined, {}, { gmag: null, jmag: null, e_gmag: null }, { gmag: 25 }]) {
      const out = computeFeatures({ csc, mw });
      expect(out.featureSet).toBe('xray');
      expect(Array.from(out.mask.slice(N_XRAY_FEATURES))).toEqual(new Array(N_FEATURES - N_XRAY_FEATURES).fill(0));
      expect(Array.from(out.features)).toEqual(Array.from(ref.features));
      expect(Array.from(out.mask)).toEqual(Array.from(ref.mask));
    }
    expect(computeFeatures({ csc, mw: { gmag: 15 } }).featureSet).toBe('xray+mw');
  });

  it('no band flux at all: broad flux from flux_aper90_b, ratios/HRs masked, out of domain', () => {
    const out = computeFeatures({ csc: { flux_aper90_b: 5e-15, flux_aper90_s: '', flux_aper90_m: null } });
    expect(out.inTrainingDomain).toBe(false);
    expect(out.mask[0]).toBe(1);
    expect(out.features[0]).toBeCloseTo(Math.log10(5e-15), 5);
    expect(Array.from(out.mask.slice(1, 8))).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('magnitudes at/above the limiting magnitude are missing', () => {
    const out = computeFeatures({
      csc: { flux_aper90_s: 1e-15, flux_aper90_m: 1e-15, flux_aper90_h: 1e-15 },
      mw: { gmag: 21.5, bpmag: 20, rpmag: 19 },
    });
    const gIdx = FEATURE_NAMES.indexOf('log_ratio_G_xray');
    const bpRp = FEATURE_NAMES.indexOf('colour_BP_RP');
    const gBp = FEATURE_NAMES.indexOf('colour_G_BP');
    expect(out.mask[gIdx]).toBe(0);
    expect(out.mask[gBp]).toBe(0);
    expect(out.mask[bpRp]).toBe(1);
    expect(out.features[bpRp]).toBeCloseTo(1, 6);
    expect(out.featureSet).toBe('xray+mw');
  });
});

describe('source-classifier features: sightline feature av_gal (CSC2 nh_gal)', () => {
  const csc = { flux_aper90_s: 1e-15, flux_aper90_m: 2e-15, flux_aper90_h: 3e-15 };
  const avIdx = FEATURE_NAMES.indexOf('av_gal');

  it('is the last feature, right after the MW block', () => {
    expect(avIdx).toBe(MW_END);
    expect(N_FEATURES).toBe(MW_END + 1);
    expect(spec.features[avIdx]).toMatchObject({ name: 'av_gal', group: 'sightline' });
  });

  it('with nh_gal: A_V = nh_gal * 1e20 / 2.21e21 (train.py av_gal_values: 88.5 -> 4.0045247), mask 1', () => {
    expect(NH_PER_AV).toBe(2.21e21);
    const out = computeFeatures({ csc: { ...csc, nh_gal: 88.5 } });
    expect(out.mask[avIdx]).toBe(1);
    expect(out.features[avIdx]).toBeCloseTo(4.0045247, 6);
    expect(computeFeatures({ csc: { ...csc, nh_gal: ' 83.2' } }).features[avIdx]).toBeCloseTo(3.764706, 6);
    // the sightline does not make a source 'xray+mw' and leaves every other feature as it is
    const without = computeFeatures({ csc });
    expect(out.featureSet).toBe('xray');
    expect(Array.from(out.features.slice(0, MW_END))).toEqual(Array.from(without.features.slice(0, MW_END)));
    expect(Array.from(out.mask.slice(0, MW_END))).toEqual(Array.from(without.mask.slice(0, MW_END)));
    expect(out.measurements.avGal).toBeCloseTo(88.5e20 / 2.21e21, 12);
  });

  it('without nh_gal (absent, NULL, blank, negative): masked, value 0', () => {
    for (const nh of [undefined, null, '', '   ', -1, 'NaN']) {
      const out = computeFeatures({ csc: { ...csc, nh_gal: nh } });
      expect(out.mask[avIdx]).toBe(0);
      expect(out.features[avIdx]).toBe(0);
    }
    expect(avFromNhGal(null)).toBeNull();
    expect(avFromNhGal(0)).toBe(0);
  });

  it('a 30-input model gets the first 30 features (no av_gal); other widths are refused', () => {
    const m = computeFeatures({ csc: { ...csc, nh_gal: 88.5 } }).measurements;
    const f = new Float32Array(2 * MW_END);
    const k = new Float32Array(2 * MW_END);
    writeFeatures(m, f, k, 1, MW_END);
    const full = computeFeatures({ csc: { ...csc, nh_gal: 88.5 } });
    expect(Array.from(f.slice(MW_END))).toEqual(Array.from(full.features.slice(0, MW_END)));
    expect(Array.from(k.slice(MW_END))).toEqual(Array.from(full.mask.slice(0, MW_END)));
    expect(Array.from(f.slice(0, MW_END)).every((v) => v === 0)).toBe(true);
    expect(() => writeFeatures(m, f, k, 0, 29)).toThrow(RangeError);
  });
});

describe('source-classifier features: the training table\'s flux definition on a real field', () => {
  // MUWCLASS's own NGC 3532 result table carries the features its pipeline computed from the same CSC2 rows (F_b,
  // HR_hms) with the definition its training table uses (split-normal mean fluxes). Ours must be the same numbers:
  // a feature definition that differs from the training table's puts real fields out of distribution.
  const csv = (file: string) =>
    parse(readFileSync(path.join(here, '..', '..', 'data', 'sample', file), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const cscByName = new Map<string, Record<string, string>>();
  for (const r of csv('ngc3532_conesearch_per.csv')) if (!cscByName.has(r.name.trim())) cscByName.set(r.name.trim(), r);
  const published = csv('muwclass_ngc3532_class.csv').filter((r) => cscByName.has(r.name.trim()) && r.F_b.trim() !== '');

  it('log_flux_b and hr_hms equal MUWCLASS\'s F_b and HR_hms for every NGC 3532 source', () => {
    expect(published.length).toBeGreaterThan(350);
    let zeroBand = 0;
    for (const r of published) {
      const csc = cscByName.get(r.name.trim()) as Record<string, string>;
      if (['s', 'm', 'h'].some((b) => Number(csc[`flux_aper90_${b}`]) === 0)) zeroBand++;
      const out = computeFeatures({ csc, mw: null });
      const logFb = Math.log10(Number(r.F_b));
      expect(Math.abs(out.features[0] - logFb), `${r.name} log_flux_b`).toBeLessThanOrEqual(5e-4);
      if (r.HR_hms.trim() !== '') expect(Math.abs(out.features[7] - Number(r.HR_hms)), `${r.name} hr_hms`).toBeLessThanOrEqual(5e-4);
    }
    // the rows this is about: a band with mode 0 (not detected, upper limit only) is common in a faint field
    expect(zeroBand).toBeGreaterThan(100);
  });

  it('p_var_intra equals MUWCLASS\'s P_intra, present or missing, for every NGC 3532 source (the master row and its observation row)', () => {
    let missing = 0;
    for (const r of published) {
      const csc = cscByName.get(r.name.trim()) as Record<string, string>;
      // the observation row of the cone search: observation-level columns carry a '.1' suffix where names clash
      const obs: Record<string, string> = {};
      for (const c of OBSERVATION_COLUMNS) obs[c] = csc[`${c}.1`] ?? csc[c];
      for (const input of [{ csc, mw: null }, { csc, mw: null, observations: [obs] }]) {
        const out = computeFeatures(input);
        if (r.P_intra.trim() === '') expect(out.mask[8], `${r.name} P_intra missing`).toBe(0);
        else expect(Math.abs(out.features[8] - Number(r.P_intra)), `${r.name} P_intra`).toBeLessThanOrEqual(1e-6);
      }
      if (r.P_intra.trim() === '') missing++;
    }
    // the training table's rule (P_intra only with all three bands) is what blanks these
    expect(missing).toBeGreaterThan(40);
  });

  it('a band with mode 0 and an upper limit is the split-normal mean 0.80 hilim, not the floor', () => {
    const csc = {
      flux_aper90_s: '1.381e-15', flux_aper90_lolim_s: '1.0e-15', flux_aper90_hilim_s: '1.8e-15',
      flux_aper90_m: '1.990e-16', flux_aper90_lolim_m: '1.0e-16', flux_aper90_hilim_m: '3.0e-16',
      flux_aper90_h: '0.000e+00', flux_aper90_lolim_h: '0.000e+00', flux_aper90_hilim_h: '5.0e-16',
    };
    const { values, sigmas } = extractMeasurements({ csc });
    expect((values.fluxH as number) / (Math.sqrt(2 / Math.PI) * 5e-16)).toBeCloseTo(1, 12);
    expect(values.fluxH as number).toBeGreaterThan(40 * FLUX_FLOOR);
    expect(sigmas.flux_h / 5e-16).toBeCloseTo(Math.sqrt(1 - 2 / Math.PI), 12);
    // s: mode + sqrt(2/pi) ((hi - mode) - (mode - lo))
    expect((values.fluxS as number) / (1.381e-15 + Math.sqrt(2 / Math.PI) * (0.419e-15 - 0.381e-15))).toBeCloseTo(1, 12);
  });

  it('a band without a flux takes the table\'s floor (8e-18, sd 6e-18) when another band has one; a mode without limits is kept', () => {
    const csc = {
      flux_aper90_s: '', flux_aper90_lolim_s: '', flux_aper90_hilim_s: '',
      flux_aper90_m: '1.0e-15', flux_aper90_lolim_m: '', flux_aper90_hilim_m: '2.0e-15',
      flux_aper90_h: '2.0e-15', flux_aper90_lolim_h: '1.0e-15', flux_aper90_hilim_h: '3.0e-15',
    };
    const { values, sigmas } = extractMeasurements({ csc });
    expect([values.fluxS, sigmas.flux_s]).toEqual([FLUX_FLOOR, FLUX_FLOOR_SIGMA]);
    expect([values.fluxM, sigmas.flux_m]).toEqual([1e-15, 0]);
    expect((values.fluxH as number) / 2e-15).toBeCloseTo(1, 12);
    // mode 0 with no limits is not a flux: floored
    const zero = extractMeasurements({ csc: { ...csc, flux_aper90_m: '0', flux_aper90_hilim_m: '' } });
    expect([zero.values.fluxM, zero.sigmas.flux_m]).toEqual([FLUX_FLOOR, FLUX_FLOOR_SIGMA]);
    // no band at all: nothing is floored, the X-ray block falls back to flux_aper90_b
    const none = extractMeasurements({ csc: { flux_aper90_b: '3e-15' } });
    expect([none.values.fluxS, none.values.fluxM, none.values.fluxH]).toEqual([null, null, null]);
    expect(computeFeatures({ csc: { flux_aper90_b: '3e-15' } }).features[0]).toBeCloseTo(Math.log10(3e-15), 5); // float32
  });
});
