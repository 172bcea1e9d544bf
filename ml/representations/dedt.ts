/** dEdT map: the 2-D histogram, over all event pairs i < j, of the continuous time lag |τ_j − τ_i| and the
 *  continuous log-energy lag |ε_j − ε_i|. With a frame time f (times quantised to frames, as ACIS records them),
 *  each true arrival time is uniform within its frame, so a pair's time lag is spread over the rows by its exact
 *  (triangular) distribution instead of being put at the quantised lag; that removes the aliasing of the short-lag
 *  rows against the frame time. Two algorithms: exact all-pairs (O(N²)) and an FFT autocorrelation of a fine grid
 *  whose fine-lag counts are spread into the output bins by the lag distribution of a fine cell (O(G log G)).
 *  docs/dedt.md has the definition, its relation to Dillmann et al.'s E–t maps, and the error of the fast path. */

import { selectBand } from './band.js';
import type { EventsLike } from './band.js';
import { EVENT_MAP_SHAPE } from '../../schema/ml/event-map-shape.js';
import { RepresentationError } from './errors.js';
import { FftPlan } from './fft.js';
import { normalizeCounts } from './histogram.js';
import type { MapNormalization } from './histogram.js';

/** Fine grid of the fast path: at most 4096 time cells, 64 cells of ε. */
export const DEDT_FINE_TIME = 4096;
export const DEDT_FINE_ENERGY = 64;
/** Output: 24 time-lag rows × 16 energy-lag columns (the stored map shape). */
export const DEDT_TIME_BINS: number = EVENT_MAP_SHAPE.timeBins;
export const DEDT_ENERGY_BINS: number = EVENT_MAP_SHAPE.energyBins;
/** Time-lag edges of the 24 output rows in units of 1/4096 of the span: row r holds τ lags
 *  L[r]/4096 ≤ Δτ < L[r+1]/4096 (the last row also holds Δτ ≥ 2853/4096). L[r] = max(L[r−1] + 1,
 *  round(4096^((r−1)/23))) for r = 2..23. */
export const DEDT_TIME_LAG_EDGES: readonly number[] = Object.freeze([
  0, 1, 2, 3, 4, 5, 6, 9, 13, 18, 26, 37, 53, 77, 110, 158, 227, 326, 468, 672, 964, 1384, 1987, 2853, 4096,
]);
/** Below this many in-band events 'auto' uses the exact all-pairs method (measured crossover, see docs/dedt.md). */
export const DEDT_EXACT_MAX_EVENTS = 4000;
/** Energy-frequency columns transformed together in the FFT's time stage (8 doubles = one 64-byte cache line). */
const COLUMN_BLOCK = 8;
/** Frame-aligned fine cells are used while span/frame ≤ this (cell index = frame number, < 4096). */
const ALIGNED_MAX_FRAMES = DEDT_FINE_TIME - 1;

export type DedtMethod = 'exact' | 'fft';

export interface DedtOptions {
  /** 'auto' (default) picks 'exact' below DEDT_EXACT_MAX_EVENTS in-band events, else 'fft'. */
  method?: DedtMethod | 'auto';
  /** Default 'sum': each cell is the fraction of all N(N−1)/2 pairs. */
  normalize?: MapNormalization;
  /** Frame time in s (ACIS TIMEDEL, e.g. 3.241 or 0.441); 0 (default) = times are exact. */
  frameTime?: number;
}

export interface DedtMap {
  /** Row-major [timeLagRow][energyLagColumn], data[r * 16 + c]. */
  data: Float32Array;
  /** Pair counts in the same order (expected counts when frameTime > 0, so not always integers); they sum to
   *  pairs = N(N−1)/2. */
  counts: Float64Array;
  shape: [timeLagBins: number, energyLagBins: number];
  used: number;
  excluded: number;
  pairs: number;
  method: DedtMethod;
  normalize: MapNormalization;
  frameTime: number;
}

