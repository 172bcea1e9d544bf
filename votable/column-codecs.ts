/** Per-column value encoders, built once from a FIELD's datatype and arraysize (astropy's Converter, DaCHS's
 *  buildEncoder): a text formatter (TABLEDATA, CSV, TSV) and a big-endian binary writer (BINARY, BINARY2).
 *  The per-value path never looks at metadata again. Spec: VOTable 1.4 §2.1 (datatypes), §2.2 (arraysize),
 *  §5.4–5.5 (binary layouts), §6 (nulls); DALI 1.1 §3.3 (xtype serializations). Pure. */
import type { ColumnMeta, VotableDatatype } from '../schema/types.js';
import { parseArraysize, type ArrayShape } from './arraysize.js';

/** A result column as the encoders take it: published metadata plus an optional integer null sentinel. */
export type EncoderColumn = ColumnMeta & { nullValue?: number | bigint };

/** How scalar values are spelled in a text serialization. */
export interface TextDialect {
  /** Applied to string content (XML escaping for TABLEDATA; identity for CSV/TSV, which quote later). */
  escape: (s: string) => string;
  nan: string;
  posInf: string;
  negInf: string;
  trueText: string;
  falseText: string;
}

/** Formats a non-null value; the caller writes nulls. */
export type TextFormatter = (v: unknown) => string;

/** Writes a non-null value at pos and returns the new position. The caller has reserved enough room. */
export type BinaryWriter = (u8: Uint8Array, dv: DataView, pos: number, v: unknown) => number;
export type BinaryNullWriter = (u8: Uint8Array, dv: DataView, pos: number) => number;

export interface BinaryColumnCodec {
  /** Bytes of a fixed-size value (also of its null); -1 when the value carries a length prefix. */
  fixedBytes: number;
  /** Upper bound on the bytes `write` uses for a non-null value (variable-size columns only). */
  maxBytes: (v: unknown) => number;
  write: BinaryWriter;
  writeNull: BinaryNullWriter;
}

const INT_NULL_DEFAULT: Readonly<Record<string, number | bigint>> = {
  unsignedByte: 255,
  short: -32768,
  int: -2147483648,
  long: -9223372036854775808n,
};

/** True for the integer datatypes that need a VALUES null sentinel to express a null in BINARY. */
export function isIntegerDatatype(d: VotableDatatype): boolean {
  return d === 'unsignedByte' || d === 'short' || d === 'int' || d === 'long';
}

/** The sentinel STILTS and astropy would pick for an integer column without one (type minimum; 255 for bytes). */
export function defaultIntegerNull(d: VotableDatatype): number | bigint | undefined {
  return INT_NULL_DEFAULT[d];
}

// ---------------------------------------------------------------------------------------------- coercions

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function toBigInt(v: unknown, fallback: bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^\s*[-+]?[0-9]+\s*$/.test(v)) return BigInt(v.trim());
  const n = Number(v);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : fallback;
}

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return /^(t|true|1|y|yes)$/i.test(v.trim());
  return Boolean(v);
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  // DALI timestamp: ISO 8601 without zone for UTC.
  if (v instanceof Date) return v.toISOString().replace(/Z$/, '');
  return String(v);
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

/** Elements of an array value; a scalar is treated as a one-element array. */
function elements(v: unknown): ArrayLike<unknown> {
  return isArrayLike(v) ? v : [v];
}

// ------------------------------------------------------------------------------------------------- text

/** Builds the text formatter of a column for the given dialect; `nullValue` is the integer sentinel written
 *  for null elements of integer arrays (default: the column's declared one, else 0). */
export function buildTextFormatter(col: EncoderColumn, dialect: TextDialect, nullValue: number | bigint | undefined = col.nullValue): TextFormatter {
  const shape = parseArraysize(col.arraysize, { field: col.name });
  const { escape } = dialect;
  switch (col.datatype) {
    case 'char':
    case 'unicodeChar': {
      const limit = shape.kind === 'scalar' ? 1 : shape.count;
      if (limit === Infinity) return (v) => escape(toText(v));
      return (v) => {
        const s = toText(v);
        return escape(s.length > limit ? s.slice(0, limit) : s);
      };
    }
    default: {
      const elem = textElementFormatter(col, dialect);
      if (shape.kind === 'scalar') {
        if (col.datatype === 'floatComplex' || col.datatype === 'doubleComplex') return arrayText(elem, { kind: 'fixed', count: 2, unit: 2 }, nullElementText(col, dialect, nullValue));
        return elem;
      }
      const scale = col.datatype === 'floatComplex' || col.datatype === 'doubleComplex' ? 2 : 1;
      const scaled: ArrayShape = { kind: shape.kind, count: shape.count * scale, unit: shape.unit * scale };
      return arrayText(elem, scaled, nullElementText(col, dialect, nullValue));
    }
  }
}

