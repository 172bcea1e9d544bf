/** HEALPix (nested scheme) for the spatial index: the pixel of a position (ingest fills `hpx14` with it) and the
 *  id ranges at the index order whose union covers a cone (the translator turns them into index range scans).
 *  Computed with @hscmap/healpix, exact up to order 14 (docs/DESIGN.md); the exact test stays in SQL. */
import { max_pixrad, pix2vec_nest, query_disc_inclusive_nest } from '@hscmap/healpix';
import { GeometryError, angle, toVec } from './spherical.js';

/** Finest order @hscmap/healpix gets right (its bit interleaving is 32-bit; order 16 breaks). */
export const MAX_HEALPIX_ORDER = 14;

/** The coarse order of a cone query is the finest one whose disc stays around this many pixels: enough to hug the
 *  disc (the covered area is ~1.4× the disc's), few enough that ranges stay in the tens and the pixel walk
 *  takes well under a millisecond. See README.md for the measured trade-off. */
export const TARGET_QUERY_PIXELS = 96;

/** A cover of more ranges than this has its narrowest gaps filled (smallest first) while the filled ids stay within
 *  MERGE_AREA_BUDGET of the cover: each range is one more btree descent and more planning for PostgreSQL, which
 *  on a 0.05° cone costs more than the few extra rows the exact test rejects (README.md, measured trade-off). */
export const MAX_QUERY_RANGES = 6;
export const MERGE_AREA_BUDGET = 0.5;

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

/** Spreads the low 16 bits of x to the even bit positions (x = …b1b0 → …0b10b0). */
function spreadBits(x: number): number {
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return (x | (x << 1)) & 0x55555555;
}

/** Nested pixel id of (ra, dec) in degrees at `order` (any ra; it wraps).
 *  Healpix_Base::loc2pix (HEALPix C++, Górski et al. 2005) rather than @hscmap/healpix's ang2pix_nest: that one
 *  puts every north-polar-cap point on a base-pixel meridian (ra exactly 0, 90, 180, 270 and dec > 41.8°) in
 *  the pixel at the pole (its tu2fpq "clip" branch). Same numbering and pixel geometry as the library, whose
 *  pixel centres the cone cover is built from; healpix.test.ts checks the two agree. */
export function healpixIndex(raDeg: number, decDeg: number, order: number): number {
  checkPosition(raDeg, decDeg);
  checkOrder(order);
  const nside = 2 ** order;
  let tt = (raDeg % 360) / 90; // φ / (π/2) in [0, 4)
  if (tt < 0) tt += 4;
  if (tt >= 4) tt = 0;
  const z = Math.sin(decDeg * D);
  let face: number;
  let ix: number;
  let iy: number;
  if (Math.abs(z) <= 2 / 3) {
    // equatorial belt: the pixel lies between an ascending (jp) and a descending (jm) edge line
    const t1 = nside * (0.5 + tt);
    const t2 = nside * z * 0.75;
    const jp = Math.floor(t1 - t2);
    const jm = Math.floor(t1 + t2);
    const ifp = Math.floor(jp / nside);
    const ifm = Math.floor(jm / nside);
    face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
    ix = jm & (nside - 1);
    iy = nside - (jp & (nside - 1)) - 1;
  } else {
    // polar caps; 1 - |z| = 2 sin²(colatitude/2) keeps its digits right up to the pole
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const h = Math.sin(((90 - Math.abs(decDeg)) * D) / 2);
    const tmp = nside * Math.sqrt(6 * h * h);
    const jp = Math.min(nside - 1, Math.floor(tp * tmp));
    const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp));
    if (decDeg >= 0) {
      face = ntt;
      ix = nside - jm - 1;
      iy = nside - jp - 1;
    } else {
      face = ntt + 8;
      ix = jp;
      iy = jm;
    }
  }
  return face * nside * nside + spreadBits(ix) + 2 * spreadBits(iy);
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

let walkAssertFailed = false;
const recordAssert = (condition?: unknown): void => {
  if (!condition) walkAssertFailed = true;
};

/** query_disc_inclusive_nest with the library's internal `console.assert` (one call per pixel, a native call V8
 *  cannot inline: about half the walk's time) replaced for the duration of the walk by a JS check; a failed
 *  assertion is still reported through the real console.assert afterwards. Synchronous: nothing else runs while
 *  console.assert is swapped, and it is restored even if the walk throws. */
