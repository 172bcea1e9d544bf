/** Deterministic, seeded simulation of X-ray event lists with known behaviour (steady, flare, dip,
 *  periodic) and Chandra-like absorbed power-law spectra, for ML training and tests. Every random draw
 *  and its order is specified in README.md so a Python re-implementation reproduces the same PRNG stream.
 *  No instrument response: energies are photon energies, not detector channels. */

import { RepresentationError } from './errors.js';
import { Rng } from './prng.js';

export type VariabilityKind = 'steady' | 'flare' | 'dip' | 'periodic';
export const VARIABILITY_KINDS: readonly VariabilityKind[] = Object.freeze(['steady', 'flare', 'dip', 'periodic']);

/** Fast rise, exponential decay: excess rate A·r0·exp(−(tp − t)/riseTime) before tp, A·r0·exp(−(t − tp)/decayTime) after. */
export interface FlareParams {
  peakTime: number;
  amplitude: number;
  riseTime: number;
  decayTime: number;
}

/** Trapezoidal dip: rate r0·(1 − depth·g(t)), g = 1 for |t − centerTime| ≤ width/2, linear to 0 over `ingress` s. */
export interface DipParams {
  centerTime: number;
  width: number;
  ingress: number;
  depth: number;
}

/** Sinusoidal modulation: rate r0·(1 + pulsedFraction·sin(2πt/period + phase)). */
export interface PeriodicParams {
  period: number;
  pulsedFraction: number;
  phase: number;
}

/** Absorbed power law N(E) ∝ E^−Γ · exp(−2.4 · nH22 · E_keV^(−8/3)), sampled between eMinKeV and eMaxKeV. */
export interface SpectrumParams {
  photonIndex: number;
  /** Hydrogen column in 1e22 cm⁻²; 2.4·E^(−8/3) approximates the Morrison & McCammon (1983) cross-section. */
  nH22: number;
  eMinKeV: number;
  eMaxKeV: number;
}

/** The variability model, discriminated on `kind`. */
export type Variability =
  | { kind: 'steady' }
  | ({ kind: 'flare' } & FlareParams)
  | ({ kind: 'dip' } & DipParams)
  | ({ kind: 'periodic' } & PeriodicParams);

export interface SimulationParams {
  /** Seed of the simulation PRNG stream (uint32). */
  seed: number;
  /** Start time (s, e.g. Chandra MET); times are tstart + t with t ∈ [0, duration). */
  tstart: number;
  duration: number;
  /** Baseline rate r0 (counts/s). */
  baseRate: number;
  spectrum: SpectrumParams;
  variability: Variability;
}

export interface SimulatedEvents {
  time: Float64Array;
  /** Photon energies in eV. */
  energyEv: Float32Array;
  count: number;
  tstart: number;
  tstop: number;
  gti: Array<[number, number]>;
  params: SimulationParams;
  /** ∫ rate dt over the observation: the mean of `count`. */
  expectedCount: number;
}

/** Absorption optical depth at 1 keV per 1e22 cm⁻². */
export const NH_TAU_1KEV = 2.4;
/** Points of the tabulated spectral CDF (log-spaced between eMin and eMax). */
export const SPECTRUM_GRID_POINTS = 1024;

function requireParams(p: SimulationParams): void {
  const bad = (what: string) => {
    throw new RepresentationError('BAD_ARGUMENT', `simulation: ${what}`);
  };
  if (!(p.duration > 0)) bad(`duration must be > 0, got ${p.duration}`);
  if (!(p.baseRate >= 0)) bad(`baseRate must be ≥ 0, got ${p.baseRate}`);
  if (!(p.spectrum.eMinKeV > 0 && p.spectrum.eMaxKeV > p.spectrum.eMinKeV)) bad('spectrum band must satisfy 0 < eMin < eMax');
  const v = p.variability;
  switch (v.kind) {
    case 'steady':
      break;
    case 'flare':
      if (!(v.riseTime > 0 && v.decayTime > 0 && v.amplitude >= 0)) bad('flare needs riseTime, decayTime > 0 and amplitude ≥ 0');
      break;
    case 'dip':
      if (!(v.depth >= 0 && v.depth <= 1 && v.width >= 0 && v.ingress >= 0)) bad('dip needs 0 ≤ depth ≤ 1, width ≥ 0, ingress ≥ 0');
      break;
    case 'periodic':
      if (!(v.period > 0 && v.pulsedFraction >= 0 && v.pulsedFraction <= 1)) bad('periodic needs period > 0 and 0 ≤ pulsedFraction ≤ 1');
      break;
    default:
      bad(`unknown variability ${JSON.stringify(v)}`);
  }
}

