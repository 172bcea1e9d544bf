/** BINTABLE column layout (TFORMn/TTYPEn/...) and big-endian column decoding with TSCAL/TZERO/TNULL.
 *  Owns FITS 4.0 §7.3 (binary tables) for the fixed-width types L X B I J K A E D; heap arrays (P, Q) and
 *  complex (C, M) are laid out so other columns decode, but reading them throws UNSUPPORTED_TFORM. */

import { FitsError } from './errors.js';
import type { FitsHeader } from './header.js';

export type TformCode = 'L' | 'X' | 'B' | 'I' | 'J' | 'K' | 'A' | 'E' | 'D' | 'C' | 'M' | 'P' | 'Q';

/** One column's metadata, straight from the header. */
export interface FitsColumn {
  /** FITS column number n (1-based), as in TTYPEn. */
  index: number;
  /** TTYPEn, or `col<n>` when TTYPEn is absent. */
  name: string;
  tform: string;
  code: TformCode;
  /** Element count (for X: number of bits; for A: number of characters). */
  repeat: number;
  /** Bytes per row. */
  width: number;
  /** Byte offset of the field within a row. */
  offset: number;
  unit?: string;
  tscal: number;
  /** bigint only when TZERO is an integer too large for a double (e.g. 2^63 for unsigned 64-bit). */
  tzero: number | bigint;
  tnull?: number | bigint;
  tdim?: string;
}

export type NumericArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** Decoded column values; `repeat` > 1 columns are flat, row-major (row r, element k at r*repeat + k). */
export type ColumnValues =
  | {
      kind: 'number';
      column: FitsColumn;
      values: NumericArray;
      repeat: number;
      /** 1 where the stored value equals TNULL (present only when TNULLn is set). Scaled Float64 output also holds NaN there. */
      nulls?: Uint8Array;
    }
  | { kind: 'bigint'; column: FitsColumn; values: BigInt64Array | BigUint64Array; repeat: number; nulls?: Uint8Array }
  | { kind: 'string'; column: FitsColumn; values: string[] }
  /** 1 = T, 0 = F, -1 = undefined (stored byte 0). */
  | { kind: 'logical'; column: FitsColumn; values: Int8Array; repeat: number }
  /** Raw bit bytes, `bytesPerRow` per row; bit 0 is the most significant bit of the row's first byte. */
  | { kind: 'bits'; column: FitsColumn; values: Uint8Array; nbits: number; bytesPerRow: number };

const ELEMENT_BYTES: Record<Exclude<TformCode, 'X'>, number> = {
  L: 1,
  B: 1,
  I: 2,
  J: 4,
  K: 8,
  A: 1,
  E: 4,
  D: 8,
  C: 8,
  M: 16,
  P: 8,
  Q: 16,
};

const TFORM_RE = /^\s*(\d*)([LXBIJKAEDCMPQ])(.*)$/;

/** Parses a TFORMn value into (repeat, code, width in bytes). */
export function parseTform(tform: string, hdu: number, n: number): { repeat: number; code: TformCode; width: number } {
  const m = TFORM_RE.exec(tform.toUpperCase());
  if (!m) {
    throw new FitsError(
      'BAD_TFORM',
      `HDU ${hdu}: TFORM${n} = '${tform}' is not a binary-table format (expected rT with T one of L X B I J K A E D C M P Q)`,
      { hdu, keyword: `TFORM${n}` },
    );
  }
  const repeat = m[1] === '' ? 1 : Number(m[1]);
  const code = m[2] as TformCode;
  const width = code === 'X' ? Math.ceil(repeat / 8) : repeat * ELEMENT_BYTES[code];
  return { repeat, code, width };
}

