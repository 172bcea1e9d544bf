/** Column-wise validation of scanned CSV batches (readers/csv-scan.ts) into PostgreSQL COPY CSV bytes, for the
 *  direct load path. Each target column is checked as one vector over the batch's byte ranges: a value in the
 *  common form — a plain decimal or integer inside the column's limits, a TRUE/FALSE-style boolean, ASCII text
 *  without edge blanks — is accepted on its bytes and copied to the COPY text unchanged (numbers are never turned
 *  into text again); anything else (blanks to trim, NaN/Infinity, sexagesimal positions, non-ASCII text, null
 *  sentinels, bad values) goes through convertValue, the staging path's own conversion, so both paths store the
 *  same values and refuse the same inputs with the same messages. The first bad value in row order (then column
 *  order) is reported, with file, row and column. Derived columns: the HEALPix index of positional tables and,
 *  for master_source, gal_l/gal_b from ra/dec where the input leaves them empty (as the staging path does). Pure. */
import { healpixIndex } from '../../adql/geometry/index.js';
import { copyCsvValue } from '../../db/copy-csv.js';
import type { ColumnDef, TableDef } from '../../schema/index.js';
import { IngestError } from '../errors.js';
import { fieldText } from '../readers/csv-scan.js';
import type { CsvBatch } from '../readers/csv-scan.js';
import { icrsToGalactic } from './galactic.js';
import type { ColumnTarget } from './layout.js';
import { ValueError, convertValue } from './values.js';

// What to write for one value.
const RAW = 0; // the input bytes as they are
const NULL = 1; // nothing (an unquoted empty field is NULL in COPY CSV)
const QUOTED = 2; // the input bytes inside quotes (a quoted input's "" pairs are already COPY CSV escapes)
const REPLACED = 3; // a converted value's COPY text
const ZERO = 4;
const TRUE = 5;
const FALSE = 6;

const K_FLOAT = 0;
const K_INT = 1;
const K_LONG = 2;
const K_BOOL = 3;
const K_TEXT = 4;
const K_GENERAL = 5;

const INT_LIMITS: Partial<Record<ColumnDef['datatype'], [number, number]>> = {
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  unsignedByte: [0, 255],
};

function kindOf(c: ColumnDef): number {
  if (c.nullValue !== undefined) return K_GENERAL;
  switch (c.datatype) {
    case 'double':
    case 'float':
      return K_FLOAT;
    case 'short':
    case 'int':
    case 'unsignedByte':
      return K_INT;
    case 'long':
      return K_LONG;
    case 'boolean':
    case 'bit':
      return K_BOOL;
    default:
      return K_TEXT;
  }
}

