/** readEventList: the X-ray event list view of a FITS file (OGIP/Chandra evt2 conventions): the EVENTS
 *  table's time and energy columns as typed arrays, the observation keywords, and the good time intervals.
 *  Owns the energy fallback (PI channels → eV for ACIS) and GTI selection; knows nothing of ML or the DB.
 *  Conventions: OGIP/93-003 (event lists), Chandra ASC FITS File Designers' Guide (evt2, GTI per CCD). */

import type { BinTable } from './bintable.js';
import { FitsError } from './errors.js';
import type { FitsHdu } from './read-fits.js';
import { readFits } from './read-fits.js';

/** Chandra ACIS PI channel width: PI channel k collects energies near k × 14.6 eV. */
export const ACIS_EV_PER_PI = 14.6;

export interface EventListHeader {
  /** 0-based index of the EVENTS HDU and its EXTNAME. */
  hduIndex: number;
  extname: string;
  obsId: string | null;
  object: string | null;
  telescope: string | null;
  instrument: string | null;
  detnam: string | null;
  dataMode: string | null;
  readMode: string | null;
  grating: string | null;
  dateObs: string | null;
  dateEnd: string | null;
  /** Mission elapsed time (s) of the observation start/stop, TIMEZERO not applied. */
  tstart: number | null;
  tstop: number | null;
  exposure: number | null;
  livetime: number | null;
  timedel: number | null;
  /** MJD of time zero: MJDREF, or MJDREFI + MJDREFF. */
  mjdref: number | null;
  timezero: number;
  timesys: string | null;
  timeref: string | null;
  timeunit: string | null;
  raNom: number | null;
  decNom: number | null;
  rollNom: number | null;
  raTarg: number | null;
  decTarg: number | null;
}

export type EnergySource = 'energy' | 'pi';

export interface EventList {
  header: EventListHeader;
  /** Event times in seconds (TIME + TIMEZERO), file order. */
  time: Float64Array;
  /** Event energies in eV; NaN where the stored value is null. */
  energyEv: Float32Array;
  /** 'energy' when read from an energy column, 'pi' when computed as pi × 14.6 eV (ACIS_EV_PER_PI). */
  energySource: EnergySource;
  x?: Float32Array;
  y?: Float32Array;
  ccdId?: Int16Array;
  count: number;
  /** Good time intervals [start, stop] in seconds, sorted by start. */
  gti: Array<[number, number]>;
  /** Where the GTIs came from: the EXTNAME (and CCD_ID) of the GTI HDU, 'TSTART/TSTOP', or 'events' (min/max time). */
  gtiSource: string;
  warnings: string[];
}

function isEventsHdu(h: FitsHdu): boolean {
  if (h.type !== 'BINTABLE') return false;
  const clas = h.header.string('HDUCLAS1')?.trim().toUpperCase();
  return h.name.toUpperCase() === 'EVENTS' || clas === 'EVENTS';
}

function isGtiHdu(h: FitsHdu): boolean {
  if (h.type !== 'BINTABLE') return false;
  const clas = h.header.string('HDUCLAS1')?.trim().toUpperCase();
  return clas === 'GTI' || /^(STD)?GTI/i.test(h.name);
}

/** Reads a keyword from the EVENTS header, falling back to the primary header (Chandra repeats them; others may not). */
function lookup(hdus: readonly FitsHdu[], ev: FitsHdu, keyword: string): string | number | undefined {
  for (const h of [ev, hdus[0]]) {
    const v = h.header.get(keyword);
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
  }
  return undefined;
}

function str(v: string | number | undefined): string | null {
  return v === undefined ? null : String(v);
}

