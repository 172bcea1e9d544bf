/** CSV and TSV straight from `COPY (…) TO STDOUT (FORMAT csv)`, byte to byte: PostgreSQL's output is scanned
 *  as bytes (UTF-8 never puts `,` `"` or LF inside a multi-byte character) and copied in spans; only the fields
 *  our encoders (votable/csv-encoder.ts) write differently are rewritten, so the document is byte-identical to
 *  the cursor path's. Copied as they come: integers, doubles and reals without an exponent, unquoted unbounded
 *  text (PostgreSQL quotes exactly what RFC 4180 needs; TSV escapes \ and TAB), NULLs (empty). Rewritten in
 *  place: doubles and reals with an exponent (PostgreSQL switches to one from 1e15 and below 1e-4, JavaScript from
 *  1e21 and below 1e-6: the same digits are placed as Number::toString does, putExponentDouble), booleans t/f →
 *  true/false, timestamps (space → T), line ends (CRLF for CSV) and separators (TAB for TSV). Every other field
 *  (quoted text, bounded char, arrays, unsignedByte, any column whose type the bulk plan did not cast to its
 *  FIELD's) is decoded, parsed with the cursor path's own type parser and written with the cursor path's own
 *  formatter, so it cannot disagree. Header, MAXREC (OVERFLOW in
 *  onEnd) and the mid-stream error contract (status ERROR in onEnd) are encodeTextWith's, the driver encodeCsv
 *  and encodeTsv share. Spec: PostgreSQL 15 COPY §"CSV Format"; RFC 4180. Pure. */
import type { EncoderColumn } from '../votable/column-codecs.js';
import { encodeTextWith, headerLine, textFieldFormatters, type TextEncodeOptions } from '../votable/csv-encoder.js';
import type { TextFormatter } from '../votable/column-codecs.js';
import { encodeVotableWith, TABLEDATA_DIALECT, type RowSink, type VotableEncodeOptions } from '../votable/votable-encoder.js';
import type { VotableDocInfo } from '../votable/document.js';
import { buildTextFormatter, buildTextNull } from '../votable/column-codecs.js';
import { parseArraysize } from '../votable/arraysize.js';
import { PG_OID, TEXT_OIDS } from './pg-types.js';

type TextParser = (text: string) => unknown;

const K_VERBATIM = 0;
const K_FLOAT = 1;
const K_BOOL = 2;
const K_TEXT = 3;
const K_TS = 4;
const K_PARSE = 5;

export interface CopyTextDialect {
  sep: string;
  eol: string;
  /** Field text of a column name in the header. */
  fieldText: (s: string) => string;
}

/** Encodes CSV/TSV from COPY csv chunks of `SELECT <fields>` whose column types are `typeOids`; `parser` is the
 *  cursor path's text parser for an OID. */
export function encodeTextFromCopyCsv(
  fields: ReadonlyArray<EncoderColumn>,
  typeOids: ReadonlyArray<number>,
  parser: (oid: number) => TextParser,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  dialect: CopyTextDialect,
  opts: TextEncodeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const sink = new CopyCsvSink(fields, typeOids, parser, dialect, opts.chunkBytes ?? 65536);
  return encodeTextWith(headerLine(fields, dialect.sep, dialect.eol, dialect.fieldText), chunks, sink, opts);
}

/** Encodes a VOTable TABLEDATA document from COPY csv chunks of `SELECT <fields>`: same document, MAXREC and
 *  error handling as encodeVotable with serialization TABLEDATA (encodeVotableWith is the driver of both). Each
 *  field is written as the cursor path's TABLEDATA formatter writes the value `pg` parses from it: PostgreSQL's
 *  shortest round-trip doubles are copied (exponents re-read, Infinity → +Inf), integers copied, t/f → T/F,
 *  text XML-escaped by a byte scan (escapeXmlText's rules), NULL → the column's null cell. */
export function encodeTabledataFromCopyCsv(
  doc: VotableDocInfo,
  fields: ReadonlyArray<EncoderColumn>,
  typeOids: ReadonlyArray<number>,
  parser: (oid: number) => TextParser,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: VotableEncodeOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  return encodeVotableWith(doc, fields, chunks, (nullValues) => new CopyCsvSink(fields, typeOids, parser, TABLEDATA_TARGET, opts.chunkBytes ?? 65536, nullValues), {
    ...opts,
    serialization: 'TABLEDATA',
  });
}

