/** dEdT map: the 2-D histogram, over all event pairs i < j, of the time lag and the log-energy lag, both on
 *  a fine grid of normalised coordinates. Two algorithms with identical results: exact all-pairs (O(N²)) and
 *  FFT autocorrelation of the fine (τ, ε) image (O(G log G), G = fine grid size). Dillmann et al. define no
 *  dE–dt map (their 3-D cubes use consecutive-event dt), so the binning rule here is ours; README.md has it. */

import { selectBand } from './band.js';
import type { EventsLike } from './band.js';
import { RepresentationError } from './errors.js';
import { FftPlan } from './fft.js';
import { normalizeCounts } from './histogram.js';
import type { MapNormalization } from './histogram.js';

/** Fine grid: τ ∈ [0,1] in 4096 cells, ε (normalised log10 E over 0.5–7 keV) ∈ [0,1] in 64 cells. */
export const DEDT_FINE_TIME = 4096;
export const DEDT_FINE_ENERGY = 64;
/** Output: 24 time-lag rows × 16 energy-lag columns. */
export const DEDT_TIME_BINS = 24;
export const DEDT_ENERGY_BINS = 16;
/** Fine time-lag edges of the 24 output rows: row r holds lags L[r] ≤ k < L[r+1]. Row 0 is lag 0 (same
 *  fine cell); rows 1..23 are geometric from lag 1 to 4096: L[r] = max(L[r−1] + 1, round(4096^((r−1)/23))). */
export const DEDT_TIME_LAG_EDGES: readonly number[] = Object.freeze([
  0, 1, 2, 3, 4, 5, 6, 9, 13, 18, 26, 37, 53, 77, 110, 158, 227, 326, 468, 672, 964, 1384, 1987, 2853, 4096,
]);
/** Fine energy lags per output column: column c holds lags 4c ≤ k < 4c + 4. */
export const DEDT_ENERGY_LAGS_PER_BIN = DEDT_FINE_ENERGY / DEDT_ENERGY_BINS;
/** Below this many in-band events 'auto' uses the exact all-pairs method (measured crossover, see README). */
export const DEDT_EXACT_MAX_EVENTS = 6000;

export type DedtMethod = 'exact' | 'fft';

export interface DedtOptions {
  /** 'auto' (default) picks 'exact' below DEDT_EXACT_MAX_EVENTS in-band events, else 'fft'. */
  method?: DedtMethod | 'auto';
  /** Default 'sum': each cell is the fraction of all N(N−1)/2 pairs. */
  normalize?: MapNormalization;
}

export interface DedtMap {
  /** Row-major [timeLagRow][energyLagColumn], data[r * 16 + c]. */
  data: Float32Array;
  /** Exact pair counts in the same order; they sum to pairs = N(N−1)/2. */
  counts: Float64Array;
  shape: [timeLagBins: number, energyLagBins: number];
  used: number;
  excluded: number;
  pairs: number;
  method: DedtMethod;
  normalize: MapNormalization;
}

/** Output row of each fine time lag 0..4095. */
const ROW_OF_LAG: Uint8Array = (() => {
  const rows = new Uint8Array(DEDT_FINE_TIME);
  for (let r = 0; r < DEDT_TIME_BINS; r++) {
    for (let k = DEDT_TIME_LAG_EDGES[r]; k < DEDT_TIME_LAG_EDGES[r + 1]; k++) rows[k] = r;
  }
  return rows;
})();

/** Fine-cell indices of the in-band events: a = min(⌊τ·4096⌋, 4095), b = min(⌊ε·64⌋, 63). */
export function fineIndices(events: EventsLike): { a: Int32Array; b: Int32Array; excluded: number } {
  const band = selectBand(events);
  const a = new Int32Array(band.count);
  const b = new Int32Array(band.count);
  for (let i = 0; i < band.count; i++) {
    a[i] = Math.min(Math.floor(band.tau[i] * DEDT_FINE_TIME), DEDT_FINE_TIME - 1);
    b[i] = Math.min(Math.floor(band.eps[i] * DEDT_FINE_ENERGY), DEDT_FINE_ENERGY - 1);
  }
  return { a, b, excluded: band.excluded };
}

/** Unordered pair counts per fine lag (|Δa|, |Δb|), laid out [kT * 64 + kE], by looping over all pairs. */
export function pairLagsExact(a: Int32Array, b: Int32Array): Float64Array {
  const fe = DEDT_FINE_ENERGY;
  const n = a.length;
  // Uint32 counters halve the memory touched in the hot loop; a cell can only overflow past 2^32 pairs,
  // i.e. beyond 92681 events, where Float64 counters take over.
  const out = n <= 92681 ? new Uint32Array(DEDT_FINE_TIME * fe) : new Float64Array(DEDT_FINE_TIME * fe);
  // Counting-sort the events by time cell first: the result does not depend on order, and with sorted cells
  // the time lag only grows along the inner loop, so the writes stay in a few nearby rows of `out` (≈ 4× faster).
  const start = new Int32Array(DEDT_FINE_TIME + 1);
  for (let i = 0; i < n; i++) start[a[i] + 1] += 1;
  for (let k = 0; k < DEDT_FINE_TIME; k++) start[k + 1] += start[k];
  const sa = new Int32Array(n);
  const sb = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = start[a[i]]++;
    sa[p] = a[i];
    sb[p] = b[i];
  }
  for (let i = 0; i < n; i++) {
    const ai = sa[i];
    const bi = sb[i];
    for (let j = i + 1; j < n; j++) {
      const dE = sb[j] - bi;
      out[(sa[j] - ai) * fe + (dE < 0 ? -dE : dE)] += 1;
    }
  }
  return out instanceof Float64Array ? out : Float64Array.from(out);
}

