/** Light curve and spectrum helpers for DataLink products: binned counts, rates and Poisson errors within
 *  good time intervals, and counts per energy bin. Pure; the caller picks bin sizes and edges. */

import { RepresentationError } from './errors.js';

export interface LightCurve {
  /** Bin start/stop (s); bins never straddle a GTI boundary, the last bin of a GTI may be shorter. */
  tStart: Float64Array;
  tStop: Float64Array;
  /** Bin width inside the GTI (s). */
  exposure: Float64Array;
  counts: Float64Array;
  /** counts / exposure (counts/s). */
  rate: Float64Array;
  /** Gehrels (1986) 1σ upper error on the rate, (1 + √(counts + 0.75)) / exposure: finite for 0 counts. */
  rateError: Float64Array;
  binSeconds: number;
  /** Events outside every GTI (not counted). */
  outsideGti: number;
}

/** Bins events into fixed-width bins starting at each GTI's start. Times need not be sorted. */
export function lightCurve(time: ArrayLike<number>, binSeconds: number, gti: ReadonlyArray<readonly [number, number]>): LightCurve {
  if (!(binSeconds > 0)) throw new RepresentationError('BAD_ARGUMENT', `binSeconds must be > 0, got ${binSeconds}`);
  const intervals = [...gti].sort((x, y) => x[0] - y[0]);
  for (let k = 0; k < intervals.length; k++) {
    const [s, e] = intervals[k];
    if (!(e >= s)) throw new RepresentationError('BAD_GTI', `GTI ${k} [${s}, ${e}] has stop before start`);
    if (k > 0 && s < intervals[k - 1][1]) throw new RepresentationError('BAD_GTI', `GTIs overlap at ${s}`);
  }
  const starts: number[] = [];
  const stops: number[] = [];
  const firstBin: number[] = [];
  for (const [s, e] of intervals) {
    firstBin.push(starts.length);
    const nb = Math.max(1, Math.ceil((e - s) / binSeconds));
    for (let k = 0; k < nb; k++) {
      starts.push(s + k * binSeconds);
      stops.push(Math.min(s + (k + 1) * binSeconds, e));
    }
  }
  const nbins = starts.length;
  const counts = new Float64Array(nbins);
  let outside = 0;
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    // Binary search the last GTI starting at or before t.
    let lo = 0;
    let hi = intervals.length - 1;
    let g = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (intervals[mid][0] <= t) {
        g = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (g < 0 || !(t <= intervals[g][1])) {
      outside += 1;
      continue;
    }
    const [s] = intervals[g];
    const last = g + 1 < firstBin.length ? firstBin[g + 1] - 1 : nbins - 1;
    const k = Math.min(firstBin[g] + Math.floor((t - s) / binSeconds), last);
    counts[k] += 1;
  }
  const tStart = Float64Array.from(starts);
  const tStop = Float64Array.from(stops);
  const exposure = new Float64Array(nbins);
  const rate = new Float64Array(nbins);
  const rateError = new Float64Array(nbins);
  for (let k = 0; k < nbins; k++) {
    exposure[k] = tStop[k] - tStart[k];
    rate[k] = exposure[k] > 0 ? counts[k] / exposure[k] : Number.NaN;
    rateError[k] = exposure[k] > 0 ? (1 + Math.sqrt(counts[k] + 0.75)) / exposure[k] : Number.NaN;
  }
  return { tStart, tStop, exposure, counts, rate, rateError, binSeconds, outsideGti: outside };
}

export interface Spectrum {
  edgesEv: Float64Array;
  /** counts[k] = events with edges[k] ≤ E < edges[k+1]; the last bin also takes E = last edge. */
  counts: Float64Array;
  underflow: number;
  overflow: number;
  /** NaN energies. */
  invalid: number;
}

/** Counts per energy bin; `edgesEv` must be strictly increasing (at least two edges). */
export function spectrum(energyEv: ArrayLike<number>, edgesEv: ArrayLike<number>): Spectrum {
  const edges = Float64Array.from(edgesEv);
  if (edges.length < 2) throw new RepresentationError('BAD_EDGES', `a spectrum needs at least 2 edges, got ${edges.length}`);
  for (let k = 1; k < edges.length; k++) {
    if (!(edges[k] > edges[k - 1])) throw new RepresentationError('BAD_EDGES', `edges must increase strictly: edge ${k} (${edges[k]}) ≤ edge ${k - 1} (${edges[k - 1]})`);
  }
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  let underflow = 0;
  let overflow = 0;
  let invalid = 0;
  for (let i = 0; i < energyEv.length; i++) {
    const e = energyEv[i];
    if (Number.isNaN(e)) invalid += 1;
    else if (e < edges[0]) underflow += 1;
    else if (e > edges[nb]) overflow += 1;
    else {
      let lo = 0;
      let hi = nb;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (edges[mid] <= e) lo = mid;
        else hi = mid;
      }
      counts[lo] += 1;
    }
  }
  return { edgesEv: edges, counts, underflow, overflow, invalid };
}
