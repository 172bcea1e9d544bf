/**
 * Feature extraction for the MUWCLASS-style CSC2 source classifier (models/source-classifier).
 *
 * Pure functions: CSC2 master_source column values (+ optional Gaia/2MASS/WISE magnitudes of the
 * counterpart) in, raw feature vector + mask out. This is an exact port of
 * `features_from_measurements` in train.py; features.json documents the same definitions and
 * features.test.ts checks parity against vectors written by train.py.
 *
 * Conventions:
 * - mask[j] = 1 when feature j is present, 0 when missing; features[j] is 0 where mask[j] = 0
 *   (the model ignores it). No sentinel values.
 * - No counterpart = missing photometry: `SourceInput.mw` null/undefined, an empty object or all-null
 *   magnitudes all give an empty MW block, and the model's X-ray-only network classifies the source.
 *   (Model 1.x had a cross-match flag `mw_searched`; it was a training-set shortcut and is gone.)
 * - Standardisation (mean/std in features.json) is applied inside model.onnx, not here.
 * - Feature 30 `av_gal` (since protocol v7): the Galactic A_V of the source's sightline from CSC2 master_source
 *   `nh_gal` (1e20 cm^-2) as nh_gal * 1e20 / NH_PER_AV; masked when nh_gal is NULL; never Monte-Carlo sampled.
 *   It is not part of the MW block: it does not decide the feature set. Models with 30 inputs (2.1.0, 2.2.0) take
 *   the first 30 features (writeFeatures' `width`).
 */
import { MW_MAGNITUDES } from '../../schema/ml/mw-counterpart.js';
import { averageObservations } from './observation-averages.js';
import type { MwMagnitude } from '../../schema/ml/mw-counterpart.js';

/** A CSC2 column value as it arrives from a VOTable/CSV/database row. */
export type CscValue = number | string | boolean | null | undefined;
/** A CSC2 master_source row (column name -> value); extra columns are ignored. */
export type CscRow = Readonly<Record<string, CscValue>>;

/** The counterpart magnitudes, in the model's input order: schema's one list (ml.mw_counterpart's columns). */
export const MW_KEYS = MW_MAGNITUDES;
export type MwKey = MwMagnitude;
export type MwErrorKey = `e_${MwKey}`;

/** Counterpart magnitudes (Gaia G/BP/RP, 2MASS J/H/K, WISE W1-W3, native systems) and their 1-sigma errors. */
export type MwPhotometry = Partial<Record<MwKey | MwErrorKey, number | null>>;

export interface SourceInput {
  readonly csc: CscRow;
  /** Counterpart photometry; null/undefined, {} or all-null = no counterpart photometry (X-ray-only). */
  readonly mw?: MwPhotometry | null;
  /** The source's CSC2 observation_source rows (observation-level column names, observation-averages.ts
   *  OBSERVATION_COLUMNS). When at least one survives the flag filter and has a band flux, the X-ray features are the
   *  per-observation averages (the training table's definition, since 2.2.2); otherwise the master row's columns. */
  readonly observations?: readonly CscRow[] | null;
}

/** Where the X-ray measurements came from: per-observation averages, or the master_source row (2.2.1's features). */
export type XraySource = 'observations' | 'master';

export type FeatureSetName = 'xray' | 'xray+mw';

/** Nominal measured quantities the features are computed from (null = missing). */
export interface Measurements {
  /** flux_aper90_s / _m / _h / _b in erg/s/cm^2 */
  fluxS: number | null;
  fluxM: number | null;
  fluxH: number | null;
  fluxB: number | null;
  /** kp_intra_prob_b (MUWCLASS P_intra) */
  pIntra: number | null;
  /** var_inter_prob_b (MUWCLASS P_inter) */
  pInter: number | null;
  mags: Record<MwKey, number | null>;
  /** Galactic A_V of the sightline (mag) from CSC2 nh_gal; null when nh_gal is NULL */
  avGal: number | null;
  /** what the X-ray values were computed from (not a feature) */
  xraySource?: XraySource;
}

/** Measurement errors (1 sigma) used by the Monte-Carlo sampling in classify.ts: band fluxes are drawn from
 *  N(value, sigma) (the split-normal's standard deviation, see bandFlux), magnitudes from N(mag, e_mag); 0 = not sampled. */
export type MeasurementSigmas = { flux_s: number; flux_m: number; flux_h: number } & Record<MwKey, number>;

export interface FeatureVector {
  features: Float32Array;
  mask: Float32Array;
  featureSet: FeatureSetName;
}

export interface ExtractedFeatures extends FeatureVector {
  measurements: Measurements;
  sigmas: MeasurementSigmas;
  /** false when no ACIS band flux (s, m, h) is positive: outside the training domain */
  inTrainingDomain: boolean;
}