/** Row of a τ lag x ≥ 0 (x ≥ 1 → last row). Edges are k/4096, so floor(x·4096) decides exactly. */
const ROW_OF_CELL: Uint8Array = (() => {
  const rows = new Uint8Array(DEDT_FINE_TIME);
  for (let r = 0; r < DEDT_TIME_BINS; r++) {
    for (let k = DEDT_TIME_LAG_EDGES[r]; k < DEDT_TIME_LAG_EDGES[r + 1]; k++) rows[k] = r;
  }
  return rows;
})();
function rowOf(x: number): number {
  const k = Math.floor(x * DEDT_FINE_TIME);
  return k >= DEDT_FINE_TIME ? DEDT_TIME_BINS - 1 : ROW_OF_CELL[k < 0 ? 0 : k];
}
/** Lower τ edge of row r (r = 24: +∞, the last row is open). */
function rowEdge(r: number): number {
  return r >= DEDT_TIME_BINS ? Number.POSITIVE_INFINITY : DEDT_TIME_LAG_EDGES[r] / DEDT_FINE_TIME;
}
function columnOf(x: number): number {
  return Math.min(Math.floor(x * DEDT_ENERGY_BINS), DEDT_ENERGY_BINS - 1);
}

/** CDF of a sum of independent uniforms U(0, w_k): (1/(n! Π w)) Σ_S (−1)^|S| (y − Σ_S w)_+^n over subsets S. */
export function uniformSumCdf(y: number, widths: readonly number[]): number {
  const n = widths.length;
  if (n === 0) return y >= 0 ? 1 : 0;
  let total = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let shift = 0;
    let sign = 1;
    for (let k = 0; k < n; k++) {
      if (mask & (1 << k)) {
        shift += widths[k];
        sign = -sign;
      }
    }
    const z = y - shift;
    if (z > 0) total += sign * z ** n;
  }
  let norm = 1;
  for (let k = 0; k < n; k++) norm *= (k + 1) * widths[k];
  return Math.min(1, Math.max(0, total / norm));
}

/** P(|d + X| < x) for X = a(U1 − U2) + b(U3 − U4), U ~ U(0, 1): the lag distribution of a pair whose nominal lag is
 *  d, when both positions are uniform over cells of width a and frames of width b (either may be 0). */
export function lagCdf(x: number, d: number, a: number, b: number): number {
  if (x === Number.POSITIVE_INFINITY) return 1;
  const widths: number[] = [];
  // A width below 1e-9 of the other is numerically a point mass (and would blow up the 1/Π w of the formula).
  const big = Math.max(a, b);
  if (a > big * 1e-9) widths.push(a, a);
  if (b > big * 1e-9) widths.push(b, b);
  let off = 0;
  for (const w of widths) off += w / 2;
  const F = (y: number) => uniformSumCdf(y + off, widths);
  return Math.max(0, F(x - d) - F(-x - d));
}

/** Row masses of a lag d spread by (a, b): writes rows into `rows`, masses into `mass`, returns how many. */
function spreadRows(d: number, a: number, b: number, rows: Int32Array, mass: Float64Array): number {
  const half = a + b;
  const rLo = rowOf(Math.max(d - half, 0));
  const rHi = rowOf(d + half);
  if (rLo === rHi) {
    rows[0] = rLo;
    mass[0] = 1;
    return 1;
  }
  let below = 0;
  for (let r = rLo; r <= rHi; r++) {
    const upto = r === rHi ? 1 : lagCdf(rowEdge(r + 1), d, a, b);
    rows[r - rLo] = r;
    mass[r - rLo] = upto - below;
    below = upto;
  }
  return rHi - rLo + 1;
}

interface Band {
  tau: Float64Array;
  eps: Float64Array;
  count: number;
  excluded: number;
  /** Frame time in τ units (0 when exact times or a zero span). */
  frameTau: number;
}

function band(events: EventsLike, frameTime: number): Band {
  const s = selectBand(events);
  const span = s.tmax - s.tmin;
  return { tau: s.tau, eps: s.eps, count: s.count, excluded: s.excluded, frameTau: span > 0 && frameTime > 0 ? frameTime / span : 0 };
}

/** The exact map: every pair i < j adds its mass to the rows of |τ_j − τ_i| (spread over the frame) and the column
 *  of |ε_j − ε_i|. Events are sorted by τ first so the row lookup walks forward. */
