/** The HEALPix index column every positional table carries (nested scheme). Order 14 (nside 16384, ~13″
 *  pixels, ids < 2^32) is the finest order @hscmap/healpix computes exactly (see docs/DESIGN.md). */
import { col } from '../column-helpers.js';
import type { ColumnDef } from '../types.js';

export const HEALPIX_ORDER = 14;

export function healpixColumn(ra: string, dec: string): ColumnDef {
  return col(
    'hpx14',
    'long',
    '',
    'pos.healpix',
    `HEALPix index (nested scheme, order ${HEALPIX_ORDER}, ICRS) of (${ra}, ${dec}); computed by xtap on ingest for spatial indexing`,
    { indexed: true },
  );
}