/** The dialect value that selects TABLEDATA output in CopyCsvSink. */
const TABLEDATA_TARGET: CopyTextDialect = { sep: '', eol: '', fieldText: (s) => s };

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];

/** Sentinel of `field`: the row is cut by the end of the data. */
const CUT = -1;

/** A RowSink fed with COPY csv chunks, writing CSV or TSV rows into one output buffer. */
class CopyCsvSink implements RowSink<Uint8Array> {
  rows = 0;
  private readonly ncols: number;
  private readonly kinds: Uint8Array;
  private readonly fmts: TextFormatter[];
  private readonly parsers: TextParser[];
  private readonly tsv: boolean;
  /** TABLEDATA rows instead of CSV/TSV lines. */
  private readonly td: boolean;
  /** TABLEDATA: the cell written for a NULL of each column. */
  private readonly nullCells: Uint8Array[] = [];
  private readonly sepByte: number;
  private readonly eol: Uint8Array;
  private readonly chunkBytes: number;
  private buf: Uint8Array;
  private pos = 0;
  private out: Uint8Array[] = [];
  /** The start of a row the last chunk cut. */
  private carry: Uint8Array = new Uint8Array(0);
  /** Scratch buffer: carry + chunk. */
  private joined: Uint8Array = new Uint8Array(0);
  /** Set by field(): the field scanned last was quoted / had an `e` (float columns only). */
  private quoted = false;
  private hasE = false;

  constructor(
    fields: ReadonlyArray<EncoderColumn>,
    typeOids: ReadonlyArray<number>,
    parser: (oid: number) => TextParser,
    dialect: CopyTextDialect,
    chunkBytes: number,
    nullValues?: ReadonlyArray<number | bigint | undefined>,
  ) {
    this.ncols = fields.length;
    this.kinds = Uint8Array.from(fields.map((f, i) => columnKind(f, typeOids[i] as number)));
    this.parsers = typeOids.map((oid) => parser(oid));
    this.td = dialect === TABLEDATA_TARGET;
    if (this.td) {
      this.fmts = fields.map((f, i) => buildTextFormatter(f, TABLEDATA_DIALECT, nullValues?.[i]));
      this.nullCells = fields.map((f, i) => {
        const t = buildTextNull(f, TABLEDATA_DIALECT, nullValues?.[i]);
        return utf8.encode(t === '' ? '<TD/>' : `<TD>${t}</TD>`);
      });
    } else {
      this.fmts = textFieldFormatters(fields, dialect.fieldText);
      if (dialect.sep !== ',' && dialect.sep !== '\t') throw new Error(`COPY csv: unsupported separator ${JSON.stringify(dialect.sep)}`);
    }
    this.tsv = dialect.sep === '\t';
    this.sepByte = dialect.sep.charCodeAt(0);
    this.eol = utf8.encode(dialect.eol);
    this.chunkBytes = chunkBytes;
    this.buf = new Uint8Array(chunkBytes + 65536);
  }

  write(chunk: Uint8Array, limit: number): boolean {
    let data = chunk;
    if (this.carry.length > 0) {
      // The cut row and the new chunk, joined in a buffer kept for the next time (nothing here outlives this call:
      // rows are copied out, the next carry is a copy): no fresh 64 KiB ArrayBuffer per chunk. A dead ArrayBuffer
      // is freed only by the next scavenge, and with little JS garbage scavenges are rare, so they add up in RSS.
      const need = this.carry.length + chunk.length;
      if (this.joined.length < need) this.joined = new Uint8Array(Math.max(need, 2 * this.joined.length));
      this.joined.set(this.carry);
      this.joined.set(chunk, this.carry.length);
      data = this.joined.subarray(0, need);
    }
    const n = data.length;
    let p = 0;
    let overflow = false;
    while (p < n) {
      if (this.rows >= limit) {
        overflow = true;
        break;
      }
      const q = this.row(data, p, n);
      if (q === CUT) break;
      p = q;
      this.rows++;
      if (this.pos >= this.chunkBytes) {
        this.out.push(this.buf.slice(0, this.pos));
        this.pos = 0;
      }
    }
    this.carry = overflow || p === n ? new Uint8Array(0) : data.slice(p);
    return overflow;
  }

