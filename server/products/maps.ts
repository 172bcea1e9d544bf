/** E–t and dEdT map products of one event list: the map values arranged for display (x = time or time lag,
 *  y = energy or energy lag), the axis ticks of the PNG and the WCS-style axes of the FITS image. Pure. */
import { DEDT_TIME_LAG_EDGES, DEDT_FINE_TIME, dedtMap, etMap, selectBand } from '../../ml/representations/index.js';
import type { EventsLike } from '../../ml/representations/band.js';
import type { ImageAxis } from './ogip.js';
import type { PlotAxis } from './png.js';
import { tickText } from './png.js';
import { EVENT_MAP_SHAPE } from '../../schema/ml/index.js';

const { timeBins: MAP_TIME_BINS, energyBins: MAP_ENERGY_BINS } = EVENT_MAP_SHAPE;

export interface MapProduct {
  /** values[y * MAP_TIME_BINS + x], x = time (lag) bin, y = energy (lag) bin. */
  values: Float64Array;
  width: number;
  height: number;
  x: PlotAxis;
  y: PlotAxis;
  axes: [ImageAxis, ImageAxis];
  bunit: string;
  colorbarLabel: string;
  scaling: 'linear' | 'log';
  /** Edges of the x axis in s, when they are not linear (dEdT time lags). */
  xEdgesSeconds?: number[];
  span: number;
  tmin: number;
  logEMin: number;
  logEMax: number;
}

/** Transposes a row-major [timeBin][energyBin] map to [energyBin][timeBin] (time along x). */
function timeAlongX(v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(MAP_TIME_BINS * MAP_ENERGY_BINS);
  for (let r = 0; r < MAP_TIME_BINS; r++) for (let c = 0; c < MAP_ENERGY_BINS; c++) out[c * MAP_TIME_BINS + r] = v[r * MAP_ENERGY_BINS + c];
  return out;
}

function span(events: EventsLike): { tmin: number; span: number; logEMin: number; logEMax: number } {
  const b = selectBand(events);
  return { tmin: Number.isFinite(b.tmin) ? b.tmin : 0, span: b.count > 1 ? b.tmax - b.tmin : 0, logEMin: b.logEMin, logEMax: b.logEMax };
}

const ENERGY_TICKS_KEV = [0.5, 1, 2, 3, 5, 7];

/** E–t map: counts per (time since first in-band event, log energy) cell, 0.5–7 keV. */
export function etMapProduct(events: EventsLike): MapProduct {
  const m = etMap(events, { normalize: 'none' });
  const s = span(events);
  const dLog = (s.logEMax - s.logEMin) / MAP_ENERGY_BINS;
  const dt = s.span / MAP_TIME_BINS;
  return {
    values: timeAlongX(m.counts),
    width: MAP_TIME_BINS,
    height: MAP_ENERGY_BINS,
    x: { label: 'time since first event (s)', ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => f * MAP_TIME_BINS).map((at) => ({ at, text: tickText(at * dt) })) },
    y: { label: 'energy (keV)', ticks: ENERGY_TICKS_KEV.map((e) => ({ at: (Math.log10(e * 1000) - s.logEMin) / dLog, text: String(e) })) },
    axes: [
      { ctype: 'TIME', cunit: 's', crval: s.tmin + dt / 2, cdelt: dt, crpix: 1, comment: 'MET of the bin middle' },
      { ctype: 'LOG10_E', cunit: '', crval: s.logEMin + dLog / 2, cdelt: dLog, crpix: 1, comment: 'log10(energy / eV) of the bin middle' },
    ],
    bunit: 'count',
    colorbarLabel: 'counts per cell',
    scaling: 'linear',
    ...s,
  };
}

/** dEdT map: fraction of event pairs per (time lag, log-energy lag) cell; time-lag bins are log-spaced. */
export function dedtMapProduct(events: EventsLike, stored: ArrayLike<number> | null, frameTime: number): MapProduct {
  const s = span(events);
  const values = stored ?? dedtMap(events, { frameTime }).data;
  const dEps = (s.logEMax - s.logEMin) / MAP_ENERGY_BINS;
  const edges = DEDT_TIME_LAG_EDGES.map((k) => (k / DEDT_FINE_TIME) * s.span);
  return {
    values: timeAlongX(values),
    width: MAP_TIME_BINS,
    height: MAP_ENERGY_BINS,
    x: { label: 'time lag (s), log-spaced bins', ticks: [0, 8, 13, 18, 24].map((at) => ({ at, text: tickText(edges[at]) })) },
    y: { label: 'energy lag (dex)', ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => f * MAP_ENERGY_BINS).map((at) => ({ at, text: tickText(at * dEps) })) },
    axes: [
      { ctype: 'LAG_BIN', cunit: '', crval: 1, cdelt: 1, crpix: 1, comment: 'time-lag bin; edges in s in extension LAG_EDGES' },
      { ctype: 'DLOG10_E', cunit: '', crval: dEps / 2, cdelt: dEps, crpix: 1, comment: 'log10 energy lag (dex) of the bin middle' },
    ],
    bunit: '',
    colorbarLabel: 'fraction of pairs',
    scaling: 'log',
    xEdgesSeconds: edges,
    ...s,
  };
}
