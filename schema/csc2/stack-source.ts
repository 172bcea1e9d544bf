/** csc2.stack_source: detections in CSC 2 detect stacks (co-added observations), keyed by
 *  (detect_stack_id, region_id). Columns: the CONFIRMED and INFERRED rows of data/columns-stack-observation.tsv
 *  (generated/stack-source-columns.ts, `npm run gen:schema`) plus hpx14; the UNCONFIRMED rows are listed in
 *  UNPUBLISHED.md. Column order is the order the migrations created them. */
import { inOrder, withFlags } from '../column-helpers.js';
import type { TableDef } from '../types.js';
import { STACK_SOURCE_COLUMNS } from './generated/stack-source-columns.js';
import { HEALPIX_ORDER, healpixColumn } from './healpix-column.js';
import { V1_COLUMNS, V22_COLUMNS } from './migration-columns.js';

const columns = withFlags(
  inOrder([...STACK_SOURCE_COLUMNS, healpixColumn('ra', 'dec')], [...V1_COLUMNS.stack_source, ...V22_COLUMNS.stack_source]),
  {
    detect_stack_id: { principal: true, indexed: true, required: true },
    region_id: { principal: true, indexed: true, required: true },
    ra: { principal: true, range: [0, 360] },
    dec: { principal: true, range: [-90, 90] },
    ra_stack: { range: [0, 360] },
    dec_stack: { range: [-90, 90] },
  },
);

export const stackSource: TableDef = {
  schema: 'csc2',
  name: 'stack_source',
  description:
    'Chandra Source Catalog release 2 stacked-observation detections: one row per source detection region in a ' +
    'detect stack (observations with nearly identical pointings, co-added for detection).',
  columns,
  primaryKey: ['detect_stack_id', 'region_id'],
  position: { ra: 'ra', dec: 'dec', healpix: 'hpx14', order: HEALPIX_ORDER },
  isCatalog: true,
};