/** Reads the column layout of a BINTABLE header and checks it adds up to NAXIS1. */
export function readColumns(header: FitsHeader, hdu: number, rowBytes: number, extname: string): FitsColumn[] {
  const tfields = header.get('TFIELDS');
  if (tfields === undefined) {
    throw new FitsError('MISSING_KEYWORD', `HDU ${hdu} (${extname}): BINTABLE header has no TFIELDS keyword`, { hdu, keyword: 'TFIELDS' });
  }
  if (typeof tfields !== 'number' || !Number.isInteger(tfields) || tfields < 0 || tfields > 999) {
    throw new FitsError('BAD_KEYWORD', `HDU ${hdu} (${extname}): TFIELDS = ${String(tfields)} must be an integer 0..999`, {
      hdu,
      keyword: 'TFIELDS',
    });
  }
  const columns: FitsColumn[] = [];
  let offset = 0;
  for (let n = 1; n <= tfields; n++) {
    const tform = header.get(`TFORM${n}`);
    if (tform === undefined) {
      throw new FitsError('MISSING_KEYWORD', `HDU ${hdu} (${extname}): TFIELDS = ${tfields} but TFORM${n} is missing`, {
        hdu,
        keyword: `TFORM${n}`,
      });
    }
    if (typeof tform !== 'string') {
      throw new FitsError('BAD_TFORM', `HDU ${hdu} (${extname}): TFORM${n} must be a string, got ${String(tform)}`, {
        hdu,
        keyword: `TFORM${n}`,
      });
    }
    const { repeat, code, width } = parseTform(tform, hdu, n);
    const ttype = header.get(`TTYPE${n}`);
    const unit = header.get(`TUNIT${n}`);
    const tdim = header.get(`TDIM${n}`);
    const tscal = header.get(`TSCAL${n}`);
    const tzero = header.get(`TZERO${n}`);
    const tnull = header.get(`TNULL${n}`);
    const name = typeof ttype === 'string' && ttype.trim() !== '' ? ttype.trim() : `col${n}`;
    if (tscal !== undefined && typeof tscal !== 'number' && typeof tscal !== 'bigint') {
      throw new FitsError('BAD_KEYWORD', `HDU ${hdu} (${extname}): TSCAL${n} must be numeric`, { hdu, keyword: `TSCAL${n}`, column: name });
    }
    if (tzero !== undefined && typeof tzero !== 'number' && typeof tzero !== 'bigint') {
      throw new FitsError('BAD_KEYWORD', `HDU ${hdu} (${extname}): TZERO${n} must be numeric`, { hdu, keyword: `TZERO${n}`, column: name });
    }
    if (tnull !== undefined && typeof tnull !== 'number' && typeof tnull !== 'bigint') {
      throw new FitsError('BAD_KEYWORD', `HDU ${hdu} (${extname}): TNULL${n} must be an integer`, { hdu, keyword: `TNULL${n}`, column: name });
    }
    columns.push({
      index: n,
      name,
      tform: tform.trim(),
      code,
      repeat,
      width,
      offset,
      unit: typeof unit === 'string' && unit !== '' ? unit : undefined,
      tscal: tscal === undefined ? 1 : Number(tscal),
      tzero: tzero === undefined ? 0 : tzero,
      tnull: tnull === undefined ? undefined : tnull,
      tdim: typeof tdim === 'string' ? tdim : undefined,
    });
    offset += width;
  }
  if (offset !== rowBytes) {
    const layout = columns.map((c) => `${c.name}:${c.tform}=${c.width}`).join(', ');
    throw new FitsError(
      'ROW_SIZE_MISMATCH',
      `HDU ${hdu} (${extname}): the ${columns.length} columns need ${offset} bytes per row (${layout}) but NAXIS1 = ${rowBytes}; ` +
        'the header is inconsistent, so no column can be located safely',
      { hdu, keyword: 'NAXIS1' },
    );
  }
  return columns;
}

const TWO_63 = 1n << 63n;

function isZero(v: number | bigint): boolean {
  return typeof v === 'bigint' ? v === 0n : v === 0;
}

function equalsNum(v: number | bigint, x: number): boolean {
  return typeof v === 'bigint' ? v === BigInt(x) : v === x;
}

/** A decoded BINTABLE: column metadata plus lazy, cached column decoding. */
export class BinTable {
  readonly nrows: number;
  readonly rowBytes: number;
  readonly columns: readonly FitsColumn[];
  readonly hdu: number;
  readonly extname: string;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly cache = new Map<number, ColumnValues>();

  /** `data` must cover exactly nrows*rowBytes bytes of the main table (heap excluded). */
  constructor(data: Uint8Array, nrows: number, rowBytes: number, columns: readonly FitsColumn[], hdu: number, extname: string) {
    this.bytes = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.nrows = nrows;
    this.rowBytes = rowBytes;
    this.columns = columns;
    this.hdu = hdu;
    this.extname = extname;
  }

  /** Column metadata by name (case-insensitive, first match) or 1-based number. */
  findColumn(name: string | number): FitsColumn | undefined {
    if (typeof name === 'number') return this.columns[name - 1];
    const key = name.trim().toLowerCase();
    return this.columns.find((c) => c.name.toLowerCase() === key);
  }

