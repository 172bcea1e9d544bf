/** The registry of user-defined functions (ADQL 2.1 §4.3): CSC 2's dbo.* functions, csc_* bit-flag helpers in
 *  place of bitwise operators, and the cheap IVOA UDF-catalogue functions. One entry drives name resolution,
 *  type checking, the PostgreSQL translation and the TAPRegExt `features-udf` declarations in capabilities. */
import type { VotableDatatype } from './catalog.js';

export const UDF_FEATURE_TYPE = 'ivo://ivoa.net/std/TAPRegExt#features-udf';

export type UdfArgKind = 'number' | 'integer' | 'string' | 'any';

export interface UdfDef {
  /** ADQL name as users write it, e.g. 'dbo.cone_distance', 'ivo_hasword'. */
  name: string;
  /** TAPRegExt `<form>` text. */
  form: string;
  description: string;
  args: ReadonlyArray<{ name: string; kind: UdfArgKind }>;
  returns: { datatype: VotableDatatype; unit?: string; ucd?: string; arraysize?: string };
  /** Further names accepted for the function but not declared (e.g. the CSC 2 service's `dbo.cone_distance`,
   *  whose dotted name TAPRegExt validators reject as a UDF form). */
  aliases?: ReadonlyArray<string>;
  /** For distance functions of (ra1, dec1, ra2, dec2) in degrees: the factor from degrees to the function's unit.
   *  `f(table ra, table dec, const, const) <= r` then becomes an indexed cone of radius r / distanceScale. */
  distanceScale?: number;
  /** TAPRegExt feature type this function is declared under. */
  featureType: string;
  /** An aggregate (may not nest, groups rows). */
  isAggregate?: boolean;
  /** Builds the SQL from already-translated argument SQL (each safe to embed as an operand). */
  toSql(args: ReadonlyArray<string>): string;
}

const dist = (a: ReadonlyArray<string>): string => `adql.distance(${a.join(', ')})`;

