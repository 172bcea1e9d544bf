/** SQL text for indexed cone searches: HEALPix id ranges as OR-ed BETWEENs (PostgreSQL turns them into a BitmapOr
 *  of btree range scans) AND-ed with the exact adql.point_in_circle test. Emits only numbers it formatted itself
 *  and column expressions the caller already quoted (the translator's resolved identifiers). */
import { healpixRangesForCone } from './healpix.js';
import { GeometryError } from './spherical.js';

/** A finite number as a SQL double precision literal (shortest round-trip form, so the value is exact). */
export function sqlFloat(x: number): string {
  if (!Number.isFinite(x)) throw new GeometryError('BAD_NUMBER', `not a finite number: ${x}`);
  const s = Object.is(x, -0) ? '0' : String(x);
  return x < 0 ? `(${s})::float8` : `${s}::float8`;
}

/** |x| < 1e-100 → 0. PostgreSQL raises "value out of range: underflow" when a product of non-zero doubles
 *  rounds to 0, which sines and squares of such numbers do; no coordinate means anything at 1e-100 degrees. */
export function snapTiny(x: number): number {
  return Math.abs(x) < 1e-100 ? 0 : x;
}

/** A safe integer as a SQL integer literal. */
function sqlInteger(x: number): string {
  if (!Number.isSafeInteger(x)) throw new GeometryError('BAD_NUMBER', `not a safe integer: ${x}`);
  return String(x);
}

/** `(h BETWEEN a AND b OR h = c OR ...)` over inclusive id ranges; `healpix` is a quoted column expression.
 *  No ranges gives FALSE. */
export function healpixRangesSql(healpix: string, ranges: ReadonlyArray<readonly [number, number]>): string {
  if (ranges.length === 0) return 'FALSE';
  const terms = ranges.map(([a, b]) => (a === b ? `${healpix} = ${sqlInteger(a)}` : `${healpix} BETWEEN ${sqlInteger(a)} AND ${sqlInteger(b)}`));
  return `(${terms.join(' OR ')})`;
}

/** Boolean SQL for "(ra, dec) within radiusDeg of (raDeg, decDeg)" (closed disc), index-assisted (centre and
 *  radius pass through snapTiny):
 *  `((<healpix> BETWEEN a AND b OR ...) AND adql.point_in_circle(<ra>, <dec>, ra0, dec0, r) = 1)`.
 *  `cols` are already-quoted SQL expressions; `order` is the HEALPix order of the `healpix` column (14). */
export function coneFilterSql(
  cols: { ra: string; dec: string; healpix: string },
  raDeg: number,
  decDeg: number,
  radiusDeg: number,
  order: number,
): string {
  const ranges = healpixRangesForCone(raDeg, decDeg, radiusDeg, order);
  const [ra, dec, r] = [snapTiny(raDeg), snapTiny(decDeg), snapTiny(radiusDeg)];
  const exact = `adql.point_in_circle(${cols.ra}, ${cols.dec}, ${sqlFloat(ra)}, ${sqlFloat(dec)}, ${sqlFloat(r)}) = 1`;
  return `(${healpixRangesSql(cols.healpix, ranges)} AND ${exact})`;
}