  hasColumn(name: string): boolean {
    return this.findColumn(name) !== undefined;
  }

  private requireColumn(name: string | number): FitsColumn {
    const col = this.findColumn(name);
    if (!col) {
      const names = this.columns.map((c) => c.name).join(', ');
      throw new FitsError('NO_SUCH_COLUMN', `HDU ${this.hdu} (${this.extname}) has no column "${String(name)}"; columns are: ${names}`, {
        hdu: this.hdu,
        column: String(name),
      });
    }
    return col;
  }

  /** Decoded values of a column (cached). */
  column(name: string | number): ColumnValues {
    const col = this.requireColumn(name);
    const hit = this.cache.get(col.index);
    if (hit) return hit;
    const decoded = this.decode(col);
    this.cache.set(col.index, decoded);
    return decoded;
  }

  /** Any numeric or logical column as physical Float64 values (TSCAL/TZERO applied; TNULL and undefined logicals → NaN). */
  float64(name: string | number): Float64Array {
    const v = this.column(name);
    switch (v.kind) {
      case 'number': {
        if (v.values instanceof Float64Array && !v.nulls) return v.values;
        const out = Float64Array.from(v.values);
        if (v.nulls) for (let i = 0; i < out.length; i++) if (v.nulls[i]) out[i] = Number.NaN;
        return out;
      }
      case 'bigint': {
        const out = new Float64Array(v.values.length);
        for (let i = 0; i < out.length; i++) out[i] = v.nulls?.[i] ? Number.NaN : Number(v.values[i]);
        return out;
      }
      case 'logical': {
        const out = new Float64Array(v.values.length);
        for (let i = 0; i < out.length; i++) out[i] = v.values[i] < 0 ? Number.NaN : v.values[i];
        return out;
      }
      case 'string':
      case 'bits':
        throw new FitsError('NOT_NUMERIC', `HDU ${this.hdu} (${this.extname}): column "${v.column.name}" (TFORM ${v.column.tform}) is not numeric`, {
          hdu: this.hdu,
          column: v.column.name,
        });
    }
  }