/** A band without a usable flux is set to this floor (erg/s/cm^2) when another band has one: MUWCLASS's training
 *  table's value (the mean of a half-normal of scale 1e-17, rounded) ... */
export const FLUX_FLOOR = 8e-18;
/** ... and its error (e_Fs = 6e-18 in those rows of the table). */
export const FLUX_FLOOR_SIGMA = 6e-18;
const FECHNER_K = Math.sqrt(2 / Math.PI);

interface MwBandDef {
  readonly band: string;
  readonly key: MwKey;
  readonly zero: number; // erg/s/cm^2/A
  readonly width: number; // A
  readonly limit: number; // limiting magnitude: mag >= limit -> missing
}

/** MUWCLASS (muwclass_library.py) zero points, effective widths and limiting magnitudes. */
export const MW_BANDS: readonly MwBandDef[] = [
  { band: 'G', key: 'gmag', zero: 2.5e-9, width: 4052.97, limit: 21.5 },
  { band: 'BP', key: 'bpmag', zero: 4.08e-9, width: 2157.5, limit: 21.5 },
  { band: 'RP', key: 'rpmag', zero: 1.27e-9, width: 2924.44, limit: 21.0 },
  { band: 'J', key: 'jmag', zero: 3.13e-10, width: 1624.32, limit: 18.5 },
  { band: 'H', key: 'hmag', zero: 1.13e-10, width: 2509.4, limit: 18.0 },
  { band: 'K', key: 'kmag', zero: 4.28e-11, width: 2618.87, limit: 17.0 },
  { band: 'W1', key: 'w1mag', zero: 8.18e-12, width: 6626.42, limit: 18.5 },
  { band: 'W2', key: 'w2mag', zero: 2.42e-12, width: 10422.66, limit: 17.5 },
  { band: 'W3', key: 'w3mag', zero: 6.52e-14, width: 55055.71, limit: 14.5 },
];

/** Bands whose X-ray-to-band flux ratio is a feature (all but W3, as MUWCLASS). */
const RATIO_BANDS: readonly string[] = ['G', 'BP', 'RP', 'J', 'H', 'K', 'W1', 'W2'];
/** Colours (MUWCLASS's selected 12). */
const COLOURS: readonly (readonly [string, string])[] = [
  ['G', 'BP'], ['G', 'RP'], ['G', 'J'], ['G', 'H'], ['G', 'K'], ['BP', 'RP'],
  ['J', 'H'], ['J', 'K'], ['H', 'K'], ['W1', 'W2'], ['W1', 'W3'], ['W2', 'W3'],
];

const XRAY_FEATURE_NAMES = [
  'log_flux_b', 'log_ratio_s_b', 'log_ratio_m_b', 'log_ratio_h_b',
  'hr_hm', 'hr_hs', 'hr_ms', 'hr_hms', 'p_var_intra', 'p_var_inter',
] as const;

/** N_H per unit A_V (cm^-2 mag^-1; Gueveer & Oezel 2009), train.py NH_PER_AV. */
export const NH_PER_AV = 2.21e21;
/** Sightline feature (index MW_END): Galactic A_V from nh_gal. */
export const AV_GAL_FEATURE = 'av_gal';

export const FEATURE_NAMES: readonly string[] = [
  ...XRAY_FEATURE_NAMES,
  ...RATIO_BANDS.map((b) => `log_ratio_${b}_xray`),
  ...COLOURS.map(([a, b]) => `colour_${a}_${b}`),
  AV_GAL_FEATURE,
];
export const N_FEATURES = FEATURE_NAMES.length; // 31
export const N_XRAY_FEATURES = XRAY_FEATURE_NAMES.length; // 10; features [10, MW_END) are the MW block
/** End of the MW block (exclusive) = index of av_gal = the input width of the 30-feature models (2.1.0, 2.2.0). */
export const MW_END = N_XRAY_FEATURES + RATIO_BANDS.length + COLOURS.length; // 30
/** Input widths a model may have: without (30) or with (31) the sightline feature. */
export const MODEL_WIDTHS: readonly number[] = [MW_END, N_FEATURES];

/** Galactic A_V (mag) from CSC2 nh_gal (units 1e20 cm^-2); null stays null. */
export function avFromNhGal(nhGal: number | null): number | null {
  return nhGal === null || !(nhGal >= 0) ? null : (nhGal * 1e20) / NH_PER_AV;
}

const BAND_INDEX = new Map<string, number>(MW_BANDS.map((b, i) => [b.band, i]));
const bandIndex = (band: string): number => {
  const i = BAND_INDEX.get(band);
  if (i === undefined) throw new Error(`unknown MW band ${band}`);
  return i;
};
const RATIO_IDX = RATIO_BANDS.map(bandIndex);
const COLOUR_IDX = COLOURS.map(([a, b]) => [bandIndex(a), bandIndex(b)] as const);
/** log10(zero * width), same float64 expression as train.py (math.log10(z * w)). */
const LOG_ZW = MW_BANDS.map((b) => Math.log10(b.zero * b.width));

