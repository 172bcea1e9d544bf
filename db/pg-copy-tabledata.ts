/** Transcodes PostgreSQL binary COPY output straight into VOTable TABLEDATA rows (`<TR><TD>…</TD></TR>`), written
 *  into one preallocated output buffer: the bulk path for TABLEDATA, as pg-copy-binary.ts is for BINARY2 (same
 *  framing, CopyTupleSink; same document driver, encodeVotableWith). No JS value per cell on the common columns:
 *  integers by a digit loop, booleans T/F, text XML-escaped by a byte scan (the rules of votable/xml.ts
 *  escapeXmlText on UTF-8 bytes), timestamps by formatTimestamp. Doubles are the exception: TABLEDATA carries
 *  the shortest round-trip decimal, which V8's String(x) computes (Grisu/bignum in C++) and nothing in JS does
 *  faster, so a non-integral double costs one short-lived string (integral ones take the digit loop). Every
 *  other column (char with a bound, unicodeChar with a bound, numeric pairs that convert, arrays) reads the value
 *  `pg` would give the cursor path and formats it with the cursor path's own formatter. The document is therefore
 *  byte-identical to encodeVotable's TABLEDATA over the cursor rows (tests: db/pg-copy-tabledata.test.ts,
 *  test/bulk-copy.test.ts). Spec: PostgreSQL 15 COPY §"Binary Format"; VOTable 1.4 §5.1, §6. Pure. */
import { buildTextFormatter, buildTextNull, type EncoderColumn, type TextFormatter } from '../votable/column-codecs.js';
import { parseArraysize } from '../votable/arraysize.js';
import type { VotableDocInfo } from '../votable/document.js';
import { encodeVotableWith, TABLEDATA_DIALECT, type VotableEncodeOptions } from '../votable/votable-encoder.js';
import { canTranscodeCopy, CopyBinaryError, CopyTupleSink, formatTimestamp, TEXT_OIDS } from './pg-copy-binary.js';
import { PG_ARRAY_ELEMENT, PG_OID } from './pg-types.js';

/** Encodes a VOTable TABLEDATA document from binary COPY chunks of `SELECT <fields>`; same document, MAXREC and
 *  error handling as encodeVotable with serialization TABLEDATA. Callers check canTranscodeCopy first. */
export function encodeTabledataFromCopy(
  doc: VotableDocInfo,
  fields: ReadonlyArray<EncoderColumn>,
  typeOids: ReadonlyArray<number>,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: VotableEncodeOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  return encodeVotableWith(doc, fields, chunks, (nullValues) => new CopyTabledataSink(fields, typeOids, nullValues, opts.chunkBytes ?? 65_536), {
    ...opts,
    serialization: 'TABLEDATA',
  });
}

// Hot-loop kinds (inlined); K_CALL reads the cursor value and formats it with the cursor path's formatter.
const K_F8 = 1;
const K_I4 = 2;
const K_I2 = 3;
const K_I8 = 4;
const K_BOOL = 5;
const K_TEXT = 6;
const K_TS = 7;
const K_CALL = 8;

/** Reads a non-null field as the JS value the cursor path's `pg` parsing gives (db/type-parsers.ts). */
type ValueReader = (src: Uint8Array, sdv: DataView, s: number, len: number) => unknown;

const TR_CLOSE = [0x3c, 0x2f, 0x54, 0x52, 0x3e, 0x0a]; // </TR>\n
/** Output bytes per column a fast kind may use beyond 6 × its COPY bytes (tags, the longest number). */
const COLUMN_SLACK = 48;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** A RowSink fed with binary COPY chunks, writing TABLEDATA rows. */
export class CopyTabledataSink extends CopyTupleSink {
  private buf: Uint8Array;
  private pos = 0;
  private out: Uint8Array[] = [];
  private readonly chunkBytes: number;
  private readonly kinds: Uint8Array;
  private readonly nullCells: Uint8Array[];
  private readonly readers: Array<ValueReader | undefined>;
  private readonly fmts: Array<TextFormatter | undefined>;
  private readonly rowConst: number;
  private readonly tsText = new Uint8Array(48);

