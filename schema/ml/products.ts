/** Columns of the DataLink products computed on request from ml.event (server/products): light curves and spectra.
 *  Not stored tables, but described here like every other column so their FIELDs come from one place. Times are
 *  Chandra MET (seconds since ml.event_file.mjdref in its timesys), energies eV. */
import { col } from '../column-helpers.js';
import type { ColumnDef } from '../types.js';

export const LIGHT_CURVE_COLUMNS: ReadonlyArray<ColumnDef> = [
  col('time', 'double', 's', 'time.epoch', 'Middle of the bin: seconds since MJDREF in TIMESYS (Chandra MET)'),
  col('time_start', 'double', 's', 'time.start', 'Start of the bin (MET s)'),
  col('time_stop', 'double', 's', 'time.end', 'End of the bin (MET s); the last bin of a GTI ends at the GTI stop'),
  col('exposure', 'double', 's', 'time.duration;obs.exposure', 'Good time in the bin'),
  col('counts', 'long', 'ct', 'phot.count', 'Events in the bin'),
  col('rate', 'double', 'ct/s', 'arith.rate;phot.count', 'counts / exposure'),
  col('rate_error', 'double', 'ct/s', 'stat.error;phot.count', 'Gehrels (1986) 1-sigma upper error of the rate: (1 + sqrt(counts + 0.75)) / exposure'),
];

export const SPECTRUM_COLUMNS: ReadonlyArray<ColumnDef> = [
  col('energy', 'double', 'eV', 'em.energy', 'Middle of the energy bin'),
  col('energy_min', 'double', 'eV', 'em.energy;stat.min', 'Lower edge of the bin (inclusive)'),
  col('energy_max', 'double', 'eV', 'em.energy;stat.max', 'Upper edge of the bin (exclusive, inclusive for the last bin)'),
  col('counts', 'long', 'ct', 'phot.count', 'Events in the bin'),
  col('counts_error', 'double', 'ct', 'stat.error;phot.count', 'Gehrels (1986) 1-sigma upper error: 1 + sqrt(counts + 0.75)'),
];