function walkDisc(nside: number, v: readonly [number, number, number], r: number, cb: (p: number) => void): void {
  const saved = console.assert;
  walkAssertFailed = false;
  console.assert = recordAssert;
  try {
    query_disc_inclusive_nest(nside, [v[0], v[1], v[2]], r, cb);
  } finally {
    console.assert = saved;
  }
  if (walkAssertFailed) console.assert(false, '@hscmap/healpix: an internal assertion failed in query_disc_inclusive_nest');
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

/** Fills the narrowest gaps between sorted, disjoint ranges (in place) until at most `maxRanges` remain or the
 *  next fill would take the ids added beyond `budget` × the ids covered at first. Pure; the union only grows. */
export function mergeNarrowGaps(ranges: Array<[number, number]>, maxRanges: number, budget: number): Array<[number, number]> {
  if (ranges.length <= maxRanges) return ranges;
  const allowed = budget * ranges.reduce((s, [a, b]) => s + b - a + 1, 0);
  let added = 0;
  while (ranges.length > maxRanges) {
    let best = -1;
    let gap = Infinity;
    for (let i = 0; i + 1 < ranges.length; i++) {
      const g = (ranges[i + 1] as [number, number])[0] - (ranges[i] as [number, number])[1] - 1;
      if (g < gap) {
        gap = g;
        best = i;
      }
    }
    if (added + gap > allowed) break;
    added += gap;
    (ranges[best] as [number, number])[1] = (ranges[best + 1] as [number, number])[1];
    ranges.splice(best + 1, 1);
  }
  return ranges;
}

/** How a cone was covered: the coarse order walked, how many pixels it took there, and the resulting ranges. */
export interface ConeCover {
  queryOrder: number;
  pixelCount: number;
  ranges: Array<[number, number]>;
}

/** healpixRangesForCone with its working shown (for benchmarks and query diagnostics). */
export function coneCover(raDeg: number, decDeg: number, radiusDeg: number, order: number): ConeCover {
  checkPosition(raDeg, decDeg);
  checkFinite('radius', radiusDeg);
  checkOrder(order);
  if (radiusDeg < 0) throw new GeometryError('BAD_NUMBER', `radius must be >= 0, got ${radiusDeg}`);
  if (radiusDeg >= 180) return { queryOrder: 0, pixelCount: 12, ranges: [[0, healpixPixelCount(order) - 1]] };
  const v = toVec(raDeg, decDeg);
  const r = radiusDeg * D + RADIUS_MARGIN;
  const pixels: number[] = [];
  if (r <= Math.PI / 2) {
    const k = queryOrderForRadius(radiusDeg, order);
    walkDisc(2 ** k, [v[0], v[1], v[2]], r, (p) => pixels.push(p));
    return { queryOrder: k, pixelCount: pixels.length, ranges: mergeNarrowGaps(expandToRanges(pixels, k, order), MAX_QUERY_RANGES, MERGE_AREA_BUDGET) };
  }
  // The library walks discs up to 90° only; beyond, test every pixel of a low order: its centre within
  // r + (the largest centre-to-corner distance at that order) means it may touch the disc.
  const k = Math.min(order, 3);
  const nside = 2 ** k;
  const reach = r + max_pixrad(nside) * (1 + 1e-9);
  for (let p = 0; p < healpixPixelCount(k); p++) if (angle(pix2vec_nest(nside, p), v) <= reach) pixels.push(p);
  return { queryOrder: k, pixelCount: pixels.length, ranges: mergeNarrowGaps(expandToRanges(pixels, k, order), MAX_QUERY_RANGES, MERGE_AREA_BUDGET) };
}

/** Inclusive ranges of nested pixel ids at `order` whose union covers the closed disc of `radiusDeg` around
 *  (raDeg, decDeg): never misses a point, may include extra pixels. Sorted and merged (no two ranges touch).
 *  Radius 0 covers the centre's pixel; ≥ 180° is the whole sky as one range. */
export function healpixRangesForCone(raDeg: number, decDeg: number, radiusDeg: number, order: number): Array<[number, number]> {
  return coneCover(raDeg, decDeg, radiusDeg, order).ranges;
}