function nullElementText(col: EncoderColumn, dialect: TextDialect, nullValue: number | bigint | undefined): string {
  switch (col.datatype) {
    case 'float':
    case 'double':
    case 'floatComplex':
    case 'doubleComplex':
      return dialect.nan;
    case 'boolean':
      return '?';
    case 'bit':
      return '0';
    default:
      return String(nullValue ?? 0);
  }
}

/** Text written for a null value: empty, except for fixed-size numeric and boolean arrays (and complex
 *  scalars), which get one null element per slot (NaN, the VALUES null sentinel, '?'), because votlint
 *  rejects an empty TD where a fixed number of elements is declared. */
export function buildTextNull(col: EncoderColumn, dialect: TextDialect, nullValue: number | bigint | undefined): string {
  if (col.datatype === 'char' || col.datatype === 'unicodeChar' || col.datatype === 'bit') return '';
  const shape = parseArraysize(col.arraysize, { field: col.name });
  const complex = col.datatype === 'floatComplex' || col.datatype === 'doubleComplex';
  const n = shape.kind === 'fixed' ? shape.count * (complex ? 2 : 1) : shape.kind === 'scalar' && complex ? 2 : 0;
  return n === 0 ? '' : new Array<string>(n).fill(nullElementText(col, dialect, nullValue)).join(' ');
}

/** True when a column's values are fixed-size arrays (or complex numbers), whose nulls are written element-wise. */
export function isFixedArrayColumn(col: EncoderColumn): boolean {
  return parseArraysize(col.arraysize, { field: col.name }).kind === 'fixed';
}

function arrayText(elem: TextFormatter, shape: ArrayShape, nullText: string): TextFormatter {
  const { kind, count, unit } = shape;
  return (v) => {
    const a = elements(v);
    let n = a.length;
    if (kind === 'fixed') n = count;
    else {
      if (n > count) n = count;
      if (unit > 1 && n % unit !== 0) n = Math.min(count, Math.ceil(n / unit) * unit);
    }
    let s = '';
    for (let i = 0; i < n; i++) {
      const x = i < a.length ? a[i] : null;
      if (i > 0) s += ' ';
      s += x === null || x === undefined ? nullText : elem(x);
    }
    return s;
  };
}

function textElementFormatter(col: EncoderColumn, d: TextDialect): TextFormatter {
  switch (col.datatype) {
    case 'double':
    case 'float':
    case 'doubleComplex':
    case 'floatComplex': {
      const { nan, posInf, negInf } = d;
      return (v) => {
        const x = toNumber(v);
        if (x !== x) return nan;
        if (x === Infinity) return posInf;
        if (x === -Infinity) return negInf;
        if (x === 0 && 1 / x < 0) return '-0';
        return String(x);
      };
    }
    case 'int':
      return (v) => String(toNumber(v) | 0);
    case 'short':
      return (v) => String((toNumber(v) << 16) >> 16);
    case 'unsignedByte':
      return (v) => String(toNumber(v) & 0xff);
    case 'long':
      return (v) => (typeof v === 'bigint' ? String(v) : String(BigInt.asIntN(64, toBigInt(v, 0n))));
    case 'boolean': {
      const { trueText, falseText } = d;
      return (v) => (toBool(v) ? trueText : falseText);
    }
    case 'bit':
      return (v) => (toBool(v) ? '1' : '0');
    case 'char':
    case 'unicodeChar':
      return (v) => d.escape(toText(v));
  }
}

// ----------------------------------------------------------------------------------------------- binary

interface ElementCodec {
  size: number;
  write: (u8: Uint8Array, dv: DataView, pos: number, v: unknown) => void;
  writeNull: (u8: Uint8Array, dv: DataView, pos: number) => void;
}

