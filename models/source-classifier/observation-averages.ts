/**
 * Per-observation averaging of CSC2 X-ray measurements, as MUWCLASS's training table defines its X-ray inputs
 * (huiyang-astro/MUWCLASS_CSCv2 codes/prepare_library.py `cal_ave` @ fc0bcab; Yang et al. 2022). Pure: the
 * observation_source rows of one master source in, averaged band fluxes, P_inter and P_intra out.
 *
 * The definition, step by step (function names are the pipeline's):
 * 1. every per-observation band flux becomes the split-normal mean and sd of its mode and 68 % limits
 *    (`flux2symmetric`, the same formula as features.ts `bandFlux`); the per-observation broad flux is the sum of the
 *    three band means, its error their errors in quadrature (`cal_bflux`), so it exists only when all three do;
 * 2. observations are dropped (`apply_flags_filter`): HRC, theta > 10 arcmin or missing (the pipeline fills missing
 *    values with a large sentinel before comparing), sat_src_flag, pileup_warning > 0.3, streak_src_flag, and a
 *    detection (obsid, region_id, obi) assigned to more than one master source;
 * 3. each band flux = the inverse-variance weighted mean over the remaining observations that have it, error
 *    sqrt(1 / sum w) (`cal_aveflux`); one observation gives itself; none gives null (the caller floors it, `nan_flux`);
 * 4. P_inter = chi-square CDF with dof = n - 1 of the broad fluxes around their weighted mean, over the n remaining
 *    observations with a broad flux, rounded to 3 decimals; null when n < 2 (`cal_var`);
 * 5. P_intra = the largest kp_prob_b over the remaining observations with all three bands (`cal_var`'s
 *    kp_prob_b_max, which the classifier reads as var_intra_prob); null when none has them. In the training table
 *    every row with a floored band has no P_intra, and so does MUWCLASS's published NGC 3532 table.
 */
import { bandFlux, parseCscNumber } from './features.js';
import type { CscRow, CscValue } from './features.js';

/** observation_source columns the averaging reads (flux columns by band + the flag columns), plus `shared_detection`. */
export const OBSERVATION_COLUMNS: readonly string[] = [
  ...['s', 'm', 'h'].flatMap((b) => [`flux_aper90_${b}`, `flux_aper90_lolim_${b}`, `flux_aper90_hilim_${b}`]),
  'instrument', 'theta', 'sat_src_flag', 'pileup_warning', 'streak_src_flag', 'kp_prob_b',
];
/** Set on an observation row when its detection (obsid, region_id, obi) is associated with more than one master source. */
export const SHARED_DETECTION = 'shared_detection';

export const MAX_THETA_ARCMIN = 10;
export const MAX_PILEUP_WARNING = 0.3;
const BANDS = ['s', 'm', 'h'] as const;
export type Band = (typeof BANDS)[number];

export interface BandAverage {
  value: number;
  sigma: number;
}

export interface ObservationAverages {
  /** observations left after the flag filter */
  nObs: number;
  /** weighted mean per band; null = no remaining observation has the band */
  bands: Record<Band, BandAverage | null>;
  /** observations with a broad flux minus 1; null when none has one */
  dof: number | null;
  /** chi-square of the broad fluxes around their weighted mean; null when dof < 1 */
  chisqr: number | null;
  /** chi-square CDF(dof, chisqr) rounded to 3 decimals; null when dof < 1 */
  pInter: number | null;
  /** max kp_prob_b over the remaining observations; null when none has one */
  pIntra: number | null;
}

/** A CSC boolean as it arrives from the database (boolean) or a CSV (' TRUE', 'False', 'T', '1'). */
export function parseCscFlag(v: CscValue): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return ['TRUE', 'T', '1'].includes(v.trim().toUpperCase());
  return false;
}

/** apply_flags_filter: false when the observation is dropped. */
export function isUsableObservation(row: CscRow): boolean {
  if (typeof row.instrument === 'string' && row.instrument.trim().toUpperCase() === 'HRC') return false;
  const theta = parseCscNumber(row.theta);
  if (theta === null || theta > MAX_THETA_ARCMIN) return false;
  if (parseCscFlag(row.sat_src_flag) || parseCscFlag(row.streak_src_flag) || parseCscFlag(row[SHARED_DETECTION])) return false;
  const pileup = parseCscNumber(row.pileup_warning);
  return !(pileup !== null && pileup > MAX_PILEUP_WARNING);
}

/** A per-observation band flux as flux2symmetric gives it: needs the mode and both limits (sd > 0 for the weights). */
function observationBand(row: CscRow, band: Band): BandAverage | null {
  if (parseCscNumber(row[`flux_aper90_lolim_${band}`]) === null || parseCscNumber(row[`flux_aper90_hilim_${band}`]) === null) return null;
  const f = bandFlux(row, band);
  return f !== null && f.sigma > 0 ? f : null;
}

/** Inverse-variance weighted mean and its error; one value gives itself. */
export function weightedMean(xs: readonly BandAverage[]): BandAverage {
  if (xs.length === 1) return { ...xs[0]! };
  let sw = 0;
  let swx = 0;
  for (const x of xs) {
    const w = 1 / (x.sigma * x.sigma);
    sw += w;
    swx += w * x.value;
  }
  return { value: swx / sw, sigma: Math.sqrt(1 / sw) };
}

/** Averaged X-ray measurements of one master source from its observation rows; null when no observation is usable. */
export function averageObservations(rows: readonly CscRow[]): ObservationAverages | null {
  const used = rows.filter(isUsableObservation);
  if (used.length === 0) return null;
  const perObs = used.map((r) => ({ s: observationBand(r, 's'), m: observationBand(r, 'm'), h: observationBand(r, 'h'), kp: parseCscNumber(r.kp_prob_b) }));
  const bands = {} as Record<Band, BandAverage | null>;
  for (const b of BANDS) {
    const xs = perObs.map((o) => o[b]).filter((x): x is BandAverage => x !== null);
    bands[b] = xs.length === 0 ? null : weightedMean(xs);
  }
  const broad: BandAverage[] = [];
  for (const o of perObs) {
    if (o.s && o.m && o.h) broad.push({ value: o.s.value + o.m.value + o.h.value, sigma: Math.sqrt(o.s.sigma ** 2 + o.m.sigma ** 2 + o.h.sigma ** 2) });
  }
  const dof = broad.length === 0 ? null : broad.length - 1;
  let chisqr: number | null = null;
  let pInter: number | null = null;
  if (dof !== null && dof >= 1) {
    const mean = weightedMean(broad).value;
    chisqr = broad.reduce((acc, x) => acc + ((x.value - mean) / x.sigma) ** 2, 0);
    pInter = Math.round(chiSquareCdf(dof, chisqr) * 1000) / 1000;
  }
  const kps = perObs.filter((o) => o.s && o.m && o.h).map((o) => o.kp).filter((k): k is number => k !== null);
  const pIntra = kps.length === 0 ? null : Math.max(...kps);
  return { nObs: used.length, bands, dof, chisqr, pInter, pIntra };
}

// Lanczos approximation (g = 7, n = 9) of ln Gamma, |relative error| < 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x): series for x < a + 1, Lentz continued fraction for Q otherwise. */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  const lnPre = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, sum * Math.exp(lnPre));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.max(0, 1 - Math.exp(lnPre) * h);
}

/** Chi-square CDF with `dof` degrees of freedom (scipy.special.chdtr): P(dof / 2, x / 2). */
export function chiSquareCdf(dof: number, x: number): number {
  return regularizedGammaP(dof / 2, x / 2);
}
