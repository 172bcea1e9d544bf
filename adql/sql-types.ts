/** Typed SQL fragments of the translator: a resolved expression's type (ExprInfo, from the resolve pass) with its
 *  PostgreSQL text and operator precedence for parenthesisation; column references as SQL; output casts. Pure
 *  helpers for to-postgres.ts, translate-expr.ts and translate-call.ts. */
import type { Binding, ExprInfo } from './resolved.js';
import type { VotableDatatype } from './catalog.js';
import { quoteIdent } from './catalog.js';

/** Operator precedence of emitted SQL (PostgreSQL's order); a child with lower precedence gets parentheses. */
export const PREC = { OR: 1, AND: 2, NOT: 3, CMP: 4, PRED: 5, CONCAT: 6, ADD: 7, MUL: 8, UNARY: 9, ATOM: 100 } as const;

/** A translated expression: its SQL text and precedence, and what the translator reads of its resolved type. */
export interface Typed extends Pick<ExprInfo, 'kind' | 'datatype' | 'isInt' | 'exact' | 'isParam' | 'binding'> {
  sql: string;
  prec: number;
}

/** The fragment of a resolved expression (one object shape for all, so building it stays cheap). */
export function typedOf(i: ExprInfo, sql: string, prec: number): Typed {
  return { sql, prec, kind: i.kind, datatype: i.datatype, isInt: i.isInt, exact: i.exact, isParam: i.isParam, binding: i.binding };
}

/** Wraps `t` in parentheses when its precedence is below `min`. */
export function wrap(t: Pick<Typed, 'sql' | 'prec'>, min: number): string {
  return t.prec < min ? `(${t.sql})` : t.sql;
}

/** The SQL of a bound column: "alias"."column", or COALESCE of both sides for a FULL JOIN's merged column. */
export function columnSql(b: Binding): string {
  const s = b.source;
  if (s.kind === 'coalesce') return `COALESCE(${columnSql(s.left)}, ${columnSql(s.right)})`;
  if (!b.entry) throw new Error(`internal error: column ${b.name} has no range entry`);
  return `${quoteIdent(b.entry.sqlName)}.${quoteIdent(s.column)}`;
}

/** PostgreSQL type for a numeric VOTable datatype (output casts). */
export function pgNumericType(datatype: VotableDatatype): string {
  switch (datatype) {
    case 'short':
    case 'unsignedByte':
      return 'smallint';
    case 'int':
      return 'integer';
    case 'long':
      return 'bigint';
    case 'float':
      return 'real';
    default:
      return 'double precision';
  }
}

/** The select-list SQL of a result column: computed numbers are cast to the declared type so the encoders get
 *  exactly what the FIELD says (PostgreSQL would return numeric for 1.5, avg(int), round(x, 2), ...). */
export function outputSql(t: Typed): string {
  if (t.binding) return t.sql;
  if (t.kind === 'number' && !t.exact) return `CAST(${t.sql} AS ${pgNumericType(t.datatype)})`;
  if (t.kind === 'string' && t.isParam) return `CAST(${t.sql} AS text)`;
  if (t.kind === 'null') return 'CAST(NULL AS text)';
  return t.sql;
}

/** A number as SQL text: shortest round-trip decimal (PostgreSQL reads exponents like 1e-7). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite number ${v}`);
  return String(v);
}
