/** Small constructors that keep the table descriptions one line per column. */
import type { ColumnDef, VotableDatatype } from './types.js';

type Extra = Partial<Omit<ColumnDef, 'name' | 'datatype' | 'unit' | 'ucd' | 'description'>>;

/** A column; empty unit/ucd strings mean "none". Character columns default to variable length ('*'). */
export function col(
  name: string,
  datatype: VotableDatatype,
  unit: string,
  ucd: string,
  description: string,
  extra: Extra = {},
): ColumnDef {
  const c: ColumnDef = { name, datatype, description, ...extra };
  if (unit) c.unit = unit;
  if (ucd) c.ucd = ucd;
  if ((datatype === 'char' || datatype === 'unicodeChar') && c.arraysize === undefined) c.arraysize = '*';
  return c;
}

/** Returns the columns with flags merged in by name; throws on a name that is not there (a typo guard). */
export function withFlags(columns: ColumnDef[], flags: Record<string, Extra>): ColumnDef[] {
  const names = new Set(columns.map((c) => c.name));
  for (const n of Object.keys(flags)) if (!names.has(n)) throw new Error(`withFlags: no column ${n}`);
  return columns.map((c) => (flags[c.name] ? { ...c, ...flags[c.name] } : c));
}

/** The columns sorted by a name list (e.g. the migrations' frozen lists, so metadata order is database order);
 *  columns the list does not name keep their relative order at the end. */
export function inOrder(columns: ReadonlyArray<ColumnDef>, order: ReadonlyArray<string>): ColumnDef[] {
  const rank = new Map(order.map((n, i) => [n, i]));
  const key = (c: ColumnDef) => rank.get(c.name) ?? order.length;
  return columns.map((c, i) => ({ c, i })).sort((a, b) => key(a.c) - key(b.c) || a.i - b.i).map((x) => x.c);
}
