/** Public surface of adql/: ADQL 2.1 text → PostgreSQL SQL + bound parameters + result column metadata.
 *  The pipeline of passes: parse (lexer.ts → parser.ts: ast.ts) → resolve (resolve/: a ResolvedStatement,
 *  resolved.ts) → translate (to-postgres.ts, translate-expr.ts, translate-call.ts). This module is the only one
 *  that runs them in a row. Pure: no I/O. See README.md. */
import type { Query } from './ast.js';
import type { Catalog } from './catalog.js';
import type { AdqlLimits } from './limits.js';
import { parseAdql } from './parser.js';
import { resolveQuery } from './resolve/index.js';
import { translateResolved } from './to-postgres.js';
import type { TranslateOptions, Translation } from './to-postgres.js';

export { AdqlError, expected } from './errors.js';
export type { AdqlErrorCode, Span } from './errors.js';
export { parseAdql } from './parser.js';
export type { ParseOptions } from './parser.js';
export { printQuery, printExpr } from './print.js';
export { resolveQuery } from './resolve/index.js';
export type * from './resolved.js';
export { translateResolved } from './to-postgres.js';
export type { TranslateOptions, Translation } from './to-postgres.js';
export { UDFS, findUdf, udfFeatures, UDF_FEATURE_TYPE } from './functions.js';
export type { UdfDef } from './functions.js';
export { ADQL_FEATURES, languageFeatures } from './features.js';
export type { LanguageFeature } from './features.js';
export { isReservedWord, RESERVED_WORDS } from './reserved-words.js';
export { DEFAULT_ADQL_LIMITS, HARD_MAX_DEPTH, LIMIT_NAMES } from './limits.js';
export type { AdqlLimits } from './limits.js';
export type { Query } from './ast.js';
export { quoteIdent } from './catalog.js';
export type { Catalog, CatalogTable, ColumnMeta, ColumnRole, PositionDef, VotableDatatype } from './catalog.js';

/** Resolves and translates a parsed query against the catalog. Throws AdqlError for unknown names, type errors, etc. */
export function translateQuery(q: Query, catalog: Catalog, opts: TranslateOptions = {}): Translation {
  return translateResolved(resolveQuery(q, catalog), opts);
}

/** Parses and translates one ADQL query: the whole pipeline, within the size limits (defaults for any not given).
 *  Throws AdqlError (with code, line, column). */
export function translateAdql(query: string, catalog: Catalog, opts: TranslateOptions & { limits?: Partial<AdqlLimits> } = {}): Translation {
  const { limits, ...translate } = opts;
  return translateQuery(parseAdql(query, { limits }), catalog, translate);
}
