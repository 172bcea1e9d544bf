/** Per-FIELD decoders built once from datatype and arraysize: one for TABLEDATA cell text, one for BINARY /
 *  BINARY2 bytes. They return values in xtap's Row conventions (number, bigint for long, boolean, string,
 *  arrays, null) and apply the FIELD's VALUES null. Spec: VOTable 1.4 §2.1–2.2, §5–6. Pure. */
import type { VotableDatatype } from '../schema/types.js';
import { parseArraysize, type ArrayShape } from './arraysize.js';
import { VotableError } from './errors.js';

/** What a decoder needs to know about a FIELD or PARAM. */
export interface DecodeField {
  name: string;
  datatype: VotableDatatype;
  arraysize?: string;
  /** VALUES null, already parsed for the datatype. */
  nullValue?: number | bigint | string;
}

/** Parses a cell's text (entities already decoded); throws a message string-free VotableError E08/E10. */
export type TextParser = (text: string, row: number) => unknown;

export interface BinaryCursor {
  u8: Uint8Array;
  dv: DataView;
  pos: number;
}
export type BinaryReader = (c: BinaryCursor) => unknown;

const WS = /\s+/;

function fail(field: string, row: number, text: string, what: string): never {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  throw new VotableError('E08', `cannot parse ${JSON.stringify(shown)} as ${what}`, { row, field });
}

function parseFloatText(s: string): number {
  const n = Number(s);
  if (n === n || s === 'NaN') return n;
  switch (s.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      // Fortran exponents (1.0D+03) appear in old VOTables.
      if (/^[+-]?(\d+\.?\d*|\.\d+)[dD][+-]?\d+$/.test(s)) return Number(s.replace(/[dD]/, 'e'));
      return NaN - 1; // still NaN; callers test with isBadFloat
  }
}

function isFloatLiteral(s: string, n: number): boolean {
  return n === n || /^[+-]?nan$/i.test(s);
}

/** Element parser for numbers/booleans (not strings): returns undefined for bad text. */
function elementParser(datatype: VotableDatatype): (s: string) => unknown {
  switch (datatype) {
    case 'double':
    case 'doubleComplex':
      return (s) => {
        const n = parseFloatText(s);
        return isFloatLiteral(s, n) ? n : undefined;
      };
    case 'float':
    case 'floatComplex':
      return (s) => {
        const n = parseFloatText(s);
        return isFloatLiteral(s, n) ? Math.fround(n) : undefined;
      };
    case 'int':
    case 'short':
    case 'unsignedByte':
      return (s) => {
        const n = Number(s);
        return Number.isInteger(n) ? n : undefined;
      };
    case 'long':
      return (s) => {
        if (/^[+-]?[0-9]+$/.test(s)) return BigInt(s);
        if (/^0x[0-9a-f]+$/i.test(s)) return BigInt.asIntN(64, BigInt(s));
        const n = Number(s);
        return Number.isInteger(n) ? BigInt(n) : undefined;
      };
    case 'boolean':
    case 'bit':
      return (s) => {
        switch (s) {
          case 'T':
          case 't':
          case '1':
            return true;
          case 'F':
          case 'f':
          case '0':
            return false;
          case '?':
            return null;
          default: {
            const l = s.toLowerCase();
            return l === 'true' ? true : l === 'false' ? false : undefined;
          }
        }
      };
    case 'char':
    case 'unicodeChar':
      return (s) => s;
  }
}

function isNumericNull(v: unknown, nullValue: number | bigint | string | undefined): boolean {
  if (nullValue === undefined) return false;
  return typeof v === 'bigint' ? typeof nullValue === 'bigint' && v === nullValue : v === nullValue;
}

