/** Public surface of ml/representations/: E–t and dEdT maps, per-event features, light curves and spectra,
 *  and the seeded event simulator. Pure functions of event arrays; no I/O. */
export { BAND_MAX_EV, BAND_MIN_EV, selectBand } from './band.js';
export type { BandEvents, EventsLike } from './band.js';
export { RepresentationError } from './errors.js';
export type { RepresentationErrorCode } from './errors.js';
export { ET_ENERGY_BINS, ET_TIME_BINS, etMap } from './et-map.js';
export type { EtMap, EtMapOptions } from './et-map.js';
export {
  DEDT_ENERGY_BINS,
  DEDT_EXACT_MAX_EVENTS,
  DEDT_FINE_ENERGY,
  DEDT_FINE_TIME,
  DEDT_TIME_BINS,
  DEDT_TIME_LAG_EDGES,
  dedtMap,
  fineGrid,
  lagCdf,
  pairLagsExact,
  pairLagsFft,
  rebinFineLags,
  uniformSumCdf,
} from './dedt.js';
export type { DedtMap, DedtMethod, DedtOptions, FineGrid } from './dedt.js';
export { binOf, linspaceEdges, normalizeCounts } from './histogram.js';
export type { MapNormalization } from './histogram.js';
export { FftPlan } from './fft.js';
export { EVENT_FEATURE_COUNT, EVENT_FEATURE_NAMES, EVENT_FEATURES_VERSION, GAP_LOG_MAX, GAP_LOG_MIN, eventFeatures } from './features.js';
export type { EventFeatures } from './features.js';
export { checkGti, goodTimeClock } from './good-time.js';
export type { GoodTimeIntervals } from './good-time.js';
export { lightCurve, spectrum } from './light-curve.js';
export type { LightCurve, Spectrum } from './light-curve.js';
export { Rng } from './prng.js';
export {
  NH_TAU_1KEV,
  SPECTRUM_GRID_POINTS,
  VARIABILITY_KINDS,
  expectedCount,
  randomSimulationParams,
  rateAt,
  sampleEnergyKeV,
  simulateEvents,
  spectrumTable,
} from './simulate.js';
export type {
  DipParams,
  FlareParams,
  PeriodicParams,
  SimulatedEvents,
  SimulationParams,
  SpectrumParams,
  SpectrumTable,
  Variability,
  VariabilityKind,
} from './simulate.js';