function elementCodec(col: EncoderColumn, nullValue: number | bigint | undefined): ElementCodec {
  switch (col.datatype) {
    case 'double':
    case 'doubleComplex':
      return {
        size: 8,
        write: (_u8, dv, p, v) => dv.setFloat64(p, toNumber(v)),
        writeNull: (_u8, dv, p) => dv.setFloat64(p, NaN),
      };
    case 'float':
    case 'floatComplex':
      return {
        size: 4,
        write: (_u8, dv, p, v) => dv.setFloat32(p, toNumber(v)),
        writeNull: (_u8, dv, p) => dv.setFloat32(p, NaN),
      };
    case 'int': {
      const nv = Number(nullValue ?? 0);
      return {
        size: 4,
        write: (_u8, dv, p, v) => dv.setInt32(p, toNumber(v)),
        writeNull: (_u8, dv, p) => dv.setInt32(p, nv),
      };
    }
    case 'short': {
      const nv = Number(nullValue ?? 0);
      return {
        size: 2,
        write: (_u8, dv, p, v) => dv.setInt16(p, toNumber(v)),
        writeNull: (_u8, dv, p) => dv.setInt16(p, nv),
      };
    }
    case 'unsignedByte': {
      const nv = Number(nullValue ?? 0);
      return {
        size: 1,
        write: (u8, _dv, p, v) => {
          u8[p] = toNumber(v);
        },
        writeNull: (u8, _dv, p) => {
          u8[p] = nv;
        },
      };
    }
    case 'long': {
      const nv = BigInt(nullValue ?? 0);
      return {
        size: 8,
        write: (_u8, dv, p, v) => dv.setBigInt64(p, typeof v === 'bigint' ? v : toBigInt(v, nv)),
        writeNull: (_u8, dv, p) => dv.setBigInt64(p, nv),
      };
    }
    case 'boolean':
      return {
        size: 1,
        write: (u8, _dv, p, v) => {
          u8[p] = toBool(v) ? 0x54 : 0x46; // 'T' / 'F'
        },
        writeNull: (u8, _dv, p) => {
          u8[p] = 0x3f; // '?'
        },
      };
    case 'bit':
    case 'char':
    case 'unicodeChar':
      throw new Error(`elementCodec: ${col.datatype} is not an element type`); // handled by the callers
  }
}

/** Builds the binary codec of a column. `nullValue` is the sentinel written for null integers (declared or
 *  the BINARY default); floats write NaN, booleans '?', strings and variable arrays length 0. */
export function buildBinaryCodec(col: EncoderColumn, nullValue: number | bigint | undefined): BinaryColumnCodec {
  const shape = parseArraysize(col.arraysize, { field: col.name });
  switch (col.datatype) {
    case 'char':
      return charCodec(shape);
    case 'unicodeChar':
      return unicodeCodec(shape);
    case 'bit':
      return bitCodec(shape);
    default: {
      const el = elementCodec(col, nullValue);
      const complex = col.datatype === 'floatComplex' || col.datatype === 'doubleComplex';
      if (shape.kind === 'scalar' && !complex) {
        const { size, write, writeNull } = el;
        return {
          fixedBytes: size,
          maxBytes: () => size,
          write: (u8, dv, p, v) => {
            write(u8, dv, p, v);
            return p + size;
          },
          writeNull: (u8, dv, p) => {
            writeNull(u8, dv, p);
            return p + size;
          },
        };
      }
      const scale = complex ? 2 : 1;
      const s: ArrayShape = shape.kind === 'scalar' ? { kind: 'fixed', count: 2, unit: 2 } : { kind: shape.kind, count: shape.count * scale, unit: shape.unit * scale };
      return numericArrayCodec(el, s);
    }
  }
}

function numericArrayCodec(el: ElementCodec, shape: ArrayShape): BinaryColumnCodec {
  const { size, write, writeNull } = el;
  const { count, unit } = shape;
  if (shape.kind === 'fixed') {
    const bytes = count * size;
    return {
      fixedBytes: bytes,
      maxBytes: () => bytes,
      write: (u8, dv, p, v) => {
        const a = elements(v);
        for (let i = 0; i < count; i++, p += size) {
          const x = i < a.length ? a[i] : null;
          if (x === null || x === undefined) writeNull(u8, dv, p);
          else write(u8, dv, p, x);
        }
        return p;
      },
      writeNull: (u8, dv, p) => {
        for (let i = 0; i < count; i++, p += size) writeNull(u8, dv, p);
        return p;
      },
    };
  }
  const lengthOf = (a: ArrayLike<unknown>): number => {
    let n = a.length > count ? count : a.length;
    if (unit > 1 && n % unit !== 0) n = Math.min(count, Math.ceil(n / unit) * unit);
    return n;
  };
  return {
    fixedBytes: -1,
    maxBytes: (v) => 4 + lengthOf(elements(v)) * size,
    write: (u8, dv, p, v) => {
      const a = elements(v);
      const n = lengthOf(a);
      dv.setInt32(p, n);
      p += 4;
      for (let i = 0; i < n; i++, p += size) {
        const x = i < a.length ? a[i] : null;
        if (x === null || x === undefined) writeNull(u8, dv, p);
        else write(u8, dv, p, x);
      }
      return p;
    },
    writeNull: (_u8, dv, p) => {
      dv.setInt32(p, 0);
      return p + 4;
    },
  };
}