  end(): void {
    if (this.carry.length > 0) throw new Error('COPY csv: the output ended inside a row');
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

  /** Room for n more bytes at o; returns the buffer (replaced when it grows, keeping [0, o)). */
  private room(o: number, n: number): Uint8Array {
    if (o + n <= this.buf.length) return this.buf;
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, o + n + 65536));
    bigger.set(this.buf.subarray(0, o));
    this.buf = bigger;
    return bigger;
  }

  /** Writes the row starting at src[p] and returns the position after its LF, or CUT when the data ends inside
   *  it (nothing is committed then). Verbatim bytes are copied in spans: `span` is the first input byte not yet
   *  copied, flushed before each rewritten piece. */
  private row(src: Uint8Array, p: number, n: number): number {
    if (this.td) return this.tdRow(src, p, n);
    const kinds = this.kinds;
    const ncols = this.ncols;
    const tsv = this.tsv;
    // A row's output is at most its input × 5 (t → true…) plus the line end: reserved once per 64 KiB.
    let out = this.room(this.pos, 8192);
    let o = this.pos;
    let span = p;
    let q = p;
    for (let c = 0; c < ncols; c++) {
      const last = c === ncols - 1;
      const kind = kinds[c] as number;
      const start = q;
      const end = this.field(src, q, n, c, kind === K_FLOAT);
      if (end === CUT) return CUT;
      const quoted = this.quoted;
      const hasE = this.hasE;
      q = end + 1;
      const len = end - start;
      // Room for the pending span, this field rewritten (≤ 5 bytes an input byte) and a line end.
      if (o + (end - span) + 5 * len + 64 > out.length) out = this.room(o, end - span + 5 * len + 64);
      // Rewritten fields: flush the span before them, write their text, resume the span after them.
      if (len === 0 || kind === K_VERBATIM || (kind === K_FLOAT && !hasE) || (kind === K_TEXT && !quoted && !tsv)) {
        // kept as is (NULL is an empty field in both)
      } else {
        o = copy(src, span, start, out, o);
        switch (kind) {
          case K_BOOL: {
            const w = src[start] === 0x74 ? TRUE : FALSE;
            for (let i = 0; i < w.length; i++) out[o + i] = w[i] as number;
            o += w.length;
            break;
          }
          case K_FLOAT:
            o = putExponentDouble(out, o, src, start, end);
            break;
          case K_TS:
            // 'YYYY-MM-DD HH:MM:SS[.ffffff][ BC]': the first space becomes T (db/type-parsers.ts parseTimestamp).
            for (let i = start; i < end; i++) out[o++] = src[i] as number;
            for (let i = o - len; i < o; i++) {
              if (out[i] === 0x20) {
                out[i] = 0x54;
                break;
              }
            }
            break;
          default:
            if (kind === K_TEXT && !quoted) {
              // TSV: backslash and TAB escaped (PostgreSQL quoted anything with CR, LF, quote or comma).
              for (let i = start; i < end; i++) {
                const b = src[i] as number;
                if (b === 0x5c || b === 0x09) {
                  out[o++] = 0x5c;
                  out[o++] = b === 0x5c ? 0x5c : 0x74;
                } else out[o++] = b;
              }
            } else {
              // Quoted text, and every K_PARSE field: decoded and formatted as the cursor path does.
            const text = quoted ? unquote(src, start, end) : utf8Decoder.decode(src.subarray(start, end));
            const s = (this.fmts[c] as TextFormatter)(kind === K_TEXT ? text : (this.parsers[c] as TextParser)(text));
              out = this.room(o, 3 * s.length + 5 * (q - start) + 64);
              o = putString(out, o, s);
            }
        }
        span = end;
      }
      if (last) {
        o = copy(src, span, end, out, o);
        const eol = this.eol;
        for (let i = 0; i < eol.length; i++) out[o + i] = eol[i] as number;
        o += eol.length;
        span = q;
      } else if (tsv) {
        o = copy(src, span, end, out, o);
        out[o++] = this.sepByte;
        span = q;
      }
    }
    this.pos = o;
    return q;
  }
  /** The end of column c's field starting at src[q] (its closing quote + 1, or its first `,`/LF), checked to be
   *  followed by `,` (LF for the last column); CUT when the data ends inside it. Sets `quoted`, and `hasE` (an
   *  `e` in the unquoted field) when `scanE`. Quoted: "" is a quote; the field ends at the quote followed by the
   *  separator or LF. */
  private field(src: Uint8Array, q: number, n: number, c: number, scanE: boolean): number {
    let end: number;
    this.quoted = false;
    this.hasE = false;
    if (src[q] === 0x22) {
      this.quoted = true;
      let r = q + 1;
      for (;;) {
        const e = src.indexOf(0x22, r);
        if (e < 0 || e + 1 >= n) return CUT;
        if (src[e + 1] === 0x22) r = e + 2;
        else {
          end = e + 1;
          break;
        }
      }
    } else {
      let e = q;
      if (scanE) {
        let hasE = false;
        for (; e < n; e++) {
          const b = src[e] as number;
          if (b === 0x2c || b === 0x0a) break;
          if (b === 0x65) hasE = true;
        }
        this.hasE = hasE;
      } else {
        for (; e < n; e++) {
          const b = src[e] as number;
          if (b === 0x2c || b === 0x0a) break;
        }
      }
      if (e >= n) return CUT;
      end = e;
    }
    const term = src[end] as number;
    if (term !== (c === this.ncols - 1 ? 0x0a : 0x2c)) throw new Error(`COPY csv: unexpected ${JSON.stringify(String.fromCharCode(term))} after column ${c + 1} of row ${this.rows + 1}`);
    return end;
  }

  /** TABLEDATA: the row starting at src[p] as `<TR><TD>…</TD>…</TR>\n`; position after its LF, or CUT. */
  private tdRow(src: Uint8Array, p: number, n: number): number {
    const kinds = this.kinds;
    const ncols = this.ncols;
    let out = this.room(this.pos, 8192);
    let o = this.pos;
    out[o] = 0x3c; // <TR>
    out[o + 1] = 0x54;
    out[o + 2] = 0x52;
    out[o + 3] = 0x3e;
    o += 4;
    let q = p;
    for (let c = 0; c < ncols; c++) {
      const kind = kinds[c] as number;
      const start = q;
      const end = this.field(src, q, n, c, kind === K_FLOAT);
      if (end === CUT) return CUT;
      const quoted = this.quoted;
      const hasE = this.hasE;
      q = end + 1;
      const len = end - start;
      // Room for this cell (≤ 5 bytes an input byte, escaped) and the row's end.
      if (o + 5 * len + 256 > out.length) out = this.room(o, 5 * len + 256);
      if (len === 0) {
        const cell = this.nullCells[c] as Uint8Array;
        for (let i = 0; i < cell.length; i++) out[o + i] = cell[i] as number;
        o += cell.length;
        continue;
      }
      out[o] = 0x3c; // <TD>
      out[o + 1] = 0x54;
      out[o + 2] = 0x44;
      out[o + 3] = 0x3e;
      o += 4;
      if (kind === K_VERBATIM) {
        for (let i = start; i < end; i++) out[o++] = src[i] as number;
      } else if (kind === K_FLOAT && !hasE) {
        const b0 = src[start] as number;
        if (b0 === 0x49) o = putAscii(out, o, '+Inf'); // Infinity
        else if (b0 === 0x2d && src[start + 1] === 0x49) o = putAscii(out, o, '-Inf');
        else for (let i = start; i < end; i++) out[o++] = src[i] as number; // digits, NaN, -0
      } else if (kind === K_FLOAT) {
        o = putExponentDouble(out, o, src, start, end); // NaN and ±Infinity have no 'e'
      } else if (kind === K_BOOL) {
        out[o++] = src[start] === 0x74 ? 0x54 : 0x46; // T / F
      } else if (kind === K_TS) {
        let space = true;
        for (let i = start; i < end; i++) {
          const b = src[i] as number;
          if (b === 0x20 && space) {
            out[o++] = 0x54; // the first space becomes T (db/type-parsers.ts parseTimestamp)
            space = false;
          } else out[o++] = b;
        }
      } else if (kind === K_TEXT && !quoted) {
        o = putXmlText(out, o, src, start, end);
      } else {
        // Exponents, quoted text, and every K_PARSE field: the cursor path's parser and formatter.
        const text = quoted ? unquote(src, start, end) : utf8Decoder.decode(src.subarray(start, end));
        const s = (this.fmts[c] as TextFormatter)(kind === K_TEXT ? text : (this.parsers[c] as TextParser)(text));
        out = this.room(o, 3 * s.length + 256);
        o = putString(out, o, s);
      }
      out[o] = 0x3c; // </TD>
      out[o + 1] = 0x2f;
      out[o + 2] = 0x54;
      out[o + 3] = 0x44;
      out[o + 4] = 0x3e;
      o += 5;
    }
    for (let i = 0; i < TR_END.length; i++) out[o + i] = TR_END[i] as number;
    this.pos = o + TR_END.length;
    return q;
  }
}

