/** E–t map: the 2-D histogram of normalised time τ and log10 energy of Dillmann et al. 2025 (MNRAS,
 *  "Representation learning for time-domain high-energy astrophysics"; code: StevenDillmann/
 *  ml-xraytransients-mnras, src/eventfile_representation.py, class EtMap). Same binning and min–max
 *  normalisation as their code; differences are listed in README.md. */

import { BAND_MAX_EV, BAND_MIN_EV, selectBand } from './band.js';
import type { EventsLike } from './band.js';
import { EVENT_MAP_SHAPE } from '../../schema/ml/event-map-shape.js';
import { RepresentationError } from './errors.js';
import { binOf, linspaceEdges, normalizeCounts } from './histogram.js';
import type { MapNormalization } from './histogram.js';

/** Dillmann et al.'s defaults: 24 τ bins × 16 log-energy bins over 0.5–7 keV (the stored map shape). */
export const ET_TIME_BINS: number = EVENT_MAP_SHAPE.timeBins;
export const ET_ENERGY_BINS: number = EVENT_MAP_SHAPE.energyBins;

export interface EtMapOptions {
  timeBins?: number;
  energyBins?: number;
  eMinEv?: number;
  eMaxEv?: number;
  /** Default 'minmax' (their normalised maps, used for the autoencoders); 'none' = their PCA maps. */
  normalize?: MapNormalization;
}

export interface EtMap {
  /** Row-major [timeBin][energyBin]: data[iT * energyBins + iE]; equals np.histogram2d(tau, log10E).ravel(). */
  data: Float32Array;
  /** Raw counts in the same order. */
  counts: Float64Array;
  shape: [timeBins: number, energyBins: number];
  /** Edges: τ ∈ [0, 1], and log10(E / eV). */
  tauEdges: Float64Array;
  logEEdges: Float64Array;
  /** Events in the map, and events dropped (outside the band or non-finite). */
  used: number;
  excluded: number;
  tmin: number;
  tmax: number;
  normalize: MapNormalization;
}

/** Builds the E–t map of an event list. */
export function etMap(events: EventsLike, options: EtMapOptions = {}): EtMap {
  const timeBins = options.timeBins ?? ET_TIME_BINS;
  const energyBins = options.energyBins ?? ET_ENERGY_BINS;
  const normalize = options.normalize ?? 'minmax';
  if (!Number.isInteger(timeBins) || timeBins < 1 || !Number.isInteger(energyBins) || energyBins < 1) {
    throw new RepresentationError('BAD_ARGUMENT', `E–t map bins must be positive integers, got ${timeBins} × ${energyBins}`);
  }
  const band = selectBand(events, options.eMinEv ?? BAND_MIN_EV, options.eMaxEv ?? BAND_MAX_EV);
  const tauEdges = linspaceEdges(0, 1, timeBins);
  const logEEdges = linspaceEdges(band.logEMin, band.logEMax, energyBins);
  const counts = new Float64Array(timeBins * energyBins);
  for (let i = 0; i < band.count; i++) {
    const iT = binOf(band.tau[i], tauEdges);
    const iE = binOf(band.logE[i], logEEdges);
    // Both are always in range after selectBand (τ ∈ [0,1], log E within the band); kept as a guard.
    if (iT >= 0 && iE >= 0) counts[iT * energyBins + iE] += 1;
  }
  return {
    data: normalizeCounts(counts, normalize),
    counts,
    shape: [timeBins, energyBins],
    tauEdges,
    logEEdges,
    used: band.count,
    excluded: band.excluded,
    tmin: band.tmin,
    tmax: band.tmax,
    normalize,
  };
}
