/** Converts and validates one input value against a column's metadata: CSC CLI text (padded, sexagesimal
 *  positions, TRUE/False booleans, blank = null) or typed VOTable values. Pure. */
import type { ColumnDef } from '../../schema/index.js';

export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const SEXAGESIMAL = /^([+-]?)(\d{1,3})[\s:]+(\d{1,2})[\s:]+(\d{1,2}(?:\.\d*)?)$/;

/** Parses "11 05 07.45" / "-58:51:05.47" into degrees; RA-like columns are in hours. */
export function parseSexagesimal(text: string, isHours: boolean): number | undefined {
  const m = SEXAGESIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, a, b, c] = m;
  const minutes = Number(b);
  const seconds = Number(c);
  if (minutes >= 60 || seconds >= 60) throw new ValueError(`"${text}" is not a valid sexagesimal value (minutes and seconds must be < 60)`);
  const v = Number(a) + minutes / 60 + seconds / 3600;
  return (sign === '-' ? -1 : 1) * v * (isHours ? 15 : 1);
}

function isRaColumn(c: ColumnDef): boolean {
  return c.ucd?.startsWith('pos.eq.ra') === true || c.unit === 'deg' && /^ra(_|$)/.test(c.name);
}

function parseNumber(text: string, c: ColumnDef): number {
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (c.unit === 'deg') {
    const sex = parseSexagesimal(text, isRaColumn(c));
    if (sex !== undefined) return sex;
  }
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new ValueError(`"${text}" is not a number`);
  return n;
}

function parseBoolean(text: string): boolean {
  switch (text.toLowerCase()) {
    case 'true':
    case 't':
    case '1':
      return true;
    case 'false':
    case 'f':
    case '0':
      return false;
    default:
      throw new ValueError(`"${text}" is not a boolean (expected TRUE/FALSE, T/F or 1/0)`);
  }
}

const INT_LIMITS: Partial<Record<ColumnDef['datatype'], [number, number]>> = {
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  unsignedByte: [0, 255],
};

function toInteger(n: number | bigint, c: ColumnDef): number | bigint {
  if (c.datatype === 'long') {
    if (typeof n === 'bigint') return n;
    if (!Number.isInteger(n)) throw new ValueError(`${n} is not an integer`);
    return BigInt(n);
  }
  const v = typeof n === 'bigint' ? Number(n) : n;
  if (!Number.isInteger(v)) throw new ValueError(`${v} is not an integer`);
  const lim = INT_LIMITS[c.datatype];
  if (lim && (v < lim[0] || v > lim[1])) throw new ValueError(`${v} is outside the ${c.datatype} range [${lim[0]}, ${lim[1]}]`);
  return v;
}

/** Returns the stored value (null for blank/sentinel), or throws ValueError with a human message. */
export function convertValue(raw: unknown, c: ColumnDef): unknown {
  if (raw === null || raw === undefined) return checkRequired(null, c);
  let v: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return checkRequired(null, c);
    switch (c.datatype) {
      case 'double':
      case 'float':
        v = parseNumber(text, c);
        break;
      case 'short':
      case 'int':
      case 'long':
      case 'unsignedByte': {
        if (!/^[+-]?\d+(\.0*)?$/.test(text)) throw new ValueError(`"${text}" is not an integer`);
        v = c.datatype === 'long' ? BigInt(text.replace(/\.0*$/, '')) : toInteger(Number(text), c);
        break;
      }
      case 'boolean':
      case 'bit':
        v = parseBoolean(text);
        break;
      default:
        v = text;
    }
  } else {
    switch (c.datatype) {
      case 'double':
      case 'float':
        if (typeof raw === 'bigint') v = Number(raw);
        else if (typeof raw !== 'number') throw new ValueError(`${String(raw)} is not a number`);
        break;
      case 'short':
      case 'int':
      case 'long':
      case 'unsignedByte':
        if (typeof raw !== 'number' && typeof raw !== 'bigint') throw new ValueError(`${String(raw)} is not an integer`);
        v = toInteger(raw, c);
        break;
      case 'boolean':
      case 'bit':
        if (typeof raw === 'number') v = parseBoolean(String(raw));
        else if (typeof raw !== 'boolean') throw new ValueError(`${String(raw)} is not a boolean`);
        break;
      default:
        v = String(raw);
    }
  }
  if (typeof v === 'string' && v.includes('\u0000')) {
    throw new ValueError(`the value contains a NUL byte (U+0000) at character ${v.indexOf('\u0000') + 1}; PostgreSQL text cannot store it`);
  }
  if (c.nullValue !== undefined && (v === c.nullValue || v === BigInt(c.nullValue))) return checkRequired(null, c);
  if (c.range && typeof v === 'number' && !Number.isNaN(v) && (v < c.range[0] || v > c.range[1])) {
    throw new ValueError(`${v} is outside the valid range [${c.range[0]}, ${c.range[1]}]`);
  }
  return v;
}

function checkRequired(v: null, c: ColumnDef): null {
  if (c.required) throw new ValueError('a value is required');
  return v;
}

const PLAIN_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const PLAIN_INTEGER = /^[+-]?\d+$/;

/** A column's value ready for COPY: the input text itself when it is a plain decimal/integer that passes the same
 *  checks as convertValue (no number→text round trip), else convertValue's result. Same errors as convertValue. */
export type CopyValueConverter = (raw: unknown) => unknown;

export function copyValueConverter(c: ColumnDef): CopyValueConverter {
  const general = (raw: unknown) => convertValue(raw, c);
  if (c.nullValue !== undefined) return general;
  const isFloat = c.datatype === 'double' || c.datatype === 'float';
  const isInt = c.datatype === 'short' || c.datatype === 'int' || c.datatype === 'unsignedByte';
  const isLong = c.datatype === 'long';
  if (!isFloat && !isInt && !isLong) return general;
  const range = c.range;
  const lim = INT_LIMITS[c.datatype];
  return (raw: unknown) => {
    if (typeof raw !== 'string') return general(raw);
    const text = raw.length && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32) ? raw.trim() : raw;
    if (isLong) return text !== '' && PLAIN_INTEGER.test(text) ? text : general(raw);
    if (!(isFloat ? PLAIN_DECIMAL : PLAIN_INTEGER).test(text)) return general(raw);
    const n = Number(text);
    if (range && (n < range[0] || n > range[1])) return general(raw);
    if (lim && (n < lim[0] || n > lim[1])) return general(raw);
    // "-0.000" is stored as 0, as the number path stores it (String(-0) is "0")
    return n === 0 ? 0 : text;
  };
}
