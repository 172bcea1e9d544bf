/** The good-time clock: seconds of good time elapsed before each event, so gaps between good-time intervals
 *  (GTIs) vanish from the time axis. The event encoder works on this clock: a gap in the data is then not a dip,
 *  and a light curve is judged on the exposure it had. Definition (train.py `good_time_clock` is the numpy form):
 *  c(t) = Σ_k clip(t − start_k, 0, stop_k − start_k) over the GTIs; events outside every GTI get the clock value of
 *  the gap they fall in. With one GTI covering all events the clock is t − start (τ and gaps unchanged). */

import { RepresentationError } from './errors.js';

export type GoodTimeIntervals = ReadonlyArray<readonly [number, number]>;

/** Checks GTIs: finite, start ≤ stop, sorted by start and not overlapping (BAD_GTI otherwise). */
export function checkGti(gti: GoodTimeIntervals): void {
  for (let k = 0; k < gti.length; k++) {
    const [start, stop] = gti[k];
    if (!Number.isFinite(start) || !Number.isFinite(stop) || stop < start) {
      throw new RepresentationError('BAD_GTI', `GTI ${k} [${start}, ${stop}] is not a finite interval with start ≤ stop`);
    }
    if (k > 0 && start < gti[k - 1][1]) throw new RepresentationError('BAD_GTI', `GTI ${k} starts at ${start}, before GTI ${k - 1} stops (${gti[k - 1][1]})`);
  }
}

/** c(t) for every time (Float64Array, input order); NaN stays NaN. */
export function goodTimeClock(time: ArrayLike<number>, gti: GoodTimeIntervals): Float64Array {
  checkGti(gti);
  const n = time.length;
  const out = new Float64Array(n);
  // Cumulative good time before each GTI, then a binary search per event: O((N + K) log K).
  const before = new Float64Array(gti.length + 1);
  for (let k = 0; k < gti.length; k++) before[k + 1] = before[k] + (gti[k][1] - gti[k][0]);
  for (let i = 0; i < n; i++) {
    const t = time[i];
    if (Number.isNaN(t)) {
      out[i] = Number.NaN;
      continue;
    }
    // k = last GTI with start ≤ t (−1 if none).
    let lo = 0;
    let hi = gti.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gti[mid][0] <= t) lo = mid + 1;
      else hi = mid;
    }
    const k = lo - 1;
    out[i] = k < 0 ? 0 : before[k] + Math.min(t - gti[k][0], gti[k][1] - gti[k][0]);
  }
  return out;
}