/** The same unordered pair counts via FFT: C = IFFT(|FFT(I)|²) of the zero-padded fine image I (8192 × 128,
 *  so lags do not wrap), then U(0,0) = (C(0,0) − N)/2, U(0,kE) = C(0,kE), U(kT,0) = C(kT,0),
 *  U(kT,kE) = C(kT,kE) + C(kT,−kE), each rounded to the nearest integer. */
export function pairLagsFft(a: Int32Array, b: Int32Array): Float64Array {
  const ft = DEDT_FINE_TIME;
  const fe = DEDT_FINE_ENERGY;
  const pt = 2 * ft;
  const pe = 2 * fe;
  const planT = new FftPlan(pt);
  const planE = new FftPlan(pe);
  const re = new Float64Array(pt * pe);
  const im = new Float64Array(pt * pe);
  const n = a.length;
  for (let i = 0; i < n; i++) re[a[i] * pe + b[i]] += 1;

  // 1. Forward FFT along energy for the rows that hold data (rows ≥ ft are zero padding).
  for (let t = 0; t < ft; t++) {
    planE.transform(re.subarray(t * pe, (t + 1) * pe), im.subarray(t * pe, (t + 1) * pe));
  }
  // 2. Per energy-frequency column: forward FFT along time, power, inverse FFT along time. Only time lags
  //    0..ft−1 are kept: negative lags follow from C(−kT, −kE) = C(kT, kE). The image is real, so the power
  //    is symmetric, P(−kt, −ke) = P(kt, ke), and column pe − e of this stage is column e reversed in time:
  //    H(t, pe − e) = H(pt − t, e). Columns 0..pe/2 are computed, the others copied (halves the work).
  const colRe = new Float64Array(pt);
  const colIm = new Float64Array(pt);
  for (let e = 0; e <= pe / 2; e++) {
    for (let t = 0; t < pt; t++) {
      colRe[t] = re[t * pe + e];
      colIm[t] = im[t * pe + e];
    }
    planT.transform(colRe, colIm);
    for (let t = 0; t < pt; t++) {
      colRe[t] = colRe[t] * colRe[t] + colIm[t] * colIm[t];
      colIm[t] = 0;
    }
    planT.transform(colRe, colIm, true);
    for (let t = 0; t < ft; t++) {
      re[t * pe + e] = colRe[t];
      im[t * pe + e] = colIm[t];
      if (e > 0 && e < pe / 2) {
        const m = (pt - t) % pt;
        re[t * pe + pe - e] = colRe[m];
        im[t * pe + pe - e] = colIm[m];
      }
    }
  }
  // 3. Inverse FFT along energy for time lags 0..ft−1, then fold the signs of the lags.
  const scale = 1 / (pt * pe);
  const out = new Float64Array(ft * fe);
  for (let t = 0; t < ft; t++) {
    const rowRe = re.subarray(t * pe, (t + 1) * pe);
    planE.transform(rowRe, im.subarray(t * pe, (t + 1) * pe), true);
    for (let kE = 0; kE < fe; kE++) {
      let c: number;
      if (t === 0 && kE === 0) c = (rowRe[0] * scale - n) / 2;
      else if (t === 0 || kE === 0) c = rowRe[kE] * scale;
      else c = (rowRe[kE] + rowRe[pe - kE]) * scale;
      out[t * fe + kE] = Math.round(c) || 0; // `|| 0` turns a rounded −0 into 0
    }
  }
  return out;
}

/** Sums fine-lag pair counts into the 24 × 16 output bins. */
export function rebinPairLags(fine: Float64Array): Float64Array {
  const fe = DEDT_FINE_ENERGY;
  const out = new Float64Array(DEDT_TIME_BINS * DEDT_ENERGY_BINS);
  for (let kT = 0; kT < DEDT_FINE_TIME; kT++) {
    const row = ROW_OF_LAG[kT] * DEDT_ENERGY_BINS;
    for (let kE = 0; kE < fe; kE++) {
      const v = fine[kT * fe + kE];
      if (v !== 0) out[row + Math.floor(kE / DEDT_ENERGY_LAGS_PER_BIN)] += v;
    }
  }
  return out;
}

/** Builds the dEdT map of an event list (events outside 0.5–7 keV are dropped first, as for the E–t map). */
export function dedtMap(events: EventsLike, options: DedtOptions = {}): DedtMap {
  const { a, b, excluded } = fineIndices(events);
  const n = a.length;
  const requested = options.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'fft') {
    throw new RepresentationError('BAD_ARGUMENT', `dEdT method must be 'auto', 'exact' or 'fft', got '${String(requested)}'`);
  }
  const method: DedtMethod = requested === 'auto' ? (n < DEDT_EXACT_MAX_EVENTS ? 'exact' : 'fft') : requested;
  const fine = method === 'exact' ? pairLagsExact(a, b) : pairLagsFft(a, b);
  const counts = rebinPairLags(fine);
  const normalize = options.normalize ?? 'sum';
  return {
    data: normalizeCounts(counts, normalize),
    counts,
    shape: [DEDT_TIME_BINS, DEDT_ENERGY_BINS],
    used: n,
    excluded,
    pairs: n < 2 ? 0 : (n * (n - 1)) / 2, // n = 0 would give −0
    method,
    normalize,
  };
}
