/** Pure-TypeScript spherical geometry on the unit sphere, in degrees: the reference ("oracle") that the adql.*
 *  SQL functions (sql-functions.ts) mirror formula for formula, and that the translator may use at translate
 *  time on constant shapes. Shapes are DALI-style flat arrays (ADQL 2.1 §4.2, DALI 1.1 §3.3.5-3.3.7):
 *  point [ra, dec], circle [ra, dec, r], polygon [ra1, dec1, ra2, dec2, ...] with great-circle edges. */

/** A unit vector. */
export type Vec3 = readonly [number, number, number];

export type ShapeKind = 'point' | 'circle' | 'polygon';

export type GeometryErrorCode = 'BAD_SHAPE' | 'BAD_NUMBER' | 'BAD_ORDER';

/** Raised for arguments no geometry can be made of (wrong array length, NaN, latitude beyond ±90°...). The SQL
 *  functions raise the same conditions as SQLSTATE 22023 (invalid_parameter_value). */
export class GeometryError extends Error {
  readonly code: GeometryErrorCode;
  constructor(code: GeometryErrorCode, message: string) {
    super(message);
    this.name = 'GeometryError';
    this.code = code;
  }
}

/** Degrees to radians; the same constant as PostgreSQL's radians()/degrees(), so both round alike. */
const D = Math.PI / 180;
const TWO_PI = 2 * Math.PI;
const FOUR_PI = 4 * Math.PI;
/** Square degrees per steradian. */
export const SQ_DEG_PER_SR = (180 / Math.PI) * (180 / Math.PI);

/** Kind of a geometry array from its length: 2 point, 3 circle, even ≥ 6 polygon; anything else throws. */
export function shapeKind(g: ArrayLike<number>): ShapeKind {
  const n = g.length;
  if (n === 2) return 'point';
  if (n === 3) {
    if (!(g[2]! >= 0)) throw new GeometryError('BAD_SHAPE', `circle radius must be >= 0, got ${g[2]}`);
    return 'circle';
  }
  if (n >= 6 && n % 2 === 0) return 'polygon';
  throw new GeometryError('BAD_SHAPE', `geometry array of length ${n} is not a point (2), circle (3) or polygon (even, >= 6)`);
}

export function toVec(raDeg: number, decDeg: number): Vec3 {
  const ra = raDeg * D;
  const dec = decDeg * D;
  // cos δ as sin(90° - |δ|): exact near the poles, where cos(radians(δ)) keeps only ~7 digits of a tiny value.
  const c = Math.sin((90 - Math.abs(decDeg)) * D);
  return [c * Math.cos(ra), c * Math.sin(ra), Math.sin(dec)];
}