/** Builds the TABLEDATA parser of a field. Empty cells are null; so are cells equal to VALUES null. */
export function buildTextParser(f: DecodeField): TextParser {
  const shape = parseArraysize(f.arraysize, { field: f.name });
  const { name, datatype, nullValue } = f;
  if (datatype === 'char' || datatype === 'unicodeChar') {
    const nv = nullValue === undefined ? undefined : String(nullValue);
    return (s) => (s === '' || s === nv ? null : s);
  }
  const elem = elementParser(datatype);
  const complex = datatype === 'floatComplex' || datatype === 'doubleComplex';
  if (shape.kind === 'scalar' && !complex) {
    if (datatype === 'boolean' || datatype === 'bit') {
      return (text, row) => {
        const s = text.trim();
        if (s === '') return null;
        const v = elem(s);
        if (v === undefined) fail(name, row, s, datatype);
        return v;
      };
    }
    return (text, row) => {
      const s = text.trim();
      if (s === '') return null;
      const v = elem(s);
      if (v === undefined) {
        // Some writers put NaN in integer cells for null.
        if ((datatype === 'int' || datatype === 'short' || datatype === 'unsignedByte' || datatype === 'long') && /^nan$/i.test(s)) return null;
        fail(name, row, s, datatype);
      }
      return isNumericNull(v, nullValue) ? null : v;
    };
  }
  const scale = complex ? 2 : 1;
  const want = shape.kind === 'scalar' ? 2 : shape.kind === 'fixed' ? shape.count * scale : -1;
  const isBits = datatype === 'bit' || datatype === 'boolean';
  return (text, row) => {
    const s = text.trim();
    if (s === '') return null;
    let parts = s.split(WS);
    // Boolean/bit arrays may be written without separators ("TFT", "0110").
    if (isBits && parts.length === 1 && s.length > 1 && /^[TtFf?01]+$/.test(s)) parts = s.split('');
    if (want >= 0 && parts.length !== want) {
      throw new VotableError('E10', `expected ${want} elements for arraysize "${f.arraysize ?? ''}", found ${parts.length}`, { row, field: name });
    }
    const out: unknown[] = new Array<unknown>(parts.length);
    let nulls = 0;
    for (let i = 0; i < parts.length; i++) {
      const v = elem(parts[i] as string);
      if (v === undefined) fail(name, row, parts[i] as string, `${datatype} array element`);
      if (v === null || v !== v || isNumericNull(v, nullValue)) nulls++;
      out[i] = v;
    }
    // A fixed-size array of null elements (how writers must spell a null one) is null.
    return want >= 0 && nulls === parts.length ? null : out;
  };
}

const utf8 = new TextDecoder('utf-8');

function decodeAscii(u8: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const b = u8[i] as number;
    if (b > 0x7f) return utf8.decode(u8.subarray(start, end));
    s += String.fromCharCode(b);
  }
  return s;
}

function readCount(c: BinaryCursor): number {
  const n = c.dv.getInt32(c.pos);
  c.pos += 4;
  if (n < 0 || n > c.u8.length - c.pos + 4) throw new RangeError(`bad array length ${n}`);
  return n;
}

/** Builds the BINARY/BINARY2 reader of a field. With `inBandNulls` (BINARY, no null mask) a float NaN, an
 *  empty string or variable array, an all-NaN fixed float array and a '?' boolean read as null; VALUES null
 *  applies in both. Out-of-range reads throw RangeError, which the caller turns into E07. */
export function buildBinaryReader(f: DecodeField, inBandNulls: boolean): BinaryReader {
  const shape = parseArraysize(f.arraysize, { field: f.name });
  const { datatype, nullValue } = f;
  switch (datatype) {
    case 'char':
      return charReader(shape, inBandNulls, nullValue === undefined ? undefined : String(nullValue));
    case 'unicodeChar':
      return unicodeReader(shape, inBandNulls, nullValue === undefined ? undefined : String(nullValue));
    case 'bit':
      return bitReader(shape);
    default:
      break;
  }
  const [size, read] = numericElement(datatype);
  const complex = datatype === 'floatComplex' || datatype === 'doubleComplex';
  const isFloat = datatype === 'float' || datatype === 'double' || complex;
  if (shape.kind === 'scalar' && !complex) {
    if (datatype === 'boolean') {
      return (c) => {
        const b = c.u8[c.pos++] as number;
        return b === 0x54 || b === 0x74 || b === 0x31 ? true : b === 0x46 || b === 0x66 || b === 0x30 ? false : null;
      };
    }
    if (isFloat) {
      return (c) => {
        const v = read(c.dv, c.pos);
        c.pos += size;
        return inBandNulls && v !== v ? null : v;
      };
    }
    return (c) => {
      const v = read(c.dv, c.pos);
      c.pos += size;
      return isNumericNull(v, nullValue) ? null : v;
    };
  }
  const scale = complex ? 2 : 1;
  const fixed = shape.kind === 'scalar' ? 2 : shape.kind === 'fixed' ? shape.count * scale : -1;
  const readElems = (c: BinaryCursor, n: number): unknown[] => {
    if (c.pos + n * size > c.u8.length) throw new RangeError('array beyond end of stream');
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++, c.pos += size) out[i] = read(c.dv, c.pos);
    return out;
  };
  if (fixed >= 0) {
    // BINARY has no null flag: a fixed array whose elements are all null (NaN, VALUES null, '?') is null.
    const isElemNull = isFloat ? (x: unknown) => x !== x : datatype === 'boolean' ? (x: unknown) => x === null : (x: unknown) => isNumericNull(x, nullValue);
    return (c) => {
      const a = readElems(c, fixed);
      if (inBandNulls && a.length > 0 && a.every(isElemNull)) return null;
      return a;
    };
  }
  return (c) => {
    const n = readCount(c) * scale;
    if (n === 0 && inBandNulls) return null;
    return readElems(c, n);
  };
}