/** The dip profile g(t) ∈ [0, 1]. */
function dipProfile(d: DipParams, t: number): number {
  const x = Math.abs(t - d.centerTime) - d.width / 2;
  if (x <= 0) return 1;
  if (x >= d.ingress) return 0;
  return 1 - x / d.ingress;
}

/** Rate (counts/s) at time t ∈ [0, duration) after tstart. */
export function rateAt(p: SimulationParams, t: number): number {
  const r0 = p.baseRate;
  const f = p.variability;
  switch (f.kind) {
    case 'steady':
      return r0;
    case 'flare': {
      const shape = t < f.peakTime ? Math.exp(-(f.peakTime - t) / f.riseTime) : Math.exp(-(t - f.peakTime) / f.decayTime);
      return r0 * (1 + f.amplitude * shape);
    }
    case 'dip':
      return r0 * (1 - f.depth * dipProfile(f, t));
    case 'periodic':
      return r0 * (1 + f.pulsedFraction * Math.sin((2 * Math.PI * t) / f.period + f.phase));
  }
}

/** Upper bound of rateAt used for thinning. */
function maxRate(p: SimulationParams): number {
  const v = p.variability;
  switch (v.kind) {
    case 'steady':
    case 'dip':
      return p.baseRate;
    case 'flare':
      return p.baseRate * (1 + v.amplitude);
    case 'periodic':
      return p.baseRate * (1 + v.pulsedFraction);
  }
}

/** ∫₀^T g(t) dt of the trapezoid dip profile, clipped to the observation. */
function dipArea(d: DipParams, T: number): number {
  const xs = [d.centerTime - d.width / 2 - d.ingress, d.centerTime - d.width / 2, d.centerTime + d.width / 2, d.centerTime + d.width / 2 + d.ingress];
  const ys = [0, 1, 1, 0];
  let area = 0;
  for (let k = 0; k < 3; k++) {
    const x0 = Math.max(xs[k], 0);
    const x1 = Math.min(xs[k + 1], T);
    if (x1 <= x0) continue;
    const span = xs[k + 1] - xs[k];
    const at = (x: number) => (span > 0 ? ys[k] + ((ys[k + 1] - ys[k]) * (x - xs[k])) / span : ys[k]);
    area += ((at(x0) + at(x1)) / 2) * (x1 - x0);
  }
  return area;
}

/** ∫₀^T rate dt, in closed form. */
export function expectedCount(p: SimulationParams): number {
  const T = p.duration;
  const r0 = p.baseRate;
  const f = p.variability;
  switch (f.kind) {
    case 'steady':
      return r0 * T;
    case 'flare': {
      const tp = Math.min(Math.max(f.peakTime, 0), T);
      // The rise is clipped at t = 0 and the decay at t = T; a peak outside [0, T] is handled by the clamps.
      const rise = f.peakTime <= 0 ? 0 : f.riseTime * (Math.exp(-(f.peakTime - tp) / f.riseTime) - Math.exp(-f.peakTime / f.riseTime));
      const decay = f.peakTime >= T ? 0 : f.decayTime * (Math.exp(-(tp - f.peakTime) / f.decayTime) - Math.exp(-(T - f.peakTime) / f.decayTime));
      return r0 * (T + f.amplitude * (rise + decay));
    }
    case 'dip':
      return r0 * (T - f.depth * dipArea(f, T));
    case 'periodic': {
      const w = (2 * Math.PI) / f.period;
      return r0 * (T + (f.pulsedFraction / w) * (Math.cos(f.phase) - Math.cos(w * T + f.phase)));
    }
  }
}

/** Tabulated CDF of the absorbed power law on a log-spaced grid; see README for the exact recipe. */
export interface SpectrumTable {
  energyKeV: Float64Array;
  cdf: Float64Array;
}

export function spectrumTable(s: SpectrumParams): SpectrumTable {
  const k = SPECTRUM_GRID_POINTS;
  const energyKeV = new Float64Array(k);
  const pdf = new Float64Array(k);
  const ratio = s.eMaxKeV / s.eMinKeV;
  for (let i = 0; i < k; i++) {
    const e = s.eMinKeV * Math.pow(ratio, i / (k - 1));
    energyKeV[i] = e;
    pdf[i] = Math.pow(e, -s.photonIndex) * Math.exp(-NH_TAU_1KEV * s.nH22 * Math.pow(e, -8 / 3));
  }
  const cdf = new Float64Array(k);
  for (let i = 1; i < k; i++) cdf[i] = cdf[i - 1] + ((pdf[i] + pdf[i - 1]) / 2) * (energyKeV[i] - energyKeV[i - 1]);
  return { energyKeV, cdf };
}