/** Parses a CSC value: finite numbers, numeric strings (padding allowed); everything else -> null. */
export function parseCscNumber(v: CscValue): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return null;
    const x = Number(t);
    return Number.isFinite(x) ? x : null;
  }
  return null;
}

const finiteOrNull = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

/**
 * One band's flux as MUWCLASS's training table defines it (prepare_library.flux2symmetric): CSC2 gives the mode of
 * the flux posterior with a 68 % interval (lolim, hilim); the table holds the mean and standard deviation of the split
 * normal with that mode and those one-sided widths, mean = mode + sqrt(2/pi) (e_hi - e_lo),
 * sd = sqrt((1 - 2/pi) (e_hi - e_lo)^2 + e_hi e_lo). A band with mode 0 and an upper limit thus gets 0.80 hilim, not
 * the floor. A positive mode without both limits is taken as it is (sigma 0). null when there is no mode or the mean
 * is not positive (the caller floors it).
 */
export function bandFlux(row: CscRow, band: 's' | 'm' | 'h'): { value: number; sigma: number } | null {
  const v = parseCscNumber(row[`flux_aper90_${band}`]);
  const lo = parseCscNumber(row[`flux_aper90_lolim_${band}`]);
  const hi = parseCscNumber(row[`flux_aper90_hilim_${band}`]);
  if (v === null) return null;
  // a mode without limits (not in CSC2 itself; hand-made or partial tables): the mode, not sampled
  if (lo === null || hi === null) return v > 0 ? { value: v, sigma: 0 } : null;
  const eHi = hi - v;
  const eLo = v - lo;
  const value = v + FECHNER_K * (eHi - eLo);
  const sigma = Math.sqrt(Math.max((1 - 2 / Math.PI) * (eHi - eLo) ** 2 + eHi * eLo, 0));
  return value > 0 && Number.isFinite(value) && Number.isFinite(sigma) ? { value, sigma } : null;
}

/** Nominal measurements and their errors from a CSC2 master_source row, its observation rows (when given) and
 *  optional MW photometry. */
export function extractMeasurements(input: SourceInput): { values: Measurements; sigmas: MeasurementSigmas } {
  const row = input.csc;
  const mw = input.mw ?? {};
  const avg = input.observations && input.observations.length > 0 ? averageObservations(input.observations) : null;
  const fromObs = avg !== null && (avg.bands.s !== null || avg.bands.m !== null || avg.bands.h !== null);
  // bands without a usable flux take the table's floor when another band has one (train.py csc_flux_measurements,
  // MUWCLASS nan_flux for averages)
  const bands = (['s', 'm', 'h'] as const).map((b) => (fromObs ? avg.bands[b] : bandFlux(row, b)));
  const anyBand = bands.some((f) => f !== null);
  const flux = (i: number) => bands[i] ?? (anyBand ? { value: FLUX_FLOOR, sigma: FLUX_FLOOR_SIGMA } : null);
  const [fs, fm, fh] = [flux(0), flux(1), flux(2)];
  const mags = {} as Record<MwKey, number | null>;
  const magSig = {} as Record<MwKey, number>;
  for (const k of MW_KEYS) {
    mags[k] = finiteOrNull(mw[k]);
    const e = finiteOrNull(mw[`e_${k}`]);
    magSig[k] = e !== null && e > 0 ? e : 0;
  }
  const values: Measurements = {
    fluxS: fs?.value ?? null,
    fluxM: fm?.value ?? null,
    fluxH: fh?.value ?? null,
    fluxB: parseCscNumber(row.flux_aper90_b),
    // P_intra only with all three bands, as the training table (MUWCLASS cal_var's kp_prob_b_max)
    pIntra: fromObs ? avg.pIntra : bands.every((f) => f !== null) ? parseCscNumber(row.kp_intra_prob_b) : null,
    pInter: fromObs ? avg.pInter : parseCscNumber(row.var_inter_prob_b),
    mags,
    avGal: avFromNhGal(parseCscNumber(row.nh_gal)),
    xraySource: fromObs ? 'observations' : 'master',
  };
  const sigmas: MeasurementSigmas = {
    flux_s: fs?.sigma ?? 0,
    flux_m: fm?.sigma ?? 0,
    flux_h: fh?.sigma ?? 0,
    ...magSig,
  };
  return { values, sigmas };
}

const isDetected = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

/** True when at least one ACIS band flux (s, m, h) is positive. */
export function hasBandFlux(m: Measurements): boolean {
  return isDetected(m.fluxS) || isDetected(m.fluxM) || isDetected(m.fluxH);
}

