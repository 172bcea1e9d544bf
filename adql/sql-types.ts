/** Typed SQL fragments: what the translator knows about each translated expression (PostgreSQL text, operator
 *  precedence for parenthesisation, value kind, VOTable metadata for result FIELDs, unit for IN_UNIT), and the
 *  mapping between ColumnMeta and those kinds. Pure helpers for to-postgres.ts and translate-expr.ts. */
import type { Binding } from './resolve.js';
import type { Unit } from './units.js';
import { parseUnit } from './units.js';
import type { ColumnMeta, VotableDatatype } from './catalog.js';

export type ValueKind = 'number' | 'string' | 'boolean' | 'geometry' | 'timestamp' | 'null' | 'array' | 'unknown';

/** Operator precedence of emitted SQL (PostgreSQL's order); a child with lower precedence gets parentheses. */
export const PREC = { OR: 1, AND: 2, NOT: 3, CMP: 4, PRED: 5, CONCAT: 6, ADD: 7, MUL: 8, UNARY: 9, ATOM: 100 } as const;

export interface Typed {
  sql: string;
  prec: number;
  kind: ValueKind;
  datatype: VotableDatatype;
  arraysize?: string;
  xtype?: string;
  unit?: string;
  ucd?: string;
  /** Parsed unit, for IN_UNIT through arithmetic. */
  unitValue?: Unit;
  /** Integer-valued (ADQL integer division rule, MOD). */
  isInt: boolean;
  /** PostgreSQL's result type certainly equals `datatype` (no output CAST needed). */
  exact: boolean;
  /** A bare `$n` string parameter (or, with inlineLiterals, an untyped '…' literal) whose type PostgreSQL infers from context. */
  isParam?: boolean;
  /** The expression is exactly this column. */
  binding?: Binding;
  /** The value of a numeric constant expression. */
  constant?: number;
}

/** Wraps `t` in parentheses when its precedence is below `min`. */
export function wrap(t: Pick<Typed, 'sql' | 'prec'>, min: number): string {
  return t.prec < min ? `(${t.sql})` : t.sql;
}

export function typedFromMeta(sql: string, meta: ColumnMeta, binding?: Binding): Typed {
  const base: Typed = {
    sql,
    prec: PREC.ATOM,
    kind: kindOfMeta(meta),
    datatype: meta.datatype,
    arraysize: meta.arraysize,
    xtype: meta.xtype,
    unit: meta.unit,
    ucd: meta.ucd,
    unitValue: meta.unit !== undefined ? parseUnit(meta.unit) : undefined,
    isInt: ['short', 'int', 'long', 'unsignedByte'].includes(meta.datatype) && meta.arraysize === undefined,
    exact: true,
    binding,
  };
  return base;
}

export function kindOfMeta(meta: Pick<ColumnMeta, 'datatype' | 'arraysize' | 'xtype'>): ValueKind {
  if (meta.xtype === 'timestamp') return 'timestamp';
  if (meta.xtype === 'point' || meta.xtype === 'circle' || meta.xtype === 'polygon' || meta.xtype === 'region' || meta.xtype === 'shape') return 'geometry';
  switch (meta.datatype) {
    case 'boolean':
    case 'bit':
      return 'boolean';
    case 'char':
    case 'unicodeChar':
      return 'string';
    default:
      return meta.arraysize === undefined ? 'number' : 'array';
  }
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

/** The wider of two integer datatypes. */
export function widerInt(a: VotableDatatype, b: VotableDatatype): VotableDatatype {
  const rank = (d: VotableDatatype): number => (d === 'long' ? 3 : d === 'int' ? 2 : 1);
  return rank(a) >= rank(b) ? (rank(a) === 1 ? 'int' : a) : b;
}

export function doubleTyped(sql: string, prec: number, extra: Partial<Typed> = {}): Typed {
  return { sql, prec, kind: 'number', datatype: 'double', isInt: false, exact: true, ...extra };
}

export function geometryTyped(sql: string, xtype: 'point' | 'circle' | 'polygon', extra: Partial<Typed> = {}): Typed {
  const arraysize = xtype === 'point' ? '2' : xtype === 'circle' ? '3' : '*';
  return { sql, prec: PREC.ATOM, kind: 'geometry', datatype: 'double', arraysize, xtype, unit: 'deg', isInt: false, exact: true, ...extra };
}

/** Output metadata of a result column. A plain column keeps its own metadata; computed ones get a datatype. */
export function outputMeta(name: string, t: Typed, description: string): ColumnMeta {
  if (t.binding) return { ...t.binding.meta, name };
  const meta: ColumnMeta = { name, datatype: t.datatype, description };
  if (t.kind === 'string' || t.kind === 'null') {
    meta.datatype = 'char';
    meta.arraysize = t.arraysize ?? '*';
  } else if (t.kind === 'timestamp') {
    meta.datatype = 'char';
    meta.arraysize = '*';
    meta.xtype = 'timestamp';
  } else if (t.kind === 'boolean') {
    meta.datatype = 'boolean';
  } else {
    if (t.arraysize !== undefined) meta.arraysize = t.arraysize;
    if (t.xtype !== undefined) meta.xtype = t.xtype;
  }
  if (t.unit) meta.unit = t.unit;
  if (t.ucd) meta.ucd = t.ucd;
  return meta;
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