function num(v: string | number | undefined): number | null {
  if (v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function toFloat32(a: Float64Array): Float32Array {
  return Float32Array.from(a);
}

function mostCommon(values: Int16Array): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  let bestCount = -1;
  for (const [v, c] of counts) if (c > bestCount) [best, bestCount] = [v, c];
  return best;
}

function readGti(table: BinTable, timezero: number): Array<[number, number]> {
  for (const name of ['START', 'STOP']) {
    if (!table.hasColumn(name)) {
      throw new FitsError('BAD_GTI', `GTI HDU ${table.hdu} (${table.extname}) has no ${name} column`, { hdu: table.hdu, column: name });
    }
  }
  const start = table.float64('START');
  const stop = table.float64('STOP');
  const out: Array<[number, number]> = [];
  for (let i = 0; i < start.length; i++) {
    if (!(start[i] <= stop[i])) {
      throw new FitsError('BAD_GTI', `GTI HDU ${table.hdu} (${table.extname}) row ${i + 1}: START ${start[i]} is after STOP ${stop[i]}`, {
        hdu: table.hdu,
      });
    }
    out.push([start[i] + timezero, stop[i] + timezero]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Reads an event list from a FITS file (see fits/README.md for the rules). */
export function readEventList(buf: Uint8Array): EventList {
  const file = readFits(buf);
  const ev = file.hdus.find(isEventsHdu);
  if (!ev || !ev.table) {
    const names = file.hdus.map((h) => `${h.index}:${h.name || h.type}`).join(', ');
    throw new FitsError('NO_EVENTS_HDU', `no EVENTS extension (EXTNAME = 'EVENTS' or HDUCLAS1 = 'EVENTS'); the file has ${names}`);
  }
  const table = ev.table;
  const warnings = [...file.warnings];
  const get = (k: string) => lookup(file.hdus, ev, k);
  const mjdrefi = num(get('MJDREFI'));
  const mjdreff = num(get('MJDREFF'));
  const header: EventListHeader = {
    hduIndex: ev.index,
    extname: ev.name,
    obsId: str(get('OBS_ID')),
    object: str(get('OBJECT')),
    telescope: str(get('TELESCOP')),
    instrument: str(get('INSTRUME')),
    detnam: str(get('DETNAM')),
    dataMode: str(get('DATAMODE')),
    readMode: str(get('READMODE')),
    grating: str(get('GRATING')),
    dateObs: str(get('DATE-OBS')),
    dateEnd: str(get('DATE-END')),
    tstart: num(get('TSTART')),
    tstop: num(get('TSTOP')),
    exposure: num(get('EXPOSURE')),
    livetime: num(get('LIVETIME')),
    timedel: num(get('TIMEDEL')),
    mjdref: num(get('MJDREF')) ?? (mjdrefi !== null ? mjdrefi + (mjdreff ?? 0) : null),
    timezero: num(get('TIMEZERO')) ?? 0,
    timesys: str(get('TIMESYS')),
    timeref: str(get('TIMEREF')),
    timeunit: str(get('TIMEUNIT')),
    raNom: num(get('RA_NOM')),
    decNom: num(get('DEC_NOM')),
    rollNom: num(get('ROLL_NOM')),
    raTarg: num(get('RA_TARG')),
    decTarg: num(get('DEC_TARG')),
  };
  if (header.timeunit !== null && header.timeunit.toLowerCase() !== 's') {
    warnings.push(`TIMEUNIT = '${header.timeunit}', times are returned unconverted`);
  }

  if (!table.hasColumn('time')) {
    throw new FitsError('MISSING_EVENT_COLUMN', `EVENTS HDU ${ev.index} has no TIME column; columns are ${table.columns.map((c) => c.name).join(', ')}`, {
      hdu: ev.index,
      column: 'time',
    });
  }
  let time = table.float64('time');
  if (header.timezero !== 0) {
    const shifted = new Float64Array(time.length);
    for (let i = 0; i < time.length; i++) shifted[i] = time[i] + header.timezero;
    time = shifted;
  }

  let energyEv: Float32Array;
  let energySource: EnergySource;
  if (table.hasColumn('energy')) {
    const col = table.findColumn('energy');
    const unit = col?.unit?.trim().toLowerCase();
    const raw = table.float64('energy');
    let factor = 1;
    if (unit === 'kev') factor = 1000;
    else if (unit !== undefined && unit !== 'ev') warnings.push(`energy column unit '${col?.unit ?? ''}' is not eV or keV; assumed eV`);
    energyEv = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) energyEv[i] = raw[i] * factor;
    energySource = 'energy';
  } else if (table.hasColumn('pi')) {
    const pi = table.float64('pi'); // TNULL (0 in Chandra files) → NaN
    energyEv = new Float32Array(pi.length);
    for (let i = 0; i < pi.length; i++) energyEv[i] = pi[i] * ACIS_EV_PER_PI;
    energySource = 'pi';
    if (header.instrument !== null && header.instrument.toUpperCase() !== 'ACIS') {
      warnings.push(`no energy column; PI converted with the ACIS gain ${ACIS_EV_PER_PI} eV/channel although INSTRUME = '${header.instrument}'`);
    }
  } else {
    throw new FitsError('MISSING_EVENT_COLUMN', `EVENTS HDU ${ev.index} has neither an ENERGY nor a PI column, so event energies are unknown`, {
      hdu: ev.index,
      column: 'energy',
    });
  }

  const x = table.hasColumn('x') ? toFloat32(table.float64('x')) : undefined;
  const y = table.hasColumn('y') ? toFloat32(table.float64('y')) : undefined;
  const ccdId = table.hasColumn('ccd_id') ? Int16Array.from(table.float64('ccd_id')) : undefined;

  const gtiHdus = file.hdus.flatMap((h) => (h !== ev && isGtiHdu(h) && h.table ? [{ hdu: h, table: h.table }] : []));
  let gti: Array<[number, number]>;
  let gtiSource: string;
  if (gtiHdus.length > 0) {
    // Chandra writes one GTI HDU per CCD (keyword CCD_ID); take the one of the CCD most events fell on.
    let chosen = gtiHdus[0];
    if (gtiHdus.length > 1 && ccdId && ccdId.length > 0) {
      const ccd = mostCommon(ccdId);
      chosen = gtiHdus.find((g) => g.hdu.header.number('CCD_ID') === ccd) ?? chosen;
    }
    gti = readGti(chosen.table, chosen.hdu.header.number('TIMEZERO') ?? 0);
    const ccd = chosen.hdu.header.number('CCD_ID');
    gtiSource = ccd === undefined ? chosen.hdu.name : `${chosen.hdu.name}(CCD_ID=${ccd})`;
  } else if (header.tstart !== null && header.tstop !== null) {
    gti = [[header.tstart + header.timezero, header.tstop + header.timezero]];
    gtiSource = 'TSTART/TSTOP';
  } else {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const t of time) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    gti = time.length > 0 ? [[lo, hi]] : [];
    gtiSource = 'events';
    warnings.push('no GTI extension and no TSTART/TSTOP: GTI set to the span of the event times');
  }

  return { header, time, energyEv, energySource, x, y, ccdId, count: table.nrows, gti, gtiSource, warnings };
}
