/** The optional ADQL 2.1 language features (ADQL §4) this translator implements, as TAPRegExt
 *  `languageFeatures` entries (TAPRegExt 1.0 §2.3, feature types from ADQL 2.1 §4). The capabilities document
 *  is generated from this list plus the UDF registry (functions.ts). Pure data. */
import { udfFeatures } from './functions.js';

export interface LanguageFeature {
  /** TAPRegExt feature type ivo-id. */
  type: string;
  /** TAPRegExt `<form>`. */
  form: string;
  description?: string;
}

const T = 'ivo://ivoa.net/std/TAPRegExt#';

const forms = (type: string, list: string[]): LanguageFeature[] => list.map((form) => ({ type: `${T}${type}`, form }));

/** Optional ADQL features implemented (everything of ADQL 2.1 §4 except REGION). */
export const ADQL_FEATURES: ReadonlyArray<LanguageFeature> = [
  ...forms('features-adqlgeo', ['POINT', 'CIRCLE', 'BOX', 'POLYGON', 'CENTROID', 'CONTAINS', 'INTERSECTS', 'DISTANCE', 'AREA', 'COORD1', 'COORD2', 'COORDSYS']),
  ...forms('features-adql-string', ['LOWER', 'UPPER', 'ILIKE']),
  ...forms('features-adql-offset', ['OFFSET']),
  ...forms('features-adql-type', ['CAST']),
  ...forms('features-adql-unit', ['IN_UNIT']),
  ...forms('features-adql-common-table', ['WITH']),
  ...forms('features-adql-sets', ['UNION', 'EXCEPT', 'INTERSECT']),
];
// COALESCE (ADQL 2.1 §4.8, type features-adql-conditional) is implemented but not declared: STILTS taplint 3.4
// (the validator in Debian, which CI runs) rejects that feature type as unknown. Declare it once taplint knows it.

/** Every languageFeatures entry for capabilities: the ADQL optional features and the user-defined functions. */
export function languageFeatures(): LanguageFeature[] {
  return [...ADQL_FEATURES, ...udfFeatures()];
}