  private decode(col: FitsColumn): ColumnValues {
    const n = this.nrows;
    const r = col.repeat;
    const stride = this.rowBytes;
    const view = this.view;
    const count = n * r;
    const hasScale = col.tscal !== 1 || !isZero(col.tzero);
    const tz = Number(col.tzero);
    const ts = col.tscal;
    switch (col.code) {
      case 'A': {
        const values: string[] = new Array<string>(n);
        for (let row = 0; row < n; row++) {
          const base = row * stride + col.offset;
          let s = '';
          for (let k = 0; k < r; k++) {
            const b = this.bytes[base + k];
            if (b === 0) break; // FITS 4.0 §7.3.3.1: an ASCII NUL terminates the string
            s += String.fromCharCode(b);
          }
          values[row] = s.trimEnd();
        }
        return { kind: 'string', column: col, values };
      }
      case 'L': {
        const values = new Int8Array(count);
        for (let row = 0; row < n; row++) {
          const base = row * stride + col.offset;
          for (let k = 0; k < r; k++) {
            const b = this.bytes[base + k];
            values[row * r + k] = b === 0x54 ? 1 : b === 0x46 ? 0 : -1;
          }
        }
        return { kind: 'logical', column: col, values, repeat: r };
      }
      case 'X': {
        const bytesPerRow = col.width;
        const values = new Uint8Array(n * bytesPerRow);
        for (let row = 0; row < n; row++) {
          const base = row * stride + col.offset;
          values.set(this.bytes.subarray(base, base + bytesPerRow), row * bytesPerRow);
        }
        return { kind: 'bits', column: col, values, nbits: r, bytesPerRow };
      }
      case 'B':
      case 'I':
      case 'J': {
        const size = col.code === 'B' ? 1 : col.code === 'I' ? 2 : 4;
        const read =
          col.code === 'B'
            ? (o: number) => view.getUint8(o)
            : col.code === 'I'
              ? (o: number) => view.getInt16(o, false)
              : (o: number) => view.getInt32(o, false);
        const tnull = col.tnull === undefined ? undefined : Number(col.tnull);
        const nulls = tnull === undefined ? undefined : new Uint8Array(count);
        // Unsigned/signed conventions of FITS 4.0 Table 19: a pure offset maps to an exact integer array.
        let values: NumericArray;
        let mode: 'raw' | 'offset' | 'scaled';
        if (!hasScale) {
          values = col.code === 'B' ? new Uint8Array(count) : col.code === 'I' ? new Int16Array(count) : new Int32Array(count);
          mode = 'raw';
        } else if (ts === 1 && col.code === 'B' && equalsNum(col.tzero, -128)) {
          values = new Int8Array(count);
          mode = 'offset';
        } else if (ts === 1 && col.code === 'I' && equalsNum(col.tzero, 32768)) {
          values = new Uint16Array(count);
          mode = 'offset';
        } else if (ts === 1 && col.code === 'J' && equalsNum(col.tzero, 2147483648)) {
          values = new Uint32Array(count);
          mode = 'offset';
        } else {
          values = new Float64Array(count);
          mode = 'scaled';
        }
        for (let row = 0; row < n; row++) {
          const base = row * stride + col.offset;
          for (let k = 0; k < r; k++) {
            const raw = read(base + k * size);
            const i = row * r + k;
            if (nulls && raw === tnull) {
              nulls[i] = 1;
              if (mode === 'scaled') {
                values[i] = Number.NaN;
                continue;
              }
            }
            values[i] = mode === 'raw' ? raw : mode === 'offset' ? raw + tz : raw * ts + tz;
          }
        }
        return { kind: 'number', column: col, values, repeat: r, nulls };
      }
      case 'K': {
        const tnull = col.tnull === undefined ? undefined : BigInt(col.tnull);
        const nulls = tnull === undefined ? undefined : new Uint8Array(count);
        const unsigned = ts === 1 && typeof col.tzero === 'bigint' && col.tzero === TWO_63;
        if (!hasScale || unsigned) {
          const values = unsigned ? new BigUint64Array(count) : new BigInt64Array(count);
          for (let row = 0; row < n; row++) {
            const base = row * stride + col.offset;
            for (let k = 0; k < r; k++) {
              const raw = view.getBigInt64(base + k * 8, false);
              const i = row * r + k;
              if (nulls && raw === tnull) nulls[i] = 1;
              // Adding 2^63 to a two's-complement int64 is flipping its top bit: read it unsigned and flip.
              values[i] = unsigned ? view.getBigUint64(base + k * 8, false) ^ TWO_63 : raw;
            }
          }
          return { kind: 'bigint', column: col, values, repeat: r, nulls };
        }
        const values = new Float64Array(count);
        for (let row = 0; row < n; row++) {
          const base = row * stride + col.offset;
          for (let k = 0; k < r; k++) {
            const raw = view.getBigInt64(base + k * 8, false);
            const i = row * r + k;
            if (nulls && raw === tnull) {
              nulls[i] = 1;
              values[i] = Number.NaN;
            } else {
              values[i] = Number(raw) * ts + tz;
            }
          }
        }
        return { kind: 'number', column: col, values, repeat: r, nulls };
      }
      case 'E':
      case 'D': {
        const values = col.code === 'E' && !hasScale ? new Float32Array(count) : new Float64Array(count);
        const size = col.code === 'E' ? 4 : 8;
        for (let row = 0; row < n; row++) {
          const base = row * stride + col.offset;
          for (let k = 0; k < r; k++) {
            const raw = size === 4 ? view.getFloat32(base + k * 4, false) : view.getFloat64(base + k * 8, false);
            values[row * r + k] = hasScale ? raw * ts + tz : raw;
          }
        }
        return { kind: 'number', column: col, values, repeat: r };
      }
      case 'C':
      case 'M':
      case 'P':
      case 'Q':
        throw new FitsError(
          'UNSUPPORTED_TFORM',
          `HDU ${this.hdu} (${this.extname}): column "${col.name}" has TFORM ${col.tform}; complex and variable-length (heap) ` +
            'columns are not decoded by this reader',
          { hdu: this.hdu, column: col.name, keyword: `TFORM${col.index}` },
        );
    }
  }
}

/** Bit `bit` (0 = most significant bit of the first byte) of row `row` of an X column. */
export function getBit(col: Extract<ColumnValues, { kind: 'bits' }>, row: number, bit: number): boolean {
  if (bit < 0 || bit >= col.nbits) throw new RangeError(`bit ${bit} outside 0..${col.nbits - 1}`);
  const byte = col.values[row * col.bytesPerRow + (bit >> 3)];
  return ((byte >> (7 - (bit & 7))) & 1) === 1;
}