  constructor(fields: ReadonlyArray<EncoderColumn>, typeOids: ReadonlyArray<number>, nullValues: ReadonlyArray<number | bigint | undefined>, chunkBytes = 65_536) {
    super(fields.length);
    if (fields.length !== typeOids.length) throw new CopyBinaryError(`${fields.length} FIELDs but ${typeOids.length} column types`);
    this.chunkBytes = chunkBytes;
    this.buf = new Uint8Array(chunkBytes + 16_384);
    const kinds: number[] = [];
    this.readers = [];
    this.fmts = [];
    this.nullCells = [];
    let rowConst = 4 + TR_CLOSE.length; // <TR>, </TR>\n
    fields.forEach((f, c) => {
      const oid = typeOids[c] as number;
      const kind = fastKind(f, oid);
      kinds.push(kind);
      if (kind === K_CALL) {
        const read = valueReader(oid);
        if (!read) throw new CopyBinaryError(`cannot transcode column "${f.name}" (PostgreSQL type ${oid}) to TABLEDATA ${f.datatype}`);
        this.readers.push(read);
        this.fmts.push(buildTextFormatter(f, TABLEDATA_DIALECT, nullValues[c]));
      } else {
        this.readers.push(undefined);
        this.fmts.push(undefined);
      }
      const t = buildTextNull(f, TABLEDATA_DIALECT, nullValues[c]);
      const cell = utf8.encode(t === '' ? '<TD/>' : `<TD>${t}</TD>`);
      this.nullCells.push(cell);
      rowConst += cell.length + COLUMN_SLACK;
    });
    this.kinds = Uint8Array.from(kinds);
    this.rowConst = rowConst;
  }

  take(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  finish(): Uint8Array[] {
    if (this.pos > 0) this.out.push(this.buf.slice(0, this.pos));
    this.pos = 0;
    return this.take();
  }

  /** Makes room for `n` bytes at o (the row being written starts at this.pos ≤ o); returns the buffer to use. */
  private room(o: number, n: number): Uint8Array {
    if (o + n <= this.buf.length) return this.buf;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, o + n + 16_384));
    bigger.set(this.buf.subarray(0, o));
    this.buf = bigger;
    return bigger;
  }

  protected tuple(src: Uint8Array, sdv: DataView, s: number, tupleBytes: number): void {
    let out = this.room(this.pos, this.rowConst + 6 * tupleBytes);
    const kinds = this.kinds;
    const ncols = this.ncols;
    let o = this.pos;
    out[o] = 0x3c; // <TR>
    out[o + 1] = 0x54;
    out[o + 2] = 0x52;
    out[o + 3] = 0x3e;
    o += 4;
    for (let c = 0; c < ncols; c++) {
      const len = ((src[s] as number) << 24) | ((src[s + 1] as number) << 16) | ((src[s + 2] as number) << 8) | (src[s + 3] as number);
      s += 4;
      if (len < 0) {
        const cell = this.nullCells[c] as Uint8Array;
        for (let i = 0; i < cell.length; i++) out[o + i] = cell[i] as number;
        o += cell.length;
        continue;
      }
      const kind = kinds[c] as number;
      out[o] = 0x3c; // <TD>
      out[o + 1] = 0x54;
      out[o + 2] = 0x44;
      out[o + 3] = 0x3e;
      o += 4;
      switch (kind) {
        case K_F8: {
          if (len !== 8) throw new CopyBinaryError(`field ${c + 1} has ${len} bytes, expected 8`);
          o = putDouble(out, o, sdv.getFloat64(s));
          break;
        }
        case K_I4:
          if (len !== 4) throw new CopyBinaryError(`field ${c + 1} has ${len} bytes, expected 4`);
          o = putInt(out, o, sdv.getInt32(s));
          break;
        case K_I2:
          if (len !== 2) throw new CopyBinaryError(`field ${c + 1} has ${len} bytes, expected 2`);
          o = putInt(out, o, sdv.getInt16(s));
          break;
        case K_I8: {
          if (len !== 8) throw new CopyBinaryError(`field ${c + 1} has ${len} bytes, expected 8`);
          const hi = sdv.getInt32(s);
          // Exact as a double below 2^53 in magnitude; beyond, through BigInt.
          if (hi >= -0x200000 && hi < 0x200000) o = putInt(out, o, hi * 4294967296 + sdv.getUint32(s + 4));
          else o = putAscii(out, o, String(sdv.getBigInt64(s)));
          break;
        }
        case K_BOOL:
          if (len !== 1) throw new CopyBinaryError(`field ${c + 1} has ${len} bytes, expected 1`);
          out[o++] = src[s] !== 0 ? 0x54 : 0x46; // T / F
          break;
        case K_TEXT:
          o = putXmlText(out, o, src, s, len);
          break;
        case K_TS: {
          if (len !== 8) throw new CopyBinaryError(`a timestamp of ${len} bytes`);
          const n = formatTimestamp(sdv.getInt32(s), sdv.getUint32(s + 4), this.tsText);
          for (let i = 0; i < n; i++) out[o + i] = this.tsText[i] as number;
          o += n;
          break;
        }
        default: {
          const text = (this.fmts[c] as TextFormatter)((this.readers[c] as ValueReader)(src, sdv, s, len));
          out = this.room(o, 3 * text.length + COLUMN_SLACK + this.rowConst + 6 * tupleBytes);
          o = putString(out, o, text);
        }
      }
      out[o] = 0x3c; // </TD>
      out[o + 1] = 0x2f;
      out[o + 2] = 0x54;
      out[o + 3] = 0x44;
      out[o + 4] = 0x3e;
      o += 5;
      s += len;
    }
    for (let i = 0; i < TR_CLOSE.length; i++) out[o + i] = TR_CLOSE[i] as number;
    o += TR_CLOSE.length;
    // Only now is the row committed.
    this.pos = o;
    this.rows++;
    if (o >= this.chunkBytes) {
      this.out.push(out.slice(0, o));
      this.pos = 0;
    }
  }
}

