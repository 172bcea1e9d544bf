/** csc2.observation_source: per-observation detection properties, keyed by (obsid, obi, region_id).
 *  Columns: the CONFIRMED and INFERRED rows of data/columns-stack-observation.tsv
 *  (generated/observation-source-columns.ts, `npm run gen:schema`), plus ra/dec and hpx14, which xtap adds for
 *  positional queries (no reachable CSC 2 source confirms per-observation ra/dec; see UNPUBLISHED.md for the rows
 *  left out). Column order is the order the migrations created them. */
import { col, inOrder, withFlags } from '../column-helpers.js';
import type { TableDef } from '../types.js';
import { OBSERVATION_SOURCE_COLUMNS } from './generated/observation-source-columns.js';
import { HEALPIX_ORDER, healpixColumn } from './healpix-column.js';
import { V1_COLUMNS, V22_COLUMNS } from './migration-columns.js';

const xtapPosition = [
  col('ra', 'double', 'deg', 'pos.eq.ra', 'Position of the detection, ICRS right ascension (the master source position when the input carries no per-observation position); added by xtap'),
  col('dec', 'double', 'deg', 'pos.eq.dec', 'Position of the detection, ICRS declination (the master source position when the input carries no per-observation position); added by xtap'),
  healpixColumn('ra', 'dec'),
];

const columns = withFlags(
  inOrder([...OBSERVATION_SOURCE_COLUMNS, ...xtapPosition], [...V1_COLUMNS.observation_source, ...V22_COLUMNS.observation_source]),
  {
    obsid: { principal: true, indexed: true, required: true, nullValue: -2147483648 },
    region_id: { principal: true, indexed: true, required: true },
    obi: { principal: true, indexed: true, required: true },
    ra: { principal: true, range: [0, 360] },
    dec: { principal: true, range: [-90, 90] },
    ra_pnt: { range: [0, 360] },
    dec_pnt: { range: [-90, 90] },
    flux_aper90_b: { principal: true },
    var_prob_b: { range: [0, 1] },
  },
);

export const observationSource: TableDef = {
  schema: 'csc2',
  name: 'observation_source',
  description:
    'Chandra Source Catalog release 2 per-observation detections: source properties measured in each individual ' +
    'observation (ObsID, observation interval) that contributes to a stacked detection.',
  columns,
  primaryKey: ['obsid', 'obi', 'region_id'],
  position: { ra: 'ra', dec: 'dec', healpix: 'hpx14', order: HEALPIX_ORDER },
  isCatalog: true,
};
