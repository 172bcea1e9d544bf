/** Per-event features for a permutation-invariant (DeepSets) encoder: one row of F = 3 numbers per in-band
 *  event, all in [0, 1]. The definition is a contract with the Python training script (README.md, "Per-event
 *  features"); change both together and bump EVENT_FEATURES_VERSION. */

import { selectBand } from './band.js';
import type { EventsLike } from './band.js';
import { RepresentationError } from './errors.js';

export const EVENT_FEATURES_VERSION = 1;
export const EVENT_FEATURE_NAMES: readonly string[] = Object.freeze(['tau', 'log_energy', 'log_gap']);
export const EVENT_FEATURE_COUNT = 3;
/** log10 of the relative gap is clipped to [GAP_LOG_MIN, GAP_LOG_MAX] before scaling to [0, 1]. */
export const GAP_LOG_MIN = -4;
export const GAP_LOG_MAX = 1;

export interface EventFeatures {
  /** Row-major N × F: features[i * 3 + f]. Rows are the kept events in time order. */
  features: Float32Array;
  /** Rows (after subsampling). */
  count: number;
  featureCount: number;
  names: readonly string[];
  /** In-band events before subsampling, and events dropped by the band cut. */
  used: number;
  excluded: number;
  isSubsampled: boolean;
}

/** Features of an event list; with `maxEvents`, at most that many rows, picked evenly (README). */
export function eventFeatures(events: EventsLike, maxEvents?: number): EventFeatures {
  if (maxEvents !== undefined && !(Number.isInteger(maxEvents) && maxEvents >= 1)) {
    throw new RepresentationError('BAD_ARGUMENT', `maxEvents must be a positive integer, got ${maxEvents}`);
  }
  const band = selectBand(events);
  const n = band.count;
  // Time order, ties kept in input order (Array.prototype.sort is stable).
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => band.time[i] - band.time[j]);
  const span = band.tmax - band.tmin;
  const meanGap = n >= 2 ? span / (n - 1) : 0;
  const all = new Float32Array(n * EVENT_FEATURE_COUNT);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    let gap: number;
    if (n < 2) gap = 1;
    else if (meanGap === 0) gap = 1;
    else {
      const dt = r === 0 ? band.time[order[1]] - band.time[order[0]] : band.time[i] - band.time[order[r - 1]];
      gap = dt / meanGap;
    }
    const lg = Math.min(GAP_LOG_MAX, Math.max(GAP_LOG_MIN, Math.log10(Math.max(gap, 10 ** GAP_LOG_MIN))));
    all[r * 3] = band.tau[i];
    all[r * 3 + 1] = band.eps[i];
    all[r * 3 + 2] = (lg - GAP_LOG_MIN) / (GAP_LOG_MAX - GAP_LOG_MIN);
  }
  if (maxEvents === undefined || n <= maxEvents) {
    return { features: all, count: n, featureCount: 3, names: EVENT_FEATURE_NAMES, used: n, excluded: band.excluded, isSubsampled: false };
  }
  const m = maxEvents;
  const features = new Float32Array(m * 3);
  for (let k = 0; k < m; k++) {
    const r = Math.floor((k * n) / m);
    features.set(all.subarray(r * 3, r * 3 + 3), k * 3);
  }
  return { features, count: m, featureCount: 3, names: EVENT_FEATURE_NAMES, used: n, excluded: band.excluded, isSubsampled: true };
}
