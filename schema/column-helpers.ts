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
