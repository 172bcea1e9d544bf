/** Sky chunks of a mirror: HEALPix pixels (nested scheme) plus one chunk for rows without a position. Pure logic:
 *  the pixel a row belongs to, a chunk's children, and a circle enclosing a pixel (the remote query asks for the
 *  circle; the rows outside the pixel are dropped here, so chunks partition the rows exactly whatever geometry the
 *  remote service implements). */
import { max_pixrad, pix2vec_nest } from '@hscmap/healpix';
import { MAX_HEALPIX_ORDER, healpixIndex } from '../adql/geometry/index.js';

export type Chunk = { kind: 'pixel'; order: number; pixel: number } | { kind: 'nopos' };

/** Stable key of a chunk in the state file: "order/pixel" or "nopos". */
export function chunkKey(c: Chunk): string {
  return c.kind === 'nopos' ? 'nopos' : `${c.order}/${c.pixel}`;
}

/** The chunks a mirror starts from: every pixel at `order`, then the no-position chunk. */
export function initialChunks(order: number): Chunk[] {
  if (!Number.isInteger(order) || order < 0 || order > MAX_HEALPIX_ORDER) throw new RangeError(`start order must be an integer in [0, ${MAX_HEALPIX_ORDER}], got ${order}`);
  const n = 12 * 4 ** order;
  const out: Chunk[] = [];
  for (let p = 0; p < n; p++) out.push({ kind: 'pixel', order, pixel: p });
  out.push({ kind: 'nopos' });
  return out;
}

/** The four pixels of the next order inside a pixel (nested scheme); undefined when the chunk cannot split. */
export function splitChunk(c: Chunk): Chunk[] | undefined {
  if (c.kind === 'nopos' || c.order >= MAX_HEALPIX_ORDER) return undefined;
  return [0, 1, 2, 3].map((i) => ({ kind: 'pixel', order: c.order + 1, pixel: c.pixel * 4 + i }));
}

/** Pixel of (ra, dec) at `order`, derived from the order-14 pixel so that a child's rows are always exactly its
 *  parent's rows split four ways. */
export function pixelAt(raDeg: number, decDeg: number, order: number): number {
  const fine = healpixIndex(raDeg, decDeg, MAX_HEALPIX_ORDER);
  return Math.floor(fine / 4 ** (MAX_HEALPIX_ORDER - order));
}

/** Does a row at (ra, dec) belong to the chunk? Rows with a null or non-finite position belong to 'nopos' only. */
export function inChunk(c: Chunk, ra: unknown, dec: unknown): boolean {
  const has = typeof ra === 'number' && typeof dec === 'number' && Number.isFinite(ra) && Number.isFinite(dec);
  if (c.kind === 'nopos') return !has;
  return has && pixelAt(ra, dec, c.order) === c.pixel;
}

/** Extra radius (degrees) beyond the pixel's farthest corner: covers rounding in the remote CONTAINS. */
const CIRCLE_MARGIN_DEG = 1 / 3600;

/** A circle (degrees) enclosing a pixel: its centre and the largest centre-to-corner distance at that order. */
export function enclosingCircle(order: number, pixel: number): { ra: number; dec: number; radius: number } {
  const nside = 2 ** order;
  const [x, y, z] = pix2vec_nest(nside, pixel);
  let ra = (Math.atan2(y, x) * 180) / Math.PI;
  if (ra < 0) ra += 360;
  const dec = (Math.asin(Math.max(-1, Math.min(1, z))) * 180) / Math.PI;
  const radius = Math.min(180, (max_pixrad(nside) * 180) / Math.PI + CIRCLE_MARGIN_DEG);
  return { ra, dec, radius };
}
