/** The families of ADQL built-in functions, by upper-cased name: the resolve pass (resolve/call.ts) types each
 *  family and the translate pass (translate-call.ts) writes it, both dispatching on these sets. Everything else
 *  built in is IN_UNIT or a geometry function. */
export const AGGREGATES: ReadonlySet<string> = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);
/** The MATH functions that take and return double precision (elementary functions of one or two numbers). */
export const ELEMENTARY: ReadonlySet<string> = new Set(['EXP', 'SQRT', 'LOG', 'LOG10', 'ACOS', 'ASIN', 'ATAN', 'COS', 'COT', 'SIN', 'TAN', 'ATAN2']);
export const MATH: ReadonlySet<string> = new Set(['ABS', 'CEILING', 'FLOOR', 'DEGREES', 'RADIANS', ...ELEMENTARY, 'PI', 'POWER', 'MOD', 'RAND', 'ROUND', 'TRUNCATE']);
export const TEXT: ReadonlySet<string> = new Set(['LOWER', 'UPPER', 'COALESCE', 'NULLIF']);
