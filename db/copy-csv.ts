/** Encodes rows as PostgreSQL COPY CSV text (NULL = unquoted empty field, arrays as {…} literals). Pure. */
import type { Row } from './types.js';

function arrayLiteral(values: readonly unknown[]): string {
  return `{${values
    .map((v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? numberText(v) : `"${String(v).replace(/["\\]/g, '\\$&')}"`))
    .join(',')}}`;
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n);
}

function quote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export function copyCsvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'number':
      return numberText(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return quote(v);
    default:
      if (v instanceof Date) return v.toISOString();
      if (Array.isArray(v) || ArrayBuffer.isView(v)) return quote(arrayLiteral(Array.from(v as ArrayLike<unknown>)));
      return quote(String(v));
  }
}

export function encodeCopyCsv(rows: ReadonlyArray<Row>): string {
  let out = '';
  for (const r of rows) out += r.map(copyCsvValue).join(',') + '\n';
  return out;
}
