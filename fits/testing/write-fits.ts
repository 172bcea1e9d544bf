/** Synthetic Chandra-like event files for tests, written with the production writer (../write-fits.ts). */

import type { FitsValue } from '../header.js';
import { writeFits } from '../write-fits.js';
import type { WriteColumn } from '../write-fits.js';

export { formatCard, writeFits } from '../write-fits.js';
export type { WriteColumn, WriteFitsInput, WriteTable, WriteValues } from '../write-fits.js';

export interface SyntheticEventFileInput {
  time: ArrayLike<number>;
  /** Energies in eV; omit to write a PI-only file. */
  energyEv?: ArrayLike<number>;
  /** PI channels; defaults to round(energy / 14.6) when energies are given. */
  pi?: ArrayLike<number>;
  gti?: Array<[number, number]>;
  /** Extra EVENTS keywords (OBS_ID, OBJECT, ...). */
  keywords?: ReadonlyArray<[string, FitsValue, string?]>;
  extname?: string;
}

/** A Chandra-like event file: EVENTS (time 1D, ccd_id 1I, x/y 1E, energy 1E, pi 1J with TNULL 0) plus GTI. */
export function writeEventFile(input: SyntheticEventFileInput): Uint8Array {
  const n = input.time.length;
  const pi = input.pi ?? (input.energyEv ? Array.from(input.energyEv, (e) => Math.max(1, Math.round(e / 14.6))) : new Array<number>(n).fill(1));
  const columns: WriteColumn[] = [
    { name: 'time', tform: '1D', unit: 's', values: input.time },
    { name: 'ccd_id', tform: '1I', values: new Array<number>(n).fill(7) },
    { name: 'x', tform: '1E', unit: 'pixel', values: Array.from({ length: n }, (_, i) => 4096.5 + (i % 7)) },
    { name: 'y', tform: '1E', unit: 'pixel', values: Array.from({ length: n }, (_, i) => 4096.5 - (i % 5)) },
  ];
  if (input.energyEv) columns.push({ name: 'energy', tform: '1E', unit: 'eV', values: input.energyEv });
  columns.push({ name: 'pi', tform: '1J', unit: 'chan', tnull: 0, values: pi });
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, input.time[i]);
    hi = Math.max(hi, input.time[i]);
  }
  const gti = input.gti ?? (n > 0 ? [[lo, hi] as [number, number]] : [[0, 0] as [number, number]]);
  const common: Array<[string, FitsValue, string?]> = [
    ['HDUCLAS1', 'EVENTS'],
    ['TELESCOP', 'CHANDRA'],
    ['INSTRUME', 'ACIS'],
    ['MJDREF', 50814.0],
    ['TIMESYS', 'TT'],
    ['TIMEUNIT', 's'],
    ['TSTART', gti[0][0]],
    ['TSTOP', gti[gti.length - 1][1]],
  ];
  return writeFits({
    tables: [
      { extname: input.extname ?? 'EVENTS', columns, keywords: [...common, ...(input.keywords ?? [])], nrows: n },
      {
        extname: 'GTI',
        columns: [
          { name: 'START', tform: '1D', unit: 's', values: gti.map((g) => g[0]) },
          { name: 'STOP', tform: '1D', unit: 's', values: gti.map((g) => g[1]) },
        ],
        keywords: [
          ['HDUCLAS1', 'GTI'],
          ['CCD_ID', 7],
        ],
        nrows: gti.length,
      },
    ],
  });
}