const TR_END = [0x3c, 0x2f, 0x54, 0x52, 0x3e, 0x0a]; // </TR>\n

/** UTF-8 text src[s, end) XML-escaped at o, as votable/xml.ts escapeXmlText does on the decoded string: & < >
 *  as entities, CR as &#13;, C0 controls other than TAB/LF/CR and U+FFFE/U+FFFF dropped (PostgreSQL's UTF-8
 *  holds no surrogates and no NUL). At most 5 output bytes an input byte. */
function putXmlText(out: Uint8Array, o: number, src: Uint8Array, s: number, end: number): number {
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

/** Copies src[from, to) to out at o; returns the new position. */
function copy(src: Uint8Array, from: number, to: number, out: Uint8Array, o: number): number {
  const len = to - from;
  if (len > 48) out.set(src.subarray(from, to), o);
  else for (let i = 0; i < len; i++) out[o + i] = src[from + i] as number;
  return o + len;
}

/** A float field in PostgreSQL's exponent form, src[start, end) = `[-]d[.ddd]e±XX` (shortest round-trip digits,
 *  extra_float_digits ≥ 1), written at o as JavaScript's `String(Number(text))`: the same digits placed by
 *  Number::toString's rule (ECMA-262 §6.1.6.1.20): decimal point position n = exponent + 1; k ≤ n ≤ 21 →
 *  digits and n − k zeros; 0 < n ≤ 21 → point inside the digits; −6 < n ≤ 0 → `0.` + −n zeros + digits;
 *  otherwise d[.ddd]e±X (exponent without leading zeros). No string is made, except for the cases re-read
 *  below and text not in that shape, which fall back to `String(Number(…))`. At most 28 bytes. */
export function putExponentDouble(out: Uint8Array, o: number, src: Uint8Array, start: number, end: number): number {
  let i = start;
  const neg = src[i] === 0x2d;
  if (neg) i++;
  const lead = i;
  if (!isDigit(src[i])) return putAscii(out, o, String(Number(latin1(src, start, end))));
  i++;
  let frac = i;
  let fracEnd = i;
  if (src[i] === 0x2e) {
    frac = ++i;
    while (i < end && isDigit(src[i])) i++;
    fracEnd = i;
    if (fracEnd === frac) return putAscii(out, o, String(Number(latin1(src, start, end))));
  }
  if (src[i] !== 0x65 || i + 2 >= end || (src[i + 1] !== 0x2b && src[i + 1] !== 0x2d)) return putAscii(out, o, String(Number(latin1(src, start, end))));
  const expNeg = src[i + 1] === 0x2d;
  let e = 0;
  i += 2;
  while (i < end - 1 && src[i] === 0x30) i++; // leading zeros of the exponent (PostgreSQL writes at least two digits)
  const expDigits = i;
  for (; i < end; i++) {
    const b = src[i] as number;
    if (b < 0x30 || b > 0x39 || e > 10000) return putAscii(out, o, String(Number(latin1(src, start, end))));
    e = e * 10 + (b - 0x30);
  }
  if (expNeg) e = -e;
  const lead0 = src[lead] as number;
  // Shortest digits never end in 0 and start with 1–9; a zero mantissa or trailing zeros are not PostgreSQL's.
  if (lead0 === 0x30 || (fracEnd > frac && src[fracEnd - 1] === 0x30)) return putAscii(out, o, String(Number(latin1(src, start, end))));
  const k = 1 + (fracEnd - frac); // significant digits
  const n = e + 1; // decimal point position
  // PostgreSQL 15's Ryu is not always shortest for integer-valued doubles ≥ 2^53 (2.997e21 prints as
  // 2.9969999999999997e+21, JavaScript 2.997e+21): 16–17 digits from 1e15 up are re-read. ≤ 15 digits are
  // JavaScript's digits whatever the magnitude (two different ≤ 15-digit decimals never give the same double).
  if (k >= 16 && n >= 16) return putAscii(out, o, String(Number(latin1(src, start, end))));
  if (neg) out[o++] = 0x2d;
  if (n >= k && n <= 21) {
    out[o++] = lead0;
    for (let j = frac; j < fracEnd; j++) out[o++] = src[j] as number;
    for (let j = k; j < n; j++) out[o++] = 0x30;
  } else if (n > 0 && n <= 21) {
    // 1 ≤ n < k: n digits, the point, the rest
    out[o++] = lead0;
    let j = frac;
    for (; j < frac + n - 1; j++) out[o++] = src[j] as number;
    out[o++] = 0x2e;
    for (; j < fracEnd; j++) out[o++] = src[j] as number;
  } else if (n > -6 && n <= 0) {
    out[o++] = 0x30;
    out[o++] = 0x2e;
    for (let j = n; j < 0; j++) out[o++] = 0x30;
    out[o++] = lead0;
    for (let j = frac; j < fracEnd; j++) out[o++] = src[j] as number;
  } else {
    out[o++] = lead0;
    if (fracEnd > frac) {
      out[o++] = 0x2e;
      for (let j = frac; j < fracEnd; j++) out[o++] = src[j] as number;
    }
    out[o++] = 0x65;
    out[o++] = expNeg ? 0x2d : 0x2b;
    for (let j = expDigits; j < end; j++) out[o++] = src[j] as number;
  }
  return o;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

function latin1(src: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(src[i] as number);
  return s;
}

/** The content of a quoted field src[start, end) (quotes included), "" → ". */
function unquote(src: Uint8Array, start: number, end: number): string {
  return utf8Decoder.decode(src.subarray(start + 1, end - 1)).replaceAll('""', '"');
}

function putAscii(out: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  return o + s.length;
}

function putString(out: Uint8Array, o: number, s: string): number {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch > 0x7f) break;
    out[o + i] = ch;
  }
  if (i === n) return o + n;
  return o + i + utf8.encodeInto(s.slice(i), out.subarray(o + i)).written;
}

