/** The ADQL 2.1 vocabulary for the editor's highlighting and completion: reserved words and the standard
 *  functions; the service's own functions (TAPRegExt languageFeatures) are read from /tap/capabilities at run
 *  time by functionNames. Pure. */
export const ADQL_KEYWORDS = [
  'select', 'top', 'distinct', 'all', 'from', 'where', 'group', 'by', 'having', 'order', 'asc', 'desc', 'as', 'join',
  'inner', 'outer', 'left', 'right', 'full', 'natural', 'cross', 'on', 'using', 'and', 'or', 'not', 'in', 'between',
  'like', 'ilike', 'is', 'null', 'exists', 'case', 'when', 'then', 'else', 'end', 'union', 'except', 'intersect',
  'with', 'offset', 'cast', 'true', 'false', 'any', 'some', 'escape',
].join(' ');

export const ADQL_TYPES = 'smallint integer bigint real double precision char varchar timestamp point circle polygon';

export const ADQL_FUNCTIONS = [
  'abs', 'ceiling', 'degrees', 'exp', 'floor', 'log', 'log10', 'mod', 'pi', 'power', 'radians', 'sqrt', 'rand',
  'round', 'truncate', 'acos', 'asin', 'atan', 'atan2', 'cos', 'cot', 'sin', 'tan', 'count', 'avg', 'min', 'max',
  'sum', 'lower', 'upper', 'coalesce', 'in_unit', 'point', 'circle', 'box', 'polygon', 'region', 'centroid',
  'contains', 'intersects', 'distance', 'area', 'coord1', 'coord2', 'coordsys',
].join(' ');

/** Function names from TAPRegExt <form> texts ("csc_cone_distance(ra DOUBLE, …) -> DOUBLE" → csc_cone_distance). */
export function functionNames(forms: ReadonlyArray<string>): string[] {
  const names = new Set<string>();
  for (const f of forms) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\(/.exec(f);
    if (m) names.add((m[1] as string).toLowerCase());
  }
  return [...names];
}