const utf8 = new TextEncoder();

/** Writes s as UTF-8 into u8[p, p+limit) (whole characters only) and returns the bytes written. */
function writeUtf8(u8: Uint8Array, p: number, s: string, limit: number): number {
  const n = s.length < limit ? s.length : limit;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) break;
    u8[p + i] = c;
  }
  if (i === s.length || i === limit) return i;
  // Non-ASCII: VOTable 1.5 lets char carry UTF-8 (arraysize counts bytes).
  const r = utf8.encodeInto(s.slice(i), u8.subarray(p + i, p + limit));
  return i + r.written;
}

function charCodec(shape: ArrayShape): BinaryColumnCodec {
  if (shape.kind !== 'variable') {
    const n = shape.kind === 'scalar' ? 1 : shape.count;
    return {
      fixedBytes: n,
      maxBytes: () => n,
      write: (u8, _dv, p, v) => {
        const w = writeUtf8(u8, p, toText(v), n);
        u8.fill(0, p + w, p + n); // NUL padding (VOTable §5.3)
        return p + n;
      },
      writeNull: (u8, _dv, p) => {
        u8.fill(0, p, p + n);
        return p + n;
      },
    };
  }
  const max = shape.count;
  return {
    fixedBytes: -1,
    maxBytes: (v) => 4 + Math.min(max, 3 * toText(v).length),
    write: (u8, dv, p, v) => {
      const s = toText(v);
      const w = writeUtf8(u8, p + 4, s, Math.min(max, 3 * s.length));
      dv.setInt32(p, w);
      return p + 4 + w;
    },
    writeNull: (_u8, dv, p) => {
      dv.setInt32(p, 0);
      return p + 4;
    },
  };
}

function unicodeCodec(shape: ArrayShape): BinaryColumnCodec {
  const writeUnits = (dv: DataView, p: number, s: string, n: number): void => {
    for (let i = 0; i < n; i++) dv.setUint16(p + 2 * i, s.charCodeAt(i));
  };
  if (shape.kind !== 'variable') {
    const n = shape.kind === 'scalar' ? 1 : shape.count;
    return {
      fixedBytes: 2 * n,
      maxBytes: () => 2 * n,
      write: (u8, dv, p, v) => {
        const s = toText(v);
        const k = s.length < n ? s.length : n;
        writeUnits(dv, p, s, k);
        u8.fill(0, p + 2 * k, p + 2 * n);
        return p + 2 * n;
      },
      writeNull: (u8, _dv, p) => {
        u8.fill(0, p, p + 2 * n);
        return p + 2 * n;
      },
    };
  }
  const max = shape.count;
  return {
    fixedBytes: -1,
    maxBytes: (v) => 4 + 2 * Math.min(max, toText(v).length),
    write: (_u8, dv, p, v) => {
      const s = toText(v);
      const k = s.length < max ? s.length : max;
      dv.setInt32(p, k);
      writeUnits(dv, p + 4, s, k);
      return p + 4 + 2 * k;
    },
    writeNull: (_u8, dv, p) => {
      dv.setInt32(p, 0);
      return p + 4;
    },
  };
}

function bitCodec(shape: ArrayShape): BinaryColumnCodec {
  const pack = (u8: Uint8Array, p: number, a: ArrayLike<unknown>, n: number): number => {
    const bytes = (n + 7) >> 3;
    u8.fill(0, p, p + bytes);
    for (let i = 0; i < n; i++) if (i < a.length && toBool(a[i])) u8[p + (i >> 3)] = (u8[p + (i >> 3)] as number) | (0x80 >> (i & 7));
    return p + bytes;
  };
  if (shape.kind !== 'variable') {
    const n = shape.kind === 'scalar' ? 1 : shape.count;
    const bytes = (n + 7) >> 3;
    return {
      fixedBytes: bytes,
      maxBytes: () => bytes,
      write: (u8, _dv, p, v) => pack(u8, p, elements(v), n),
      writeNull: (u8, _dv, p) => {
        u8.fill(0, p, p + bytes);
        return p + bytes;
      },
    };
  }
  const max = shape.count;
  return {
    fixedBytes: -1,
    maxBytes: (v) => 4 + ((Math.min(max, elements(v).length) + 7) >> 3),
    write: (u8, dv, p, v) => {
      const a = elements(v);
      const n = Math.min(max, a.length);
      dv.setInt32(p, n);
      return pack(u8, p + 4, a, n);
    },
    writeNull: (_u8, dv, p) => {
      dv.setInt32(p, 0);
      return p + 4;
    },
  };
}