/** How a column's COPY csv field becomes our field (see the module comment). Only scalar columns of the type the
 *  bulk plan casts them to are rewritten in place. */
function columnKind(f: EncoderColumn, oid: number): number {
  if (f.datatype === 'char' || f.datatype === 'unicodeChar') {
    const shape = parseArraysize(f.arraysize, { field: f.name });
    if (shape.kind !== 'variable' || shape.count !== Infinity) return K_PARSE;
    if (TEXT_OIDS.has(oid)) return K_TEXT;
    if (oid === PG_OID.TIMESTAMP) return K_TS;
    return K_PARSE;
  }
  if (f.arraysize !== undefined) return K_PARSE;
  switch (f.datatype) {
    case 'int':
      return oid === PG_OID.INT4 ? K_VERBATIM : K_PARSE;
    case 'long':
      return oid === PG_OID.INT8 ? K_VERBATIM : K_PARSE;
    case 'short':
      return oid === PG_OID.INT2 ? K_VERBATIM : K_PARSE;
    case 'double':
      return oid === PG_OID.FLOAT8 ? K_FLOAT : K_PARSE;
    case 'float':
      return oid === PG_OID.FLOAT4 ? K_FLOAT : K_PARSE;
    case 'boolean':
      return oid === PG_OID.BOOL ? K_BOOL : K_PARSE;
    default:
      return K_PARSE;
  }
}
