/** HEALPix (nested scheme) for the spatial index: the pixel of a position (ingest fills `hpx14` with it) and the
 *  id ranges at the index order whose union covers a cone (the translator turns them into index range scans).
 *  Computed with @hscmap/healpix, exact up to order 14 (docs/DESIGN.md); the exact test stays in SQL. */
import { ang2pix_nest, max_pixrad, pix2vec_nest, query_disc_inclusive_nest } from '@hscmap/healpix';
import { GeometryError, angle, toVec } from './spherical.js';

/** Finest order @hscmap/healpix gets right (its bit interleaving is 32-bit; order 16 breaks). */
export const MAX_HEALPIX_ORDER = 14;

/** The coarse order of a cone query is the finest one whose disc stays around this many pixels: enough to hug the
 *  disc (the covered area is ~1.4× the disc's), few enough that ranges stay in the tens and the pixel walk
 *  takes well under a millisecond. See README.md for the measured trade-off. */
export const TARGET_QUERY_PIXELS = 200;

/** Added to every query radius (radians, ~0.2 mas): absorbs rounding in ang2pix near the poles and in the
 *  library's disc walk, so a point on the disc edge can never fall in an uncovered pixel. */
const RADIUS_MARGIN = 1e-9;

const D = Math.PI / 180;

function checkFinite(name: string, x: number): void {
  if (!Number.isFinite(x)) throw new GeometryError('BAD_NUMBER', `${name} must be a finite number, got ${x}`);
}

function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_HEALPIX_ORDER) {
    throw new GeometryError('BAD_ORDER', `HEALPix order must be an integer in [0, ${MAX_HEALPIX_ORDER}], got ${order}`);
  }
}

function checkPosition(raDeg: number, decDeg: number): void {
  checkFinite('ra', raDeg);
  checkFinite('dec', decDeg);
  if (decDeg < -90 || decDeg > 90) throw new GeometryError('BAD_NUMBER', `dec must be in [-90, 90], got ${decDeg}`);
}

/** Number of pixels at an order: 12·4^order. */
export function healpixPixelCount(order: number): number {
  return 12 * 4 ** order;
}

/** Nested pixel id of (ra, dec) in degrees at `order` (any ra; it wraps). */
export function healpixIndex(raDeg: number, decDeg: number, order: number): number {
  checkPosition(raDeg, decDeg);
  checkOrder(order);
  let ra = raDeg % 360;
  if (ra < 0) ra += 360;
  // θ = 90° - δ is exact near the poles (Sterbenz), where cos θ then keeps ~1e-12 rad of accuracy.
  return ang2pix_nest(2 ** order, (90 - decDeg) * D, ra * D);
}

/** The coarse order the disc is walked at: the finest ≤ maxOrder whose estimated pixel count
 *  π (r/s + 1)², s the mean pixel size, stays within TARGET_QUERY_PIXELS. */
export function queryOrderForRadius(radiusDeg: number, maxOrder: number): number {
  const r = radiusDeg * D;
  for (let k = maxOrder; k > 0; k--) {
    const size = Math.sqrt((4 * Math.PI) / healpixPixelCount(k));
    if (Math.PI * (r / size + 1) ** 2 <= TARGET_QUERY_PIXELS) return k;
  }
  return 0;
}

/** Sorted coarse pixels → sorted, merged, inclusive id ranges at `order`. */
function expandToRanges(pixels: number[], coarse: number, order: number): Array<[number, number]> {
  pixels.sort((a, b) => a - b);
  const scale = 4 ** (order - coarse);
  const out: Array<[number, number]> = [];
  for (const p of pixels) {
    const lo = p * scale;
    const hi = (p + 1) * scale - 1;
    const last = out[out.length - 1];
    if (last !== undefined && last[1] + 1 >= lo) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Inclusive ranges of nested pixel ids at `order` whose union covers the closed disc of `radiusDeg` around
 *  (raDeg, decDeg): never misses a point, may include extra pixels. Sorted and merged (no two ranges touch).
 *  Radius 0 covers the centre's pixel; ≥ 180° is the whole sky as one range. */
export function healpixRangesForCone(raDeg: number, decDeg: number, radiusDeg: number, order: number): Array<[number, number]> {
  checkPosition(raDeg, decDeg);
  checkFinite('radius', radiusDeg);
  checkOrder(order);
  if (radiusDeg < 0) throw new GeometryError('BAD_NUMBER', `radius must be >= 0, got ${radiusDeg}`);
  if (radiusDeg >= 180) return [[0, healpixPixelCount(order) - 1]];
  const v = toVec(raDeg, decDeg);
  const r = radiusDeg * D + RADIUS_MARGIN;
  const pixels: number[] = [];
  if (r <= Math.PI / 2) {
    const k = queryOrderForRadius(radiusDeg, order);
    query_disc_inclusive_nest(2 ** k, [v[0], v[1], v[2]], r, (p) => pixels.push(p));
    return expandToRanges(pixels, k, order);
  }
  // The library walks discs up to 90° only; beyond, test every pixel of a low order: its centre within
  // r + (the largest centre-to-corner distance at that order) means it may touch the disc.
  const k = Math.min(order, 3);
  const nside = 2 ** k;
  const reach = r + max_pixrad(nside) * (1 + 1e-9);
  for (let p = 0; p < healpixPixelCount(k); p++) if (angle(pix2vec_nest(nside, p), v) <= reach) pixels.push(p);
  return expandToRanges(pixels, k, order);
}