/** The inlined conversion of a column, or K_CALL. Only same-type scalar pairs and unbounded text are inlined. */
function fastKind(f: EncoderColumn, oid: number): number {
  const shape = parseArraysize(f.arraysize, { field: f.name });
  if (f.datatype === 'char' || f.datatype === 'unicodeChar') {
    const unbounded = shape.kind === 'variable' && shape.count === Infinity;
    if (unbounded && TEXT_OIDS.has(oid)) return K_TEXT;
    if (unbounded && oid === PG_OID.TIMESTAMP) return K_TS;
    return K_CALL;
  }
  if (shape.kind !== 'scalar') return K_CALL;
  if (oid === PG_OID.FLOAT8 && f.datatype === 'double') return K_F8;
  if (oid === PG_OID.INT4 && f.datatype === 'int') return K_I4;
  if (oid === PG_OID.INT2 && f.datatype === 'short') return K_I2;
  if (oid === PG_OID.INT8 && f.datatype === 'long') return K_I8;
  if (oid === PG_OID.BOOL && f.datatype === 'boolean') return K_BOOL;
  return K_CALL;
}

/** Whether the TABLEDATA transcoder takes these columns: the pairs the BINARY2 transcoder takes (so one copy
 *  plan serves both; see copy-plan.ts). */
export function canTranscodeTabledata(fields: ReadonlyArray<EncoderColumn>, typeOids: ReadonlyArray<number>): boolean {
  return canTranscodeCopy(fields, typeOids) && typeOids.every((oid, c) => fastKind(fields[c] as EncoderColumn, oid) !== K_CALL || valueReader(oid) !== undefined);
}

// ---------------------------------------------------------------------------------------- cursor values

/** float4 as `pg` gives it: PostgreSQL prints the shortest decimal that reads back as the same float4 (Ryu,
 *  extra_float_digits = 1, the default since PostgreSQL 12) and the driver parses that text into a double. */
