/** Type inference helpers of the resolve pass: ExprType from column metadata, the numeric/geometry shapes, the
 *  output metadata of result columns, unit labels of arithmetic, and the type and coordinate-range errors. */
import { AdqlError } from '../errors.js';
import type { Span } from '../errors.js';
import type { ColumnMeta, VotableDatatype } from '../catalog.js';
import type { Binding, ExprType, ValueKind } from '../resolved.js';
import { parseUnit } from '../units.js';

export function typeFromMeta(meta: ColumnMeta, binding?: Binding): ExprType {
  return {
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

/** The wider of two integer datatypes. */
export function widerInt(a: VotableDatatype, b: VotableDatatype): VotableDatatype {
  const rank = (d: VotableDatatype): number => (d === 'long' ? 3 : d === 'int' ? 2 : 1);
  return rank(a) >= rank(b) ? (rank(a) === 1 ? 'int' : a) : b;
}

export function doubleType(extra: Partial<ExprType> = {}): ExprType {
  return { kind: 'number', datatype: 'double', isInt: false, exact: true, ...extra };
}

export function geometryType(xtype: 'point' | 'circle' | 'polygon', extra: Partial<ExprType> = {}): ExprType {
  const arraysize = xtype === 'point' ? '2' : xtype === 'circle' ? '3' : '*';
  return { kind: 'geometry', datatype: 'double', arraysize, xtype, unit: 'deg', isInt: false, exact: true, ...extra };
}

export const BOOLEAN: ExprType = { kind: 'boolean', datatype: 'boolean', isInt: false, exact: true };
export const STRING: ExprType = { kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true };

/** Output metadata of a result column. A plain column keeps its own metadata; computed ones get a datatype. */
export function outputMeta(name: string, t: ExprType, description: string): ColumnMeta {
  if (t.binding) {
    // A catalogue column under its own name is its catalogue metadata itself (frozen, see scope.ts tableColumns).
    const m = t.binding.meta;
    return m.name === name && Object.isFrozen(m) ? m : { ...m, name };
  }
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

export function typeError(message: string, span: Span, hint?: string): AdqlError {
  return new AdqlError('TYPE_MISMATCH', message, span, { hint });
}

export function describeKind(t: ExprType): string {
  if (t.kind === 'geometry') return `a ${t.xtype ?? 'geometry'}`;
  if (t.kind === 'string') return 'a character value';
  if (t.kind === 'number') return 'a number';
  if (t.kind === 'boolean') return 'a boolean';
  if (t.kind === 'timestamp') return 'a timestamp';
  if (t.kind === 'array') return 'an array';
  return t.kind;
}

/** ADQL §4.2.4: longitudes in [0, 360], latitudes in [-90, 90] (checked for constants). */
export function checkCoordinate(v: number, what: 'lon' | 'lat', span: Span): void {
  if (what === 'lon' ? v < 0 || v > 360 : v < -90 || v > 90) {
    throw new AdqlError('COORDINATE_RANGE', `${what === 'lon' ? 'longitude' : 'latitude'} ${v} is outside ${what === 'lon' ? '[0, 360]' : '[-90, 90]'} degrees`, span);
  }
}

/** The unit label (FIELD unit) of `l op r`, following ADQL arithmetic: a sum or difference of operands in the same
 *  unit (or of one operand and a plain number) keeps it; a product or quotient has a unit only when it is exactly
 *  derivable from the labels (u * u = u**2 for a plain symbol u). Scaling by a number gives no label: DISTANCE(...)*60
 *  is a distance in arcminutes, not in deg, and flux/1000 is not in the flux's unit, so no label beats a wrong one.
 *  (`unitValue`, the dimensional analysis behind IN_UNIT, is tracked separately.) */
export function arithmeticUnitLabel(op: string, l: Pick<ExprType, 'unit' | 'constant'>, r: Pick<ExprType, 'unit' | 'constant'>): string | undefined {
  if (op === '+' || op === '-') {
    if (l.unit === r.unit) return l.unit;
    if (l.constant !== undefined && !l.unit) return r.unit;
    if (r.constant !== undefined && !r.unit) return l.unit;
    return undefined;
  }
  if (op === '*' && l.unit !== undefined && l.unit === r.unit && /^[A-Za-z]+$/.test(l.unit)) return `${l.unit}**2`;
  return undefined;
}