export function pairLagsExact(tau: Float64Array, eps: Float64Array, frameTau: number): Float64Array {
  const n = tau.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => tau[i] - tau[j]);
  const t = Float64Array.from(idx, (i) => tau[i]);
  const e = Float64Array.from(idx, (i) => eps[i]);
  const out = new Float64Array(DEDT_TIME_BINS * DEDT_ENERGY_BINS);
  const eb = DEDT_ENERGY_BINS;
  const rows = new Int32Array(DEDT_TIME_BINS);
  const mass = new Float64Array(DEDT_TIME_BINS);
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    const ei = e[i];
    for (let j = i + 1; j < n; j++) {
      const dE = e[j] - ei;
      const col = columnOf(dE < 0 ? -dE : dE);
      const d = t[j] - ti;
      if (frameTau === 0) {
        out[rowOf(d) * eb + col] += 1;
      } else {
        const m = spreadRows(d, 0, frameTau, rows, mass);
        for (let q = 0; q < m; q++) out[rows[q] * eb + col] += mass[q];
      }
    }
  }
  return out;
}

/** Fine grid of the fast path. Frame-aligned (cell = one frame, index = frame number counted from the first
 *  event) while span/frame ≤ 4095, so a cell holds exactly one frame; else 4096 equal cells of τ. */
export interface FineGrid {
  a: Int32Array;
  b: Int32Array;
  /** Cell width in τ units, and the within-cell spread the rebinning assumes (0 for frame-aligned cells). */
  cellTau: number;
  cellSpread: number;
  aligned: boolean;
}

export function fineGrid(tau: Float64Array, eps: Float64Array, frameTau: number): FineGrid {
  const n = tau.length;
  const aligned = frameTau > 0 && 1 / frameTau <= ALIGNED_MAX_FRAMES;
  const cellTau = aligned ? frameTau : 1 / DEDT_FINE_TIME;
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = aligned ? Math.min(Math.round(tau[i] / cellTau), DEDT_FINE_TIME - 1) : Math.min(Math.floor(tau[i] * DEDT_FINE_TIME), DEDT_FINE_TIME - 1);
    b[i] = Math.min(Math.floor(eps[i] * DEDT_FINE_ENERGY), DEDT_FINE_ENERGY - 1);
  }
  return { a, b, cellTau, cellSpread: aligned ? 0 : cellTau, aligned };
}