/**
 * Writes the features of `m` into features/mask at row `row` (row-major [N, width]); `width` = a model's input
 * width (MODEL_WIDTHS): the first `width` features are written.
 * Returns the feature set actually available ('xray+mw' if any MW feature is present, else 'xray').
 */
export function writeFeatures(m: Measurements, features: Float32Array, mask: Float32Array, row = 0, width = N_FEATURES): FeatureSetName {
  if (!MODEL_WIDTHS.includes(width)) throw new RangeError(`feature width ${width} is not one of ${MODEL_WIDTHS.join(', ')}`);
  const mags = new Float64Array(MW_BANDS.length);
  for (let i = 0; i < MW_BANDS.length; i++) mags[i] = m.mags[MW_BANDS[i].key] ?? Number.NaN;
  const n = (v: number | null): number => v ?? Number.NaN;
  const anyMw = writeFeatureRow(n(m.fluxS), n(m.fluxM), n(m.fluxH), n(m.fluxB), n(m.pIntra), n(m.pInter), mags, n(m.avGal), features, mask, row * width, width);
  return anyMw ? 'xray+mw' : 'xray';
}

/**
 * writeFeatures on plain numbers (NaN = missing; `mags` in MW_BANDS order) at offset `o`: the Monte-Carlo path
 * (classify.ts) writes every draw through it without building a Measurements object per draw. `width` is not
 * checked here. Returns true when any MW feature is present.
 */
export function writeFeatureRow(
  fluxS: number, fluxM: number, fluxH: number, fluxB: number, pIntra: number, pInter: number,
  mags: Float64Array, avGal: number, features: Float32Array, mask: Float32Array, o: number, width: number,
): boolean {
  features.fill(0, o, o + width);
  mask.fill(0, o, o + width);
  const set = (j: number, v: number): void => {
    if (j < width && Number.isFinite(v)) {
      features[o + j] = v;
      mask[o + j] = 1;
    }
  };
  const sDet = isDetected(fluxS);
  const mDet = isDetected(fluxM);
  const hDet = isDetected(fluxH);
  const anyBand = sDet || mDet || hDet;
  const s = sDet ? fluxS : FLUX_FLOOR;
  const md = mDet ? fluxM : FLUX_FLOOR;
  const h = hDet ? fluxH : FLUX_FLOOR;
  const b = s + md + h;
  let logFb = Number.NaN;
  let haveFb = false;
  if (anyBand) {
    logFb = Math.log10(b);
    haveFb = true;
  } else if (isDetected(fluxB)) {
    logFb = Math.log10(fluxB);
    haveFb = true;
  }
  if (haveFb) set(0, logFb);
  if (anyBand) {
    set(1, Math.log10(s / b));
    set(2, Math.log10(md / b));
    set(3, Math.log10(h / b));
    set(4, (h - md) / (h + md));
    set(5, (h - s) / (h + s));
    set(6, (md - s) / (md + s));
    set(7, (h - md - s) / (h + md + s));
  }
  set(8, pIntra >= 0 && pIntra <= 1 ? pIntra : Number.NaN);
  set(9, pInter >= 0 && pInter <= 1 ? pInter : Number.NaN);

  let j = N_XRAY_FEATURES;
  let anyMw = false;
  for (let r = 0; r < RATIO_IDX.length; r++) {
    const i = RATIO_IDX[r];
    const v = mags[i];
    if (Number.isFinite(v) && v < MW_BANDS[i].limit && haveFb) {
      set(j, LOG_ZW[i] - 0.4 * v - logFb);
      anyMw = true;
    }
    j += 1;
  }
  for (let c = 0; c < COLOUR_IDX.length; c++) {
    const [ia, ib] = COLOUR_IDX[c];
    const va = mags[ia];
    const vb = mags[ib];
    if (Number.isFinite(va) && va < MW_BANDS[ia].limit && Number.isFinite(vb) && vb < MW_BANDS[ib].limit) {
      set(j, va - vb);
      anyMw = true;
    }
    j += 1;
  }
  set(MW_END, avGal);
  return anyMw;
}

/** Features of nominal measurements as a fresh vector. */
export function featuresFromMeasurements(m: Measurements): FeatureVector {
  const features = new Float32Array(N_FEATURES);
  const mask = new Float32Array(N_FEATURES);
  const featureSet = writeFeatures(m, features, mask, 0);
  return { features, mask, featureSet };
}

/** CSC2 row (+ optional MW photometry) -> features, mask, feature set and the Monte-Carlo sigmas. */
export function computeFeatures(input: SourceInput): ExtractedFeatures {
  const { values, sigmas } = extractMeasurements(input);
  const fv = featuresFromMeasurements(values);
  return { ...fv, measurements: values, sigmas, inTrainingDomain: hasBandFlux(values) };
}
