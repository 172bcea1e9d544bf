/** csc2.stack_source: detections in CSC 2 detect stacks (co-added observations), keyed by
 *  (detect_stack_id, region_id). Identification columns of CSC 2 plus the detection position and hpx14. */
import { col, withFlags } from '../column-helpers.js';
import type { TableDef } from '../types.js';
import { HEALPIX_ORDER, healpixColumn } from './healpix-column.js';

const columns = withFlags(
  [
    col("detect_stack_id", "char", "", "meta.id", "Detect stack identifier, format {acis|hrc}fJhhmmsss{+|-}ddmmss_nnn; join key"),
    col("region_id", "int", "", "", "Detection region (component) number within the stack; join key with detect_stack_id"),
    col('ra', 'double', 'deg', 'pos.eq.ra', 'Position of the stack detection, ICRS right ascension'),
    col('dec', 'double', 'deg', 'pos.eq.dec', 'Position of the stack detection, ICRS declination'),
    col("ra_stack", "double", "deg", "pos.eq.ra", "Tangent-plane reference RA of the detect stack"),
    col("dec_stack", "double", "deg", "pos.eq.dec", "Tangent-plane reference Dec of the detect stack"),
    col("instrument", "char", "", "meta.id;instr", "ACIS or HRC"),
    col("grating", "char", "", "", "NONE, HETG or LETG"),
    col("ascdsver", "char", "", "", "Software version that built the Level 3 stack event file"),
    col("caldbver", "char", "", "", "CALDB version used for the Level 3 stack event file"),
    col("crdate", "char", "", "", "Creation date of the Level 3 stack event file, UTC ISO-8601"),
    healpixColumn('ra', 'dec'),
  ],
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