function describe(c: ColumnDef): string {
  return `${c.datatype}${c.unit ? ` in ${c.unit}` : ''}${c.required ? ', required' : ''}`;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Checks b[s, e) against [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)? and returns its value, or undefined
 *  when the bytes are not of that form. The value is exact (one correctly rounded division or product) while the
 *  digits fit in 2^53 and the power of ten in 1e22; longer forms are read by Number(). */
function plainDecimal(b: Uint8Array, s: number, e: number): number | undefined {
  let i = s;
  let neg = false;
  const c0 = b[i];
  if (c0 === 0x2d || c0 === 0x2b) {
    neg = c0 === 0x2d;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let sig = 0;
  let frac = 0;
  let d: number;
  while (i < e && (d = (b[i] as number) - 0x30) >= 0 && d <= 9) {
    mant = mant * 10 + d;
    if (mant > 0) sig++;
    digits++;
    i++;
  }
  if (i < e && b[i] === 0x2e) {
    i++;
    while (i < e && (d = (b[i] as number) - 0x30) >= 0 && d <= 9) {
      mant = mant * 10 + d;
      if (mant > 0) sig++;
      digits++;
      frac++;
      i++;
    }
  }
  if (digits === 0) return undefined;
  let exp = 0;
  if (i < e && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 0x2d || b[i] === 0x2b)) {
      eneg = b[i] === 0x2d;
      i++;
    }
    let ed = 0;
    while (i < e && (d = (b[i] as number) - 0x30) >= 0 && d <= 9) {
      if (exp < 100000) exp = exp * 10 + d;
      ed++;
      i++;
    }
    if (ed === 0) return undefined;
    if (eneg) exp = -exp;
  }
  if (i !== e) return undefined;
  if (mant === 0) return 0;
  const p = exp - frac;
  let v: number;
  if (sig <= 15 && p >= -22 && p <= 22) v = p < 0 ? mant / (POW10[-p] as number) : mant * (POW10[p] as number);
  else {
    // Past 1e308 Number() gives Infinity: left to convertValue (which stores ±Infinity, as the staging path does).
    v = Math.abs(Number(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1')));
    if (!Number.isFinite(v)) return undefined;
  }
  return neg ? -v : v;
}

/** The grammar of plainDecimal without the value: 0 = not of that form, 1 = a non-zero number, 2 = zero. */
function decimalForm(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const c0 = b[i];
  if (c0 === 0x2d || c0 === 0x2b) i++;
  let digits = 0;
  let nonZero = 0;
  let c: number;
  while (i < e && (c = b[i] as number) >= 0x30 && c <= 0x39) {
    nonZero |= c - 0x30;
    digits++;
    i++;
  }
  if (i < e && b[i] === 0x2e) {
    i++;
    while (i < e && (c = b[i] as number) >= 0x30 && c <= 0x39) {
      nonZero |= c - 0x30;
      digits++;
      i++;
    }
  }
  if (digits === 0) return 0;
  if (i < e && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < e && (b[i] === 0x2d || b[i] === 0x2b)) i++;
    const from = i;
    while (i < e && (c = b[i] as number) >= 0x30 && c <= 0x39) i++;
    if (i === from) return 0;
    if (i - from > 2) digits = Infinity;
  }
  if (i !== e) return 0;
  if (nonZero === 0) return 2;
  // A long mantissa or a large exponent may overflow to Infinity (or underflow to 0): plainDecimal decides.
  if (digits > 300) return plainDecimal(b, s, e) === undefined ? 0 : 3;
  return 1;
}

/** [+-]?digits → its value (undefined otherwise, or past 15 digits). */
function plainInteger(b: Uint8Array, s: number, e: number): number | undefined {
  let i = s;
  let neg = false;
  const c0 = b[i];
  if (c0 === 0x2d || c0 === 0x2b) {
    neg = c0 === 0x2d;
    i++;
  }
  if (i === e || e - i > 15) return undefined;
  let v = 0;
  for (; i < e; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function isPlainLong(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  if (b[i] === 0x2d || b[i] === 0x2b) i++;
  if (i === e) return false;
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** 't' / 'f' for TRUE/T/1 and FALSE/F/0 in any case; -1 otherwise. */
function plainBoolean(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  const c = (b[s] as number) | 0x20;
  if (len === 1) {
    if (c === 0x74 || b[s] === 0x31) return TRUE;
    if (c === 0x66 || b[s] === 0x30) return FALSE;
    return -1;
  }
  if (len === 4 && c === 0x74 && ((b[s + 1] as number) | 0x20) === 0x72 && ((b[s + 2] as number) | 0x20) === 0x75 && ((b[s + 3] as number) | 0x20) === 0x65) return TRUE;
  if (
    len === 5 && c === 0x66 && ((b[s + 1] as number) | 0x20) === 0x61 && ((b[s + 2] as number) | 0x20) === 0x6c && ((b[s + 3] as number) | 0x20) === 0x73 &&
    ((b[s + 4] as number) | 0x20) === 0x65
  ) return FALSE;
  return -1;
}

/** ASCII without NUL (the bytes may be copied as they are) and no blank or control byte at either edge. */
function plainText(b: Uint8Array, s: number, e: number): boolean {
  if ((b[s] as number) <= 0x20 || (b[e - 1] as number) <= 0x20) return false;
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c === 0 || c >= 0x80) return false;
  }
  return true;
}

function writeInt(out: Buffer, p: number, v: number): number {
  if (v === 0) {
    out[p] = 0x30;
    return p + 1;
  }
  let digits = 0;
  for (let x = v; x > 0; x = Math.floor(x / 10)) digits++;
  let x = v;
  for (let i = p + digits - 1; i >= p; i--) {
    out[i] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return p + digits;
}

export interface EncodedBatch {
  bytes: Buffer;
  /** Values of the `name` column when asked for (master_source loads). */
  names: string[];
}

/** Encoder for one target table; `columns` is the COPY column list it writes, in order. */
export class CopyBatchEncoder {
  readonly columns: string[];
  private readonly kinds: number[];
  private readonly raIdx: number;
  private readonly decIdx: number;
  private readonly galIdx: [number, number] | undefined;
  private readonly nameIdx: number;

  constructor(
    private readonly file: string,
    private readonly def: TableDef,
    private readonly targets: ReadonlyArray<ColumnTarget>,
    collectNames: boolean,
  ) {
    this.kinds = targets.map((t) => kindOf(t.column));
    this.columns = targets.map((t) => t.column.name);
    const pos = def.position;
    this.raIdx = pos ? this.columns.indexOf(pos.ra) : -1;
    this.decIdx = pos ? this.columns.indexOf(pos.dec) : -1;
    if (pos) this.columns.push(pos.healpix);
    if (def.name === 'master_source' && this.raIdx >= 0 && this.decIdx >= 0) {
      const l = this.columns.indexOf('gal_l');
      const b = this.columns.indexOf('gal_b');
      this.galIdx = [l, b];
      if (l < 0) this.columns.push('gal_l');
      if (b < 0) this.columns.push('gal_b');
    }
    this.nameIdx = collectNames ? this.columns.indexOf('name') : -1;
  }

  encode(batch: CsvBatch): EncodedBatch {
    const { buf, rows, cols, start, end, quoted } = batch;
    const nt = this.targets.length;
    const code = new Uint8Array(rows * nt);
    const replaced = new Map<number, string>();
    let replacedBytes = 0;
    const ra = this.raIdx >= 0 ? new Float64Array(rows) : undefined;
    const dec = this.decIdx >= 0 ? new Float64Array(rows) : undefined;
    let failRow = rows;
    let failure: IngestError | undefined;

    for (let j = 0; j < nt; j++) {
      const t = this.targets[j] as ColumnTarget;
      const c = t.column;
      const k = t.index;
      const kind = this.kinds[j] as number;
      const range = c.range;
      const lim = INT_LIMITS[c.datatype];
      const values = j === this.raIdx ? ra : j === this.decIdx ? dec : undefined;
      const required = c.required === true;
      const slow = (r: number): void => {
        let v: unknown;
        try {
          v = convertValue(fieldText(batch, r, k), c);
        } catch (err) {
          if (!(err instanceof ValueError)) throw err;
          failRow = r;
          failure = new IngestError('BAD_VALUE', `${err.message} (${describe(c)})`, { file: this.file, row: batch.firstRow + r, column: t.inputName }, { cause: err });
          return;
        }
        if (values) values[r] = typeof v === 'number' ? v : v === null ? Number.NaN : Number(v);
        if (v === null) {
          code[r * nt + j] = NULL;
          return;
        }
        const text = copyCsvValue(v);
        code[r * nt + j] = REPLACED;
        replaced.set(r * nt + j, text);
        replacedBytes += Buffer.byteLength(text);
      };
      for (let r = 0; r < failRow; r++) {
        const f = r * cols + k;
        const s = start[f] as number;
        const e = end[f] as number;
        const at = r * nt + j;
        if (s === e) {
          // Empty (quoted or not) is NULL, as a blank value is.
          if (required) slow(r);
          else {
            code[at] = NULL;
            if (values) values[r] = Number.NaN;
          }
          continue;
        }
        const q = quoted[f] === 1;
        switch (kind) {
          case K_FLOAT: {
            if (!range && !values) {
              // Only the form matters (and zero, written as 0 as the number path writes -0.0).
              const form = q ? 0 : decimalForm(buf, s, e);
              if (form === 0) slow(r);
              else if (form === 3) code[at] = plainDecimal(buf, s, e) === 0 ? ZERO : RAW;
              else code[at] = form === 2 ? ZERO : RAW;
              break;
            }
            const v = q ? undefined : plainDecimal(buf, s, e);
            if (v === undefined || (range && (v < range[0] || v > range[1]))) slow(r);
            else {
              code[at] = v === 0 ? ZERO : RAW;
              if (values) values[r] = v;
            }
            break;
          }
          case K_INT: {
            const v = q ? undefined : plainInteger(buf, s, e);
            if (v === undefined || (range && (v < range[0] || v > range[1])) || (lim && (v < lim[0] || v > lim[1]))) slow(r);
            else {
              code[at] = v === 0 ? ZERO : RAW;
              if (values) values[r] = v;
            }
            break;
          }
          case K_LONG:
            if (!q && isPlainLong(buf, s, e)) code[at] = RAW;
            else slow(r);
            break;
          case K_BOOL: {
            const v = q ? -1 : plainBoolean(buf, s, e);
            if (v < 0) slow(r);
            else code[at] = v;
            break;
          }
          case K_TEXT:
            if (plainText(buf, s, e)) code[at] = QUOTED;
            else slow(r);
            break;
          default:
            slow(r);
        }
      }
    }
    if (failure) throw failure;

    // Row-major output: the accepted bytes, the converted texts, the derived columns.
    const pos = this.def.position;
    const gal = this.galIdx;
    const bound = buf.length + rows * (nt * 3 + 24 + (gal ? 48 : 0)) + replacedBytes;
    const out = Buffer.allocUnsafe(bound);
    const names: string[] = [];
    const nameIdx = this.nameIdx;
    let p = 0;
    for (let r = 0; r < rows; r++) {
      const rowBase = r * nt;
      // gal_l/gal_b derived from ra/dec when the input leaves either empty (the staging path's fillGalactic).
      let derived: { l: number; b: number } | undefined;
      if (gal && ra && dec) {
        const [l, b] = gal;
        const a = ra[r] as number;
        const d = dec[r] as number;
        if ((l < 0 || code[rowBase + l] === NULL || b < 0 || code[rowBase + b] === NULL) && Number.isFinite(a) && Number.isFinite(d)) derived = icrsToGalactic(a, d);
      }
      for (let j = 0; j < nt; j++) {
        if (j > 0) out[p++] = 0x2c;
        if (derived && gal && (j === gal[0] || j === gal[1])) {
          p += out.write(copyCsvValue(j === gal[0] ? derived.l : derived.b), p, 'latin1');
          continue;
        }
        const f = r * cols + (this.targets[j] as ColumnTarget).index;
        switch (code[rowBase + j]) {
          case RAW: {
            const e = end[f] as number;
            for (let i = start[f] as number; i < e; i++) out[p++] = buf[i] as number;
            break;
          }
          case QUOTED: {
            out[p++] = 0x22;
            const e = end[f] as number;
            for (let i = start[f] as number; i < e; i++) out[p++] = buf[i] as number;
            out[p++] = 0x22;
            break;
          }
          case REPLACED:
            p += out.write(replaced.get(rowBase + j) as string, p, 'utf8');
            break;
          case ZERO:
            out[p++] = 0x30;
            break;
          case TRUE:
            out[p++] = 0x74;
            break;
          case FALSE:
            out[p++] = 0x66;
            break;
          default:
            break;
        }
      }
      if (pos && ra && dec) {
        out[p++] = 0x2c;
        const a = ra[r] as number;
        const d = dec[r] as number;
        if (Number.isFinite(a) && Number.isFinite(d)) p = writeInt(out, p, healpixIndex(a, d, pos.order));
      }
      if (gal) {
        for (const [idx, v] of [[gal[0], derived?.l], [gal[1], derived?.b]] as const) {
          if (idx >= 0) continue;
          out[p++] = 0x2c;
          if (v !== undefined) p += out.write(copyCsvValue(v), p, 'latin1');
        }
      }
      out[p++] = 0x0a;
      if (nameIdx >= 0) {
        const c = code[rowBase + nameIdx];
        if (c === REPLACED || c === QUOTED || c === RAW) names.push(fieldTextOf(batch, r, (this.targets[nameIdx] as ColumnTarget).index, c, replaced.get(rowBase + nameIdx)));
      }
    }
    return { bytes: out.subarray(0, p), names };
  }
}

function fieldTextOf(batch: CsvBatch, r: number, k: number, c: number | undefined, replacedText: string | undefined): string {
  if (c === REPLACED && replacedText !== undefined) {
    // copyCsvValue quoted the string: undo it.
    return replacedText.startsWith('"') ? replacedText.slice(1, -1).replaceAll('""', '"') : replacedText;
  }
  return fieldText(batch, r, k);
}