/** Unordered pair counts per fine lag (|Δa|, |Δb|), laid out [kT * 64 + kE], via FFT: C = IFFT(|FFT(I)|²) of the
 *  zero-padded fine image I (8192 × 128, so lags do not wrap), then U(0,0) = (C(0,0) − N)/2, U(0,kE) = C(0,kE),
 *  U(kT,0) = C(kT,0), U(kT,kE) = C(kT,kE) + C(kT,−kE), each rounded to the nearest integer (exact counts). */
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
  //    Columns are gathered COLUMN_BLOCK at a time (adjacent doubles share a cache line: far fewer misses than
  //    one strided pass per column), and only rows < ft are read (the rest is zero padding).
  const blkRe = new Float64Array(COLUMN_BLOCK * pt);
  const blkIm = new Float64Array(COLUMN_BLOCK * pt);
  for (let e0 = 0; e0 <= pe / 2; e0 += COLUMN_BLOCK) {
    const nb = Math.min(COLUMN_BLOCK, pe / 2 + 1 - e0);
    blkRe.fill(0);
    blkIm.fill(0);
    for (let t = 0; t < ft; t++) {
      const base = t * pe + e0;
      for (let q = 0; q < nb; q++) {
        blkRe[q * pt + t] = re[base + q];
        blkIm[q * pt + t] = im[base + q];
      }
    }
    for (let q = 0; q < nb; q++) {
      const cr = blkRe.subarray(q * pt, (q + 1) * pt);
      const ci = blkIm.subarray(q * pt, (q + 1) * pt);
      planT.transform(cr, ci);
      for (let t = 0; t < pt; t++) {
        cr[t] = cr[t] * cr[t] + ci[t] * ci[t];
        ci[t] = 0;
      }
      planT.transform(cr, ci, true);
    }
    for (let t = 0; t < ft; t++) {
      const m = (pt - t) % pt;
      for (let q = 0; q < nb; q++) {
        const e = e0 + q;
        re[t * pe + e] = blkRe[q * pt + t];
        im[t * pe + e] = blkIm[q * pt + t];
        if (e > 0 && e < pe / 2) {
          re[t * pe + pe - e] = blkRe[q * pt + m];
          im[t * pe + pe - e] = blkIm[q * pt + m];
        }
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

/** Spreads fine-lag counts into the 24 × 16 output: fine time lag k has nominal τ lag k·cellTau and spread
 *  (cellSpread, frameTau) (lagCdf); fine energy lag kE has nominal ε lag kE/64 and spread 1/64 (positions uniform
 *  in their cells). */
export function rebinFineLags(fine: Float64Array, grid: Pick<FineGrid, 'cellTau' | 'cellSpread'>, frameTau: number): Float64Array {
  const fe = DEDT_FINE_ENERGY;
  const eb = DEDT_ENERGY_BINS;
  // Energy: weights[kE][col].
  const we = new Float64Array(fe * eb);
  const ce = 1 / fe;
  for (let kE = 0; kE < fe; kE++) {
    let below = 0;
    for (let c = 0; c < eb; c++) {
      const upto = c === eb - 1 ? 1 : lagCdf((c + 1) / eb, kE * ce, ce, 0);
      we[kE * eb + c] = upto - below;
      below = upto;
    }
  }
  const out = new Float64Array(DEDT_TIME_BINS * eb);
  const byCol = new Float64Array(eb);
  const rows = new Int32Array(DEDT_TIME_BINS);
  const mass = new Float64Array(DEDT_TIME_BINS);
  for (let k = 0; k < DEDT_FINE_TIME; k++) {
    byCol.fill(0);
    let any = false;
    for (let kE = 0; kE < fe; kE++) {
      const v = fine[k * fe + kE];
      if (v === 0) continue;
      any = true;
      for (let c = 0; c < eb; c++) byCol[c] += v * we[kE * eb + c];
    }
    if (!any) continue;
    const m = spreadRows(k * grid.cellTau, grid.cellSpread, frameTau, rows, mass);
    for (let q = 0; q < m; q++) {
      const base = rows[q] * eb;
      for (let c = 0; c < eb; c++) out[base + c] += mass[q] * byCol[c];
    }
  }
  return out;
}

/** Builds the dEdT map of an event list (events outside 0.5–7 keV are dropped first, as for the E–t map). */
export function dedtMap(events: EventsLike, options: DedtOptions = {}): DedtMap {
  const frameTime = options.frameTime ?? 0;
  if (!(frameTime >= 0) || !Number.isFinite(frameTime)) throw new RepresentationError('BAD_ARGUMENT', `dEdT frameTime must be a finite number ≥ 0 s, got ${String(frameTime)}`);
  const requested = options.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'fft') {
    throw new RepresentationError('BAD_ARGUMENT', `dEdT method must be 'auto', 'exact' or 'fft', got '${String(requested)}'`);
  }
  const s = band(events, frameTime);
  const n = s.count;
  const method: DedtMethod = requested === 'auto' ? (n < DEDT_EXACT_MAX_EVENTS ? 'exact' : 'fft') : requested;
  let counts: Float64Array;
  if (method === 'exact') {
    counts = pairLagsExact(s.tau, s.eps, s.frameTau);
  } else {
    const grid = fineGrid(s.tau, s.eps, s.frameTau);
    counts = rebinFineLags(pairLagsFft(grid.a, grid.b), grid, s.frameTau);
  }
  const normalize = options.normalize ?? 'sum';
  return {
    data: normalizeCounts(counts, normalize),
    counts,
    shape: [DEDT_TIME_BINS, DEDT_ENERGY_BINS],
    used: n,
    excluded: s.excluded,
    pairs: n < 2 ? 0 : (n * (n - 1)) / 2, // n = 0 would give −0
    method,
    normalize,
    frameTime,
  };
}