/** Every user-defined function this service offers. */
export const UDFS: ReadonlyArray<UdfDef> = [
  {
    name: 'csc_cone_distance',
    aliases: ['dbo.cone_distance'],
    distanceScale: 60,
    form: 'csc_cone_distance(ra DOUBLE, dec DOUBLE, ra0 DOUBLE, dec0 DOUBLE) -> DOUBLE',
    description:
      'CSC 2 compatibility: great-circle distance in arcminutes between (ra, dec) and (ra0, dec0), all in degrees; ' +
      'also callable as dbo.cone_distance, its name on the CSC 2 TAP service. ' +
      '`csc_cone_distance(ra, dec, ra0, dec0) <= r` on a table position uses the HEALPix index.',
    args: [
      { name: 'ra', kind: 'number' },
      { name: 'dec', kind: 'number' },
      { name: 'ra0', kind: 'number' },
      { name: 'dec0', kind: 'number' },
    ],
    returns: { datatype: 'double', unit: 'arcmin', ucd: 'pos.angDistance' },
    featureType: UDF_FEATURE_TYPE,
    toSql: (a) => `(${dist(a)} * 60)`,
  },
  {
    name: 'csc_separation',
    aliases: ['dbo.separation'],
    distanceScale: 3600,
    form: 'csc_separation(ra1 DOUBLE, dec1 DOUBLE, ra2 DOUBLE, dec2 DOUBLE) -> DOUBLE',
    description:
      'CSC 2 compatibility: great-circle separation in arcseconds between (ra1, dec1) and (ra2, dec2), all in degrees; ' +
      'also callable as dbo.separation, its name on the CSC 2 TAP service.',
    args: [
      { name: 'ra1', kind: 'number' },
      { name: 'dec1', kind: 'number' },
      { name: 'ra2', kind: 'number' },
      { name: 'dec2', kind: 'number' },
    ],
    returns: { datatype: 'double', unit: 'arcsec', ucd: 'pos.angDistance' },
    featureType: UDF_FEATURE_TYPE,
    toSql: (a) => `(${dist(a)} * 3600)`,
  },
  {
    name: 'csc_bitand',
    form: 'csc_bitand(a BIGINT, b BIGINT) -> BIGINT',
    description: 'Bitwise AND of two integers, for CSC 2 bit-encoded code columns (ADQL 2.1 has no bitwise operators).',
    args: [
      { name: 'a', kind: 'integer' },
      { name: 'b', kind: 'integer' },
    ],
    returns: { datatype: 'long' },
    featureType: UDF_FEATURE_TYPE,
    toSql: ([a, b]) => `(CAST(${a} AS bigint) & CAST(${b} AS bigint))`,
  },
  {
    name: 'csc_bittest',
    form: 'csc_bittest(a BIGINT, bit INTEGER) -> INTEGER',
    description: 'Returns 1 when bit number `bit` (0 = least significant) of integer `a` is set, else 0.',
    args: [
      { name: 'a', kind: 'integer' },
      { name: 'bit', kind: 'integer' },
    ],
    returns: { datatype: 'int' },
    featureType: UDF_FEATURE_TYPE,
    toSql: ([a, bit]) => `CAST((CAST(${a} AS bigint) >> CAST(${bit} AS integer)) & 1 AS integer)`,
  },
  {
    name: 'ivo_hasword',
    form: 'ivo_hasword(haystack TEXT, needle TEXT) -> INTEGER',
    description:
      'IVOA UDF catalogue: 1 when needle occurs in haystack as a word (case-insensitive, PostgreSQL full-text ' +
      'search with the simple configuration), else 0.',
    args: [
      { name: 'haystack', kind: 'string' },
      { name: 'needle', kind: 'string' },
    ],
    returns: { datatype: 'int' },
    featureType: UDF_FEATURE_TYPE,
    toSql: ([h, n]) =>
      `(CASE WHEN to_tsvector(CAST('simple' AS regconfig), CAST(${h} AS text)) @@ plainto_tsquery(CAST('simple' AS regconfig), CAST(${n} AS text)) THEN 1 ELSE 0 END)`,
  },
  {
    name: 'ivo_nocasematch',
    form: 'ivo_nocasematch(value TEXT, pattern TEXT) -> INTEGER',
    description: 'IVOA UDF catalogue: 1 when value matches the LIKE pattern ignoring case, else 0.',
    args: [
      { name: 'value', kind: 'string' },
      { name: 'pattern', kind: 'string' },
    ],
    returns: { datatype: 'int' },
    featureType: UDF_FEATURE_TYPE,
    toSql: ([v, p]) => `(CASE WHEN CAST(${v} AS text) ILIKE CAST(${p} AS text) THEN 1 ELSE 0 END)`,
  },
  {
    name: 'ivo_string_agg',
    form: 'ivo_string_agg(expr TEXT, delim TEXT) -> TEXT',
    description: 'IVOA UDF catalogue: aggregate that joins the non-NULL values of expr, separated by delim.',
    args: [
      { name: 'expr', kind: 'any' },
      { name: 'delim', kind: 'string' },
    ],
    returns: { datatype: 'char', arraysize: '*' },
    featureType: UDF_FEATURE_TYPE,
    isAggregate: true,
    toSql: ([e, d]) => `string_agg(CAST(${e} AS text), CAST(${d} AS text))`,
  },
  {
    name: 'ml_embedding_distance',
    form: 'ml_embedding_distance(a REAL[], b REAL[]) -> DOUBLE',
    description:
      'Euclidean distance between two embeddings of the same length (ml.event_representation.embedding); NULL if ' +
      'either is NULL or the lengths differ. ORDER BY it to find the event files most similar to one.',
    args: [
      { name: 'a', kind: 'any' },
      { name: 'b', kind: 'any' },
    ],
    returns: { datatype: 'double', ucd: 'stat.value' },
    featureType: UDF_FEATURE_TYPE,
    toSql: ([a, b]) => `ml.embedding_distance(CAST(${a} AS real[]), CAST(${b} AS real[]))`,
  },
];

const BY_NAME: ReadonlyMap<string, UdfDef> = new Map(
  UDFS.flatMap((u) => [u.name, ...(u.aliases ?? [])].map((n): [string, UdfDef] => [n.toLowerCase(), u])),
);

/** Looks a UDF up by its (case-insensitive) ADQL name, prefix included ('dbo.cone_distance'). */
export function findUdf(name: string): UdfDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** TAPRegExt `<languageFeatures type="...features-udf">` entries for the capabilities document. */
export function udfFeatures(): Array<{ type: string; form: string; description: string }> {
  return UDFS.map((u) => ({ type: u.featureType, form: u.form, description: u.description }));
}