/** [ra in [0, 360), dec] of a (not necessarily unit) non-zero vector. */
export function toRaDec(v: Vec3): [number, number] {
  const [x, y, z] = v;
  let ra = Math.atan2(y, x) / D;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  return [ra, Math.atan2(z, Math.sqrt(x * x + y * y)) / D];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function neg(a: Vec3): Vec3 {
  return [-a[0], -a[1], -a[2]];
}

/** a × b for unit vectors as ½ (a - b) × (a + b): the same vector, but its rounding error scales with |a × b|
 *  instead of 1, so the normal of a short edge keeps its direction (S2's RobustCrossProd idea). */
function edgeNormal(a: Vec3, b: Vec3): Vec3 {
  const d: Vec3 = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const s: Vec3 = [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
  return [0.5 * (d[1] * s[2] - d[2] * s[1]), 0.5 * (d[2] * s[0] - d[0] * s[2]), 0.5 * (d[0] * s[1] - d[1] * s[0])];
}

/** Angle between two unit vectors, radians: 2 atan2(|a - b|, |a + b|), accurate from 0 to π. */
export function angle(a: Vec3, b: Vec3): number {
  const d0 = a[0] - b[0];
  const d1 = a[1] - b[1];
  const d2 = a[2] - b[2];
  const s0 = a[0] + b[0];
  const s1 = a[1] + b[1];
  const s2 = a[2] + b[2];
  return 2 * Math.atan2(Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2), Math.sqrt(s0 * s0 + s1 * s1 + s2 * s2));
}

/** Great-circle distance in degrees (Vincenty's atan2 form, with the latitude term written as
 *  sin(Δδ) + 2 sin δ1 cos δ2 sin²(Δα/2) so nothing cancels for tiny separations; accurate near 0 and 180°).
 *  adql.distance evaluates the identical expression. */
export function distance(ra1: number, dec1: number, ra2: number, dec2: number): number {
  // Exact reduction of Δα to [-180, 180] (Sterbenz) before radians: sin(radians(-359)) would lose 2 digits.
  const dra = (ra2 - ra1 - 360 * Math.round((ra2 - ra1) / 360)) * D;
  const d1 = dec1 * D;
  const d2 = dec2 * D;
  const sd1 = Math.sin(d1);
  const cd1 = Math.sin((90 - Math.abs(dec1)) * D);
  const sd2 = Math.sin(d2);
  const cd2 = Math.sin((90 - Math.abs(dec2)) * D);
  const x = cd2 * Math.sin(dra);
  const h = Math.sin(dra / 2);
  const y = Math.sin((dec2 - dec1) * D) + 2 * sd1 * cd2 * (h * h);
  const z = sd1 * sd2 + cd1 * cd2 * Math.cos(dra);
  return Math.atan2(Math.sqrt(x * x + y * y), z) / D;
}

/** Closed disc: a point exactly r away is inside (as in adql.point_in_circle). */
export function pointInCircle(ra: number, dec: number, cra: number, cdec: number, r: number): boolean {
  return distance(ra, dec, cra, cdec) <= r;
}

/** Unit vectors of a polygon's vertices. */
export function polygonVertices(poly: ArrayLike<number>): Vec3[] {
  const out: Vec3[] = [];
  for (let i = 0; i + 1 < poly.length; i += 2) out.push(toVec(poly[i]!, poly[i + 1]!));
  return out;
}

/** Σ over edges (b, c) of the signed solid angle of the triangle (q, b, c) (Van Oosterom & Strackee 1983).
 *  Every such triangle excludes -q, so |fan(q)| is the area (sr) of the side of the boundary NOT containing -q;
 *  its sign is + when that side lies to the left of the boundary (counter-clockwise seen from outside). */
export function fan(q: Vec3, v: readonly Vec3[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    const c = v[(i + 1) % v.length]!;
    const num = dot(q, edgeNormal(b, c));
    // 1 + q·b + b·c + c·q, written as (q + b)·(q + c) so it keeps its digits when it is tiny (q = -p, p near b, c)
    const den = (q[0] + b[0]) * (q[0] + c[0]) + (q[1] + b[1]) * (q[1] + c[1]) + (q[2] + b[2]) * (q[2] + c[2]);
    s += 2 * Math.atan2(num, den);
  }
  return s;
}

/** p lies in the polygon, the polygon being the smaller (< 2π sr) of the two regions its boundary makes,
 *  whatever the winding: |fan(-p)| is the area of the side not containing p, so p is inside iff that is > 2π. */
export function pointInPolygonVec(p: Vec3, v: readonly Vec3[]): boolean {
  return Math.abs(fan(neg(p), v)) > TWO_PI;
}

export function pointInPolygon(ra: number, dec: number, poly: ArrayLike<number>): boolean {
  return pointInPolygonVec(toVec(ra, dec), polygonVertices(poly));
}

/** Area in steradians of the smaller region; isCcw says whether that region lies left of the edges as given. */
export function polygonAreaSr(v: readonly Vec3[]): { area: number; isCcw: boolean } {
  const s = fan(v[0]!, v);
  const a = Math.abs(s);
  // Read |s| directly when it is the small side: 4π - (4π - a) would cancel for tiny polygons.
  return a <= TWO_PI ? { area: a, isCcw: s > 0 } : { area: FOUR_PI - a, isCcw: s < 0 };
}

/** Smallest angular distance (radians) from p to the great-circle arc a→b (minor arc). */
export function arcDistance(p: Vec3, a: Vec3, b: Vec3): number {
  const n = edgeNormal(a, b);
  const nn = Math.sqrt(dot(n, n));
  // p's foot on the great circle lies between a and b
  if (nn > 0 && dot(p, cross(n, a)) >= 0 && dot(p, cross(b, n)) >= 0) {
    return Math.asin(Math.min(1, Math.abs(dot(p, n)) / nn));
  }
  return Math.min(angle(p, a), angle(p, b));
}

/** Arcs a→b and c→d cross at a point interior to both (S2's CrossingSign, sans the exact-arithmetic fallback):
 *  c, d on opposite sides of ab, a, b on opposite sides of cd, and consistent orientation (not antipodal). */
export function arcsCross(a: Vec3, b: Vec3, c: Vec3, d: Vec3): boolean {
  const nab = edgeNormal(a, b);
  const acb = -Math.sign(dot(c, nab));
  if (acb === 0 || Math.sign(dot(d, nab)) !== acb) return false;
  const ncd = edgeNormal(c, d);
  return -Math.sign(dot(b, ncd)) === acb && Math.sign(dot(a, ncd)) === acb;
}

/** Area in square degrees: point 0, circle the spherical cap 4π sin²(r/2), polygon the spherical excess of the
 *  smaller region. */
export function area(g: ArrayLike<number>): number {
  switch (shapeKind(g)) {
    case 'point':
      return 0;
    case 'circle': {
      const h = Math.sin((Math.min(g[2]!, 180) * D) / 2);
      return FOUR_PI * h * h * SQ_DEG_PER_SR;
    }
    case 'polygon':
      return polygonAreaSr(polygonVertices(g)).area * SQ_DEG_PER_SR;
  }
}

/** Centroid as [ra, dec]: a point itself, a circle's centre, and for a polygon the direction of ∫x dA over its
 *  (smaller) region, which is ½ Σ θᵢ n̂ᵢ over the edges (θ arc length, n̂ unit normal) for the left-hand side. */
export function centroid(g: ArrayLike<number>): [number, number] {
  if (shapeKind(g) !== 'polygon') return [g[0]!, g[1]!];
  const v = polygonVertices(g);
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (let i = 0; i < v.length; i++) {
    const a = v[i]!;
    const b = v[(i + 1) % v.length]!;
    const c = edgeNormal(a, b);
    const sinT = Math.sqrt(dot(c, c));
    const f = sinT > 0 ? angle(a, b) / sinT : 1;
    sx += f * c[0];
    sy += f * c[1];
    sz += f * c[2];
  }
  const sign = polygonAreaSr(v).isCcw ? 1 : -1;
  return toRaDec([sign * sx, sign * sy, sign * sz]);
}

function minEdgeDistance(p: Vec3, v: readonly Vec3[]): number {
  let m = Infinity;
  for (let i = 0; i < v.length; i++) m = Math.min(m, arcDistance(p, v[i]!, v[(i + 1) % v.length]!));
  return m;
}

function anyEdgesCross(v: readonly Vec3[], w: readonly Vec3[]): boolean {
  for (let i = 0; i < v.length; i++) {
    const a = v[i]!;
    const b = v[(i + 1) % v.length]!;
    for (let j = 0; j < w.length; j++) if (arcsCross(a, b, w[j]!, w[(j + 1) % w.length]!)) return true;
  }
  return false;
}

/** ADQL CONTAINS(a, b): a lies inside b (closed shapes; boundary contact counts as inside, within rounding). */
export function contains(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ka = shapeKind(a);
  const kb = shapeKind(b);
  if (kb === 'point') return ka === 'point' && distance(a[0]!, a[1]!, b[0]!, b[1]!) === 0;
  if (kb === 'circle') {
    const r = b[2]!;
    if (ka === 'point') return distance(a[0]!, a[1]!, b[0]!, b[1]!) <= r;
    if (ka === 'circle') return distance(a[0]!, a[1]!, b[0]!, b[1]!) + a[2]! <= r;
    // Polygon in cap: every edge's farthest point (180° minus its distance to the antipode of the centre) within
    // r, and the antipode itself outside the polygon (else the polygon would be the cap's complement side).
    const c = toVec(b[0]!, b[1]!);
    const m = neg(c);
    const v = polygonVertices(a);
    return 180 - (minEdgeDistance(m, v) / D) <= r && !pointInPolygonVec(m, v);
  }
  const w = polygonVertices(b);
  if (ka === 'point') return pointInPolygonVec(toVec(a[0]!, a[1]!), w);
  if (ka === 'circle') {
    const c = toVec(a[0]!, a[1]!);
    return pointInPolygonVec(c, w) && minEdgeDistance(c, w) / D >= a[2]!;
  }
  // Polygon in polygon: all vertices inside and no edges crossing; a region < 2π sr bounded inside b is inside b.
  const v = polygonVertices(a);
  return v.every((p) => pointInPolygonVec(p, w)) && !anyEdgesCross(v, w);
}

/** ADQL INTERSECTS(a, b): the closed shapes share at least one point (symmetric). */
export function intersects(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let ka = shapeKind(a);
  let kb = shapeKind(b);
  const rank = { point: 0, circle: 1, polygon: 2 } as const;
  if (rank[ka] > rank[kb]) {
    [a, b] = [b, a];
    [ka, kb] = [kb, ka];
  }
  const dab = () => distance(a[0]!, a[1]!, b[0]!, b[1]!);
  if (kb === 'point') return dab() === 0;
  if (kb === 'circle') return ka === 'point' ? dab() <= b[2]! : dab() <= a[2]! + b[2]!;
  const w = polygonVertices(b);
  if (ka === 'point') return pointInPolygonVec(toVec(a[0]!, a[1]!), w);
  if (ka === 'circle') {
    const c = toVec(a[0]!, a[1]!);
    return pointInPolygonVec(c, w) || minEdgeDistance(c, w) / D <= a[2]!;
  }
  const v = polygonVertices(a);
  return anyEdgesCross(v, w) || v.some((p) => pointInPolygonVec(p, w)) || w.some((p) => pointInPolygonVec(p, v));
}

/** A circle [ra, dec, r] containing the shape: itself for circles, r = 0 for points, and for polygons the
 *  centroid with the largest centre-to-edge distance (used to prefilter polygons with HEALPix cone ranges). */
export function boundingCircle(g: ArrayLike<number>): [number, number, number] {
  const k = shapeKind(g);
  if (k === 'point') return [g[0]!, g[1]!, 0];
  if (k === 'circle') return [g[0]!, g[1]!, g[2]!];
  const [cra, cdec] = centroid(g);
  const c = toVec(cra, cdec);
  const v = polygonVertices(g);
  // The farthest point of an edge from c is an endpoint or the point closest to -c.
  let r = 0;
  for (let i = 0; i < v.length; i++) r = Math.max(r, Math.PI - arcDistance(neg(c), v[i]!, v[(i + 1) % v.length]!));
  return [cra, cdec, Math.min(180, r / D)];
}

/** STC-S/ADQL BOX(ra, dec, width, height) as a polygon: great-circle edges, the side midpoints width/2 east and
 *  west and height/2 north and south of the centre (corners built in the tangent plane at the centre). */
export function boxToPolygon(ra: number, dec: number, width: number, height: number): number[] {
  if (!(width >= 0 && width < 180 && height >= 0 && height < 180)) {
    throw new GeometryError('BAD_SHAPE', `box width and height must be in [0, 180), got ${width} x ${height}`);
  }
  const c = toVec(ra, dec);
  const east: Vec3 = [-Math.sin(ra * D), Math.cos(ra * D), 0];
  const north = cross(c, east);
  const tw = Math.tan((width / 2) * D);
  const th = Math.tan((height / 2) * D);
  const out: number[] = [];
  // South-west, south-east, north-east, north-west: counter-clockwise seen from outside the sphere (DALI order).
  for (const [se, sn] of [[-1, -1], [1, -1], [1, 1], [-1, 1]] as const) {
    const p: Vec3 = [c[0] + se * tw * east[0] + sn * th * north[0], c[1] + se * tw * east[1] + sn * th * north[1], c[2] + se * tw * east[2] + sn * th * north[2]];
    out.push(...toRaDec(p));
  }
  return out;
}