export function float4CursorValue(x: number): number {
  if (x !== x || x === 0 || !Number.isFinite(x)) return x;
  for (let p = 1; p < 10; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

function scalarValueReader(oid: number): ValueReader | undefined {
  switch (oid) {
    case PG_OID.BOOL:
      return (src, _sdv, s) => src[s] !== 0;
    case PG_OID.INT2:
      return (_src, sdv, s) => sdv.getInt16(s);
    case PG_OID.INT4:
      return (_src, sdv, s) => sdv.getInt32(s);
    case PG_OID.INT8:
      return (_src, sdv, s) => sdv.getBigInt64(s);
    case PG_OID.FLOAT4:
      return (_src, sdv, s) => float4CursorValue(sdv.getFloat32(s));
    case PG_OID.FLOAT8:
      return (_src, sdv, s) => sdv.getFloat64(s);
    case PG_OID.TIMESTAMP: {
      const text = new Uint8Array(48);
      return (_src, sdv, s, len) => {
        if (len !== 8) throw new CopyBinaryError(`a timestamp of ${len} bytes`);
        const n = formatTimestamp(sdv.getInt32(s), sdv.getUint32(s + 4), text);
        return String.fromCharCode(...text.subarray(0, n));
      };
    }
    default:
      if (TEXT_OIDS.has(oid)) return (src, _sdv, s, len) => utf8Decoder.decode(src.subarray(s, s + len));
      return undefined;
  }
}

/** Scalars as above; one-dimensional arrays (multi-dimensional ones flattened in storage order, as the BINARY2
 *  transcoder does) as a JS array of element values, null elements null. */
function valueReader(oid: number): ValueReader | undefined {
  const elemOid = PG_ARRAY_ELEMENT[oid];
  if (elemOid === undefined) return scalarValueReader(oid);
  const elem = scalarValueReader(elemOid);
  if (!elem) return undefined;
  return (src, sdv, s, len) => {
    const end = s + len;
    if (len < 12) throw new CopyBinaryError('a truncated array');
    const ndim = sdv.getInt32(s);
    if (sdv.getInt32(s + 8) !== elemOid) throw new CopyBinaryError(`array elements of type ${sdv.getInt32(s + 8)}, expected ${elemOid}`);
    let total = ndim > 0 ? 1 : 0;
    for (let d = 0; d < ndim; d++) total *= sdv.getInt32(s + 12 + 8 * d);
    let p = s + 12 + 8 * ndim;
    const a: unknown[] = new Array(total);
    for (let i = 0; i < total; i++) {
      if (p + 4 > end) throw new CopyBinaryError('a truncated array');
      const elen = sdv.getInt32(p);
      p += 4;
      if (elen < 0) a[i] = null;
      else {
        if (p + elen > end) throw new CopyBinaryError('a truncated array');
        a[i] = elem(src, sdv, p, elen);
        p += elen;
      }
    }
    return a;
  };
}

// ------------------------------------------------------------------------------------------- formatting

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/** Writes a safe integer in decimal (as String(v)) at o; returns the new position. */
function putInt(out: Uint8Array, o: number, v: number): number {
  if (v < 0) {
    out[o++] = 0x2d; // -
    v = -v;
  }
  let digits = 1;
  while (digits < 17 && v >= (POW10[digits] as number)) digits++;
  const end = o + digits;
  let p = end;
  do {
    const q = Math.floor(v / 10);
    out[--p] = 0x30 + (v - q * 10);
    v = q;
  } while (v > 0);
  return end;
}

/** A double as the TABLEDATA formatter writes it (NaN, +Inf, -Inf, -0, else String(x)). */
function putDouble(out: Uint8Array, o: number, x: number): number {
  if (x !== x) return putAscii(out, o, 'NaN');
  if (x === 0) return 1 / x < 0 ? putAscii(out, o, '-0') : ((out[o] = 0x30), o + 1);
  if (Number.isInteger(x) && x < 9007199254740992 && x > -9007199254740992) return putInt(out, o, x);
  if (x === Infinity) return putAscii(out, o, '+Inf');
  if (x === -Infinity) return putAscii(out, o, '-Inf');
  return putAscii(out, o, String(x));
}

/** ASCII text (never needing escapes) at o. */
function putAscii(out: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  return o + s.length;
}

/** Any text as UTF-8 at o (the caller made room for 3 bytes a UTF-16 unit). */
function putString(out: Uint8Array, o: number, s: string): number {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch > 0x7f) break;
    out[o + i] = ch;
  }
  if (i === n) return o + n;
  const r = utf8.encodeInto(s.slice(i), out.subarray(o + i));
  return o + i + r.written;
}

/** UTF-8 text src[s, s+len) XML-escaped at o, as votable/xml.ts escapeXmlText does on the decoded string: & < >
 *  as entities, CR as &#13;, C0 controls other than TAB/LF/CR and U+FFFE/U+FFFF dropped (PostgreSQL's UTF-8
 *  holds no surrogates and no NUL). At most 5 output bytes an input byte. */
function putXmlText(out: Uint8Array, o: number, src: Uint8Array, s: number, len: number): number {
  const end = s + len;
  for (let i = s; i < end; i++) {
    const b = src[i] as number;
    if (b > 0x3e) {
      if (b === 0xef && i + 2 < end && src[i + 1] === 0xbf && ((src[i + 2] as number) & 0xfe) === 0xbe) {
        i += 2; // U+FFFE / U+FFFF
        continue;
      }
      out[o++] = b;
    } else if (b >= 0x20) {
      if (b === 0x26) {
        out[o] = 0x26; // &amp;
        out[o + 1] = 0x61;
        out[o + 2] = 0x6d;
        out[o + 3] = 0x70;
        out[o + 4] = 0x3b;
        o += 5;
      } else if (b === 0x3c || b === 0x3e) {
        out[o] = 0x26; // &lt; &gt;
        out[o + 1] = b === 0x3c ? 0x6c : 0x67;
        out[o + 2] = 0x74;
        out[o + 3] = 0x3b;
        o += 4;
      } else out[o++] = b;
    } else if (b === 0x09 || b === 0x0a) out[o++] = b;
    else if (b === 0x0d) {
      out[o] = 0x26; // &#13;
      out[o + 1] = 0x23;
      out[o + 2] = 0x31;
      out[o + 3] = 0x33;
      out[o + 4] = 0x3b;
      o += 5;
    }
    // other C0 controls: dropped
  }
  return o;
}
