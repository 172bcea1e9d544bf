/** Public surface of adql/geometry: ADQL geometry on plain PostgreSQL. HEALPix cone ranges and the indexed cone
 *  predicate for the translator, the pixel function for ingest, the adql.* SQL functions (a migration), and the
 *  TypeScript reference geometry. See README.md. */
export { coneCover, healpixIndex, healpixRangesForCone, healpixPixelCount, queryOrderForRadius, MAX_HEALPIX_ORDER, TARGET_QUERY_PIXELS } from './healpix.js';
export { coneFilterSql, healpixRangesSql, snapTiny, sqlFloat } from './cone-sql.js';
export { ADQL_GEOMETRY_SQL } from './sql-functions.js';
export {
  GeometryError,
  area,
  boundingCircle,
  boxToPolygon,
  centroid,
  contains,
  distance,
  intersects,
  pointInCircle,
  pointInPolygon,
  shapeKind,
} from './spherical.js';
export type { GeometryErrorCode, ShapeKind, Vec3 } from './spherical.js';
export type { ConeCover } from './healpix.js';