function numericElement(datatype: VotableDatatype): [number, (dv: DataView, p: number) => unknown] {
  switch (datatype) {
    case 'double':
    case 'doubleComplex':
      return [8, (dv, p) => dv.getFloat64(p)];
    case 'float':
    case 'floatComplex':
      return [4, (dv, p) => dv.getFloat32(p)];
    case 'int':
      return [4, (dv, p) => dv.getInt32(p)];
    case 'short':
      return [2, (dv, p) => dv.getInt16(p)];
    case 'unsignedByte':
      return [1, (dv, p) => dv.getUint8(p)];
    case 'long':
      return [8, (dv, p) => dv.getBigInt64(p)];
    case 'boolean':
      return [
        1,
        (dv, p) => {
          const b = dv.getUint8(p);
          return b === 0x54 || b === 0x74 || b === 0x31 ? true : b === 0x46 || b === 0x66 || b === 0x30 ? false : null;
        },
      ];
    default:
      throw new Error(`numericElement: ${datatype}`);
  }
}

function charReader(shape: ArrayShape, inBandNulls: boolean, nv: string | undefined): BinaryReader {
  const finish = (s: string): string | null => (s === nv || (inBandNulls && s === '') ? null : s);
  if (shape.kind !== 'variable') {
    const n = shape.kind === 'scalar' ? 1 : shape.count;
    return (c) => {
      const start = c.pos;
      if (start + n > c.u8.length) throw new RangeError('string beyond end of stream');
      c.pos += n;
      let end = start + n;
      while (end > start && c.u8[end - 1] === 0) end--; // NUL padding
      // A NUL inside ends the string, as C writers intend.
      const nul = c.u8.subarray(start, end).indexOf(0);
      if (nul >= 0) end = start + nul;
      return finish(decodeAscii(c.u8, start, end));
    };
  }
  return (c) => {
    const n = readCount(c);
    const start = c.pos;
    if (start + n > c.u8.length) throw new RangeError('string beyond end of stream');
    c.pos += n;
    return finish(decodeAscii(c.u8, start, start + n));
  };
}

function unicodeReader(shape: ArrayShape, inBandNulls: boolean, nv: string | undefined): BinaryReader {
  const units = (c: BinaryCursor, n: number): string => {
    if (c.pos + 2 * n > c.u8.length) throw new RangeError('string beyond end of stream');
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(c.dv.getUint16(c.pos + 2 * i));
    c.pos += 2 * n;
    return s;
  };
  const finish = (s: string): string | null => (s === nv || (inBandNulls && s === '') ? null : s);
  if (shape.kind !== 'variable') {
    const n = shape.kind === 'scalar' ? 1 : shape.count;
    return (c) => finish(units(c, n).replace(/\u0000+$/, ''));
  }
  return (c) => finish(units(c, readCount(c)));
}

function bitReader(shape: ArrayShape): BinaryReader {
  const unpack = (c: BinaryCursor, n: number): boolean[] => {
    const bytes = (n + 7) >> 3;
    if (c.pos + bytes > c.u8.length) throw new RangeError('bits beyond end of stream');
    const out: boolean[] = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = ((c.u8[c.pos + (i >> 3)] as number) & (0x80 >> (i & 7))) !== 0;
    c.pos += bytes;
    return out;
  };
  if (shape.kind === 'scalar') return (c) => unpack(c, 1)[0];
  if (shape.kind === 'fixed') return (c) => unpack(c, shape.count);
  return (c) => unpack(c, readCount(c));
}