/** Inverse CDF: the energy (keV) at which the tabulated CDF reaches u · total, linear within a grid cell. */
export function sampleEnergyKeV(table: SpectrumTable, u: number): number {
  const { energyKeV, cdf } = table;
  const k = cdf.length;
  const target = u * cdf[k - 1];
  let lo = 0;
  let hi = k - 1;
  // Largest i ≤ k − 2 with cdf[i] ≤ target.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] <= target) lo = mid;
    else hi = mid;
  }
  const width = cdf[lo + 1] - cdf[lo];
  const frac = width > 0 ? (target - cdf[lo]) / width : 0;
  return energyKeV[lo] + frac * (energyKeV[lo + 1] - energyKeV[lo]);
}

/** Simulates one event list. Same params (incl. seed) → same events, bit for bit. */
export function simulateEvents(params: SimulationParams): SimulatedEvents {
  requireParams(params);
  const rng = new Rng(params.seed);
  const table = spectrumTable(params.spectrum);
  const lambdaMax = maxRate(params);
  const times: number[] = [];
  const energies: number[] = [];
  if (lambdaMax > 0) {
    // Lewis–Shedler thinning: candidates from a homogeneous process at lambdaMax, kept with prob rate/lambdaMax.
    let t = 0;
    while (true) {
      t += -Math.log(1 - rng.next()) / lambdaMax;
      if (t >= params.duration) break;
      const accept = rng.next() * lambdaMax < rateAt(params, t);
      if (!accept) continue;
      times.push(params.tstart + t);
      energies.push(sampleEnergyKeV(table, rng.next()) * 1000);
    }
  }
  return {
    time: Float64Array.from(times),
    energyEv: Float32Array.from(energies),
    count: times.length,
    tstart: params.tstart,
    tstop: params.tstart + params.duration,
    gti: [[params.tstart, params.tstart + params.duration]],
    params,
    expectedCount: expectedCount(params),
  };
}

/** Chandra-like random parameters: duration 1–150 ks and expected counts 20–5000 (both log-uniform),
 *  Γ ∈ [1, 2.5], nH 1e20–1e22 cm⁻². The draw order is fixed (README) so Python can reproduce it. */
export function randomSimulationParams(seed: number, kind?: VariabilityKind, options: { tstart?: number } = {}): SimulationParams {
  const rng = new Rng(seed);
  const k: VariabilityKind = kind ?? VARIABILITY_KINDS[Math.floor(rng.next() * 4)];
  const duration = rng.logUniform(1e3, 1.5e5);
  const targetCounts = rng.logUniform(20, 5000);
  const photonIndex = rng.uniform(1, 2.5);
  const nH22 = rng.logUniform(0.01, 1);
  let variability: Variability;
  switch (k) {
    case 'steady':
      variability = { kind: 'steady' };
      break;
    case 'flare': {
      const peakTime = duration * rng.uniform(0.1, 0.8);
      const amplitude = rng.logUniform(3, 50);
      const riseTime = duration * rng.logUniform(0.002, 0.02);
      const decayTime = duration * rng.logUniform(0.01, 0.15);
      variability = { kind: 'flare', peakTime, amplitude, riseTime, decayTime };
      break;
    }
    case 'dip': {
      const centerTime = duration * rng.uniform(0.2, 0.8);
      const width = duration * rng.uniform(0.05, 0.2);
      const ingress = width * rng.uniform(0.05, 0.3);
      const depth = rng.uniform(0.5, 1);
      variability = { kind: 'dip', centerTime, width, ingress, depth };
      break;
    }
    case 'periodic': {
      const cycles = rng.uniform(5, 50);
      const pulsedFraction = rng.uniform(0.3, 0.9);
      const phase = rng.uniform(0, 2 * Math.PI);
      variability = { kind: 'periodic', period: duration / cycles, pulsedFraction, phase };
      break;
    }
  }
  const params: SimulationParams = {
    seed: rng.uint32(),
    tstart: options.tstart ?? 0,
    duration,
    baseRate: 1,
    spectrum: { photonIndex, nH22, eMinKeV: 0.3, eMaxKeV: 10 },
    variability,
  };
  // Scale r0 so that the expected total is targetCounts whatever the variability adds or removes.
  params.baseRate = targetCounts / expectedCount(params);
  return params;
}
