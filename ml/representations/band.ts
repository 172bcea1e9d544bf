/** Event selection and normalised coordinates shared by the E–t map, the dEdT map and the per-event
 *  features, so all three see the same events: 0.5–7 keV, finite time and energy. The band test is done on
 *  log10(E) against the numpy edges (see README), which is how Dillmann et al.'s histogram2d drops events. */

import { RepresentationError } from './errors.js';

/** Anything with event times (s) and energies (eV), e.g. fits' EventList or a simulation. */
export interface EventsLike {
  time: ArrayLike<number>;
  energyEv: ArrayLike<number>;
}

/** Energy band of all representations (Dillmann et al. 2025: 0.5–7 keV). */
export const BAND_MIN_EV = 500;
export const BAND_MAX_EV = 7000;

export interface BandEvents {
  /** Times (s) of the kept events, input order. */
  time: Float64Array;
  /** log10(E / eV) of the kept events. */
  logE: Float64Array;
  /** τ = (t − tmin) / (tmax − tmin) over the kept events; all 0 when tmax = tmin. */
  tau: Float64Array;
  /** (log10 E − log10 eMin) / (log10 eMax − log10 eMin) ∈ [0, 1]. */
  eps: Float64Array;
  count: number;
  /** Events dropped: energy outside [eMin, eMax], or non-finite time or energy. */
  excluded: number;
  tmin: number;
  tmax: number;
  logEMin: number;
  logEMax: number;
}

/** Selects events in [eMinEv, eMaxEv] (both ends inclusive) and computes τ and the normalised log energy. */
export function selectBand(events: EventsLike, eMinEv = BAND_MIN_EV, eMaxEv = BAND_MAX_EV): BandEvents {
  const n = events.time.length;
  if (events.energyEv.length !== n) {
    throw new RepresentationError('LENGTH_MISMATCH', `time has ${n} events but energyEv has ${events.energyEv.length}`);
  }
  if (!(eMinEv > 0 && eMaxEv > eMinEv)) {
    throw new RepresentationError('BAD_ARGUMENT', `energy band [${eMinEv}, ${eMaxEv}] eV must satisfy 0 < min < max`);
  }
  const lo = Math.log10(eMinEv);
  const hi = Math.log10(eMaxEv);
  const keepT: number[] = [];
  const keepE: number[] = [];
  let tmin = Number.POSITIVE_INFINITY;
  let tmax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = events.time[i];
    const le = Math.log10(events.energyEv[i]);
    if (!Number.isFinite(t) || !(le >= lo && le <= hi)) continue;
    keepT.push(t);
    keepE.push(le);
    if (t < tmin) tmin = t;
    if (t > tmax) tmax = t;
  }
  const count = keepT.length;
  const time = Float64Array.from(keepT);
  const logE = Float64Array.from(keepE);
  const tau = new Float64Array(count);
  const eps = new Float64Array(count);
  const span = tmax - tmin;
  for (let i = 0; i < count; i++) {
    tau[i] = span > 0 ? (time[i] - tmin) / span : 0;
    eps[i] = (logE[i] - lo) / (hi - lo);
  }
  if (count === 0) {
    tmin = Number.NaN;
    tmax = Number.NaN;
  }
  return { time, logE, tau, eps, count, excluded: n - count, tmin, tmax, logEMin: lo, logEMax: hi };
}
