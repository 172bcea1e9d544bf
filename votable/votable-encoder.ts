/** Streaming VOTable encoder: (document info, FIELDs, row batches) → UTF-8 chunks, in TABLEDATA, BINARY2 or
 *  BINARY. Hand-written rather than built with an XML library so that memory stays flat and the first bytes
 *  leave before the last row is read; the binary path writes big-endian values straight into one reusable
 *  buffer and base64-encodes whole 57-byte lines of it as it fills. Owns MAXREC truncation (OVERFLOW) and the
 *  trailing ERROR INFO; the caller owns the query and the HTTP response.
 *  Spec: VOTable 1.4 §5 (serializations), DALI 1.1 §4.4.1 (trailing OVERFLOW), §4.4.2 (ERROR). Pure. */
import type { Row } from './row.js';
import { BASE64_LINE_BYTES, encodeBase64Lines } from './base64.js';
import {
  buildBinaryCodec,
  buildTextFormatter,
  buildTextNull,
  isFixedArrayColumn,
  defaultIntegerNull,
  isIntegerDatatype,
  type BinaryNullWriter,
  type BinaryWriter,
  type EncoderColumn,
  type TextDialect,
  type TextFormatter,
} from './column-codecs.js';
import { buildDocumentFrame, type VotableDocInfo } from './document.js';
import { escapeXmlText } from './xml.js';

export type VotableSerialization = 'TABLEDATA' | 'BINARY2' | 'BINARY';

/** How an encoding ended: all rows, truncated at MAXREC, the row source failed, or the consumer stopped. */
export interface EncodeSummary {
  rows: number;
  status: 'OK' | 'OVERFLOW' | 'ERROR' | 'CANCELLED';
  error?: unknown;
}

export interface VotableEncodeOptions {
  serialization: VotableSerialization;
  /** Default '1.4'. */
  version?: '1.4' | '1.5';
  /** Write at most this many rows; if another row arrives, end with QUERY_STATUS OVERFLOW. 0 → no rows, OVERFLOW. */
  maxrec?: number;
  /** Text of the trailing ERROR INFO for an error thrown by the row source; default: the Error's message. The
   *  server passes its own mapping so that only typed errors show their text. */
  describeError?: (err: unknown) => string;
  /** Called once when the document is complete (or abandoned by the consumer). */
  onEnd?: (summary: EncodeSummary) => void;
  /** Target size of the output chunks in bytes (binary: of the binary data before base64); default 65536. */
  chunkBytes?: number;
}

/** TABLEDATA spelling of values (VOTable 1.4 §6: NaN, +Inf, -Inf; booleans T/F). */
export const TABLEDATA_DIALECT: TextDialect = {
  escape: escapeXmlText,
  nan: 'NaN',
  posInf: '+Inf',
  negInf: '-Inf',
  trueText: 'T',
  falseText: 'F',
};

const utf8 = new TextEncoder();

/** Encodes rows one at a time (the JS-row serializations). */
interface RowWriter {
  /** Encodes one row, or throws leaving the output as it was before the row. */
  writeRow(row: Row): void;
  /** Output chunks ready to go, removed from the sink. */
  take(): Uint8Array[];
  /** Everything still buffered, closing the STREAM content (base64 padding) for binary. */
  finish(): Uint8Array[];
}

/** Where the rows of a document go: one piece of input at a time (a batch of JS rows, or a buffer of PostgreSQL
 *  binary COPY data for the bulk path in pg-copy-binary.ts), counted against MAXREC, out as document chunks. */
export interface RowSink<T> {
  /** Rows written so far (complete rows only). */
  readonly rows: number;
  /** Writes the rows of one piece while fewer than `limit` rows are written; returns true when a further row
   *  arrived past the limit (MAXREC overflow: the caller stops reading). Throws leaving the output on a row
   *  boundary, with `rows` counting what was written. */
  write(piece: T, limit: number): boolean;
  /** The source ended normally: throws if it ended inside a row. */
  end?(): void;
  /** Output chunks ready to go, removed from the sink. */
  take(): Uint8Array[];
  /** Everything still buffered, closing the STREAM content (base64 padding) for binary. */
  finish(): Uint8Array[];
}

class BatchSink implements RowSink<Row[]> {
  rows = 0;
  constructor(private readonly writer: RowWriter) {}
  write(batch: Row[], limit: number): boolean {
    for (let i = 0; i < batch.length; i++) {
      if (this.rows >= limit) return true;
      this.writer.writeRow(batch[i] as Row);
      this.rows++;
    }
    return false;
  }
  take(): Uint8Array[] {
    return this.writer.take();
  }
  finish(): Uint8Array[] {
    return this.writer.finish();
  }
}

class TabledataSink implements RowWriter {
  private text = '';
  private out: Uint8Array[] = [];
  private readonly fmts: TextFormatter[];
  private readonly nullCells: string[];
  constructor(
    fields: ReadonlyArray<EncoderColumn>,
    nullValues: ReadonlyArray<number | bigint | undefined>,
    private readonly chunkChars: number,
  ) {
    this.fmts = fields.map((f, i) => buildTextFormatter(f, TABLEDATA_DIALECT, nullValues[i]));
    this.nullCells = fields.map((f, i) => {
      const t = buildTextNull(f, TABLEDATA_DIALECT, nullValues[i]);
      return t === '' ? '<TD/>' : `<TD>${t}</TD>`;
    });
  }
  writeRow(row: Row): void {
    const fmts = this.fmts;
    let s = '<TR>';
    for (let c = 0; c < fmts.length; c++) {
      const v = row[c];
      s += v === null || v === undefined ? (this.nullCells[c] as string) : `<TD>${(fmts[c] as TextFormatter)(v)}</TD>`;
    }
    this.text += `${s}</TR>\n`;
    if (this.text.length >= this.chunkChars) {
      this.out.push(utf8.encode(this.text));
      this.text = '';
    }
  }
  take(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }
  finish(): Uint8Array[] {
    if (this.text !== '') this.out.push(utf8.encode(this.text));
    this.text = '';
    return this.take();
  }
}

/** Base64 lines the output buffer starts with (4 KiB). */
const INITIAL_LINES = 72;

/** The growable output buffer of the binary serializations: writers put complete rows at `pos` after
 *  `reserve`, and whole base64 lines of them leave as the buffer fills. Shared by BinarySink (JS rows) and the
 *  COPY transcoder (pg-copy-binary.ts). */
export class Base64RowBuffer {
  buf: Uint8Array;
  dv: DataView;
  /** End of the last complete row. */
  pos = 0;
  private out: Uint8Array[] = [];
  /** The size whole lines leave at: the buffer starts small (most results are a few rows, and a zero-filled
   *  64 KiB allocation per document showed in small-query profiles) and doubles up to this before it flushes. */
  private readonly target: number;

  constructor(chunkBytes: number) {
    this.target = Math.max(BASE64_LINE_BYTES, Math.ceil(chunkBytes / BASE64_LINE_BYTES) * BASE64_LINE_BYTES);
    this.buf = new Uint8Array(Math.min(this.target, INITIAL_LINES * BASE64_LINE_BYTES));
    this.dv = new DataView(this.buf.buffer);
  }

  /** Makes room for n more bytes at pos, sending whole base64 lines of complete rows out first. `buf` and `dv`
   *  may be replaced: read them after this call. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.buf.length < this.target) {
      const lines = Math.ceil((this.pos + n) / BASE64_LINE_BYTES);
      this.grow(Math.min(this.target, Math.max(2 * this.buf.length, lines * BASE64_LINE_BYTES)));
      if (this.pos + n <= this.buf.length) return;
    }
    const k = Math.floor(this.pos / BASE64_LINE_BYTES) * BASE64_LINE_BYTES;
    if (k > 0) {
      this.out.push(encodeBase64Lines(this.buf, k));
      this.buf.copyWithin(0, k, this.pos);
      this.pos -= k;
    }
    if (this.pos + n > this.buf.length) this.grow(Math.ceil((this.pos + n) / BASE64_LINE_BYTES) * BASE64_LINE_BYTES * 2);
  }

  private grow(size: number): void {
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
    this.dv = new DataView(bigger.buffer);
  }

  take(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  finish(): Uint8Array[] {
    if (this.pos > 0) this.out.push(encodeBase64Lines(this.buf, this.pos));
    this.pos = 0;
    return this.take();
  }
}

/** BINARY / BINARY2 rows from JS values, through the per-column codecs. */
class BinarySink extends Base64RowBuffer implements RowWriter {
  private readonly writers: BinaryWriter[];
  private readonly nullWriters: BinaryNullWriter[];
  private readonly maxBytes: Array<(v: unknown) => number>;
  private readonly varCols: number[];
  private readonly maskBytes: number;
  private readonly fixedRowBytes: number;

  constructor(fields: ReadonlyArray<EncoderColumn>, nullValues: ReadonlyArray<number | bigint | undefined>, hasMask: boolean, chunkBytes: number) {
    super(chunkBytes);
    const codecs = fields.map((f, i) => buildBinaryCodec(f, nullValues[i]));
    this.writers = codecs.map((c) => c.write);
    this.nullWriters = codecs.map((c) => c.writeNull);
    this.maxBytes = codecs.map((c) => c.maxBytes);
    this.varCols = [];
    this.maskBytes = hasMask ? (fields.length + 7) >> 3 : 0;
    let fixed = this.maskBytes;
    codecs.forEach((c, i) => {
      if (c.fixedBytes < 0) this.varCols.push(i);
      else fixed += c.fixedBytes;
    });
    this.fixedRowBytes = fixed;
  }

  writeRow(row: Row): void {
    let need = this.fixedRowBytes;
    const varCols = this.varCols;
    for (let j = 0; j < varCols.length; j++) {
      const c = varCols[j] as number;
      const v = row[c];
      need += v === null || v === undefined ? 4 : (this.maxBytes[c] as (v: unknown) => number)(v);
    }
    this.reserve(need);
    const u8 = this.buf;
    const dv = this.dv;
    const writers = this.writers;
    const nullWriters = this.nullWriters;
    const n = writers.length;
    const maskAt = this.pos;
    let p = maskAt;
    for (let b = 0; b < this.maskBytes; b++) u8[p++] = 0;
    if (this.maskBytes > 0) {
      for (let c = 0; c < n; c++) {
        const v = row[c];
        if (v === null || v === undefined) {
          // BINARY2 null flags: one bit per FIELD, most significant bit first (VOTable 1.3 §5.5).
          u8[maskAt + (c >> 3)] = (u8[maskAt + (c >> 3)] as number) | (0x80 >> (c & 7));
          p = (nullWriters[c] as BinaryNullWriter)(u8, dv, p);
        } else p = (writers[c] as BinaryWriter)(u8, dv, p, v);
      }
    } else {
      for (let c = 0; c < n; c++) {
        const v = row[c];
        p = v === null || v === undefined ? (nullWriters[c] as BinaryNullWriter)(u8, dv, p) : (writers[c] as BinaryWriter)(u8, dv, p, v);
      }
    }
    // Only now is the row committed; a throw above leaves pos at the previous row's end.
    this.pos = p;
  }
}

function defaultDescribeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Column sentinels written as VALUES null: declared ones, plus type minima where the serialization has no
 *  other way to carry a null integer: BINARY (no null flags), and fixed-size integer arrays in TABLEDATA
 *  (written element-wise, see buildTextNull). */
export function effectiveNullValues(fields: ReadonlyArray<EncoderColumn>, serialization: VotableSerialization): Array<number | bigint | undefined> {
  return fields.map((f) => {
    if (!isIntegerDatatype(f.datatype)) return undefined;
    if (f.nullValue !== undefined) return f.nullValue;
    const needed = serialization === 'BINARY' || (serialization === 'TABLEDATA' && isFixedArrayColumn(f));
    return needed ? defaultIntegerNull(f.datatype) : undefined;
  });
}

/** Encodes a result as a VOTable document, batch by batch.
 *
 *  Writes `<INFO name="QUERY_STATUS" value="OK"/>` before the TABLE; at most `maxrec` rows; if a further row
 *  arrives, stops reading (the source's `return()` runs, closing its cursor) and writes a trailing
 *  `QUERY_STATUS=OVERFLOW` INFO after the TABLE. If the source throws, the rows so far are kept, the binary
 *  stream is closed on a row boundary, and a trailing `QUERY_STATUS=ERROR` INFO carries the message; the
 *  generator then completes normally and reports the error through `onEnd`. */
export function encodeVotable(
  doc: VotableDocInfo,
  fields: ReadonlyArray<EncoderColumn>,
  batches: AsyncIterable<Row[]> | Iterable<Row[]>,
  opts: VotableEncodeOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { serialization } = opts;
  const chunkBytes = opts.chunkBytes ?? 65536;
  return encodeVotableWith(doc, fields, batches, (nullValues) =>
    new BatchSink(serialization === 'TABLEDATA' ? new TabledataSink(fields, nullValues, chunkBytes) : new BinarySink(fields, nullValues, serialization === 'BINARY2', chunkBytes)),
    opts,
  );
}

/** The document driver behind encodeVotable, for any kind of input piece: `makeSink` gets the effective integer
 *  null sentinels (also written as VALUES null) and returns the sink that turns pieces into rows. Head, tail,
 *  MAXREC/OVERFLOW, trailing ERROR and `onEnd` behave exactly as in encodeVotable. */
export async function* encodeVotableWith<T>(
  doc: VotableDocInfo,
  fields: ReadonlyArray<EncoderColumn>,
  source: AsyncIterable<T> | Iterable<T>,
  makeSink: (nullValues: ReadonlyArray<number | bigint | undefined>) => RowSink<T>,
  opts: VotableEncodeOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { serialization } = opts;
  const nullValues = effectiveNullValues(fields, serialization);
  const frame = buildDocumentFrame(doc, fields, nullValues, opts.version ?? '1.4');
  const [open, close] =
    serialization === 'TABLEDATA'
      ? ['<DATA><TABLEDATA>\n', '</TABLEDATA></DATA>\n']
      : [`<DATA><${serialization}><STREAM encoding="base64">\n`, `</STREAM></${serialization}></DATA>\n`];
  const sink = makeSink(nullValues);

  const limit = opts.maxrec ?? Infinity;
  let status: EncodeSummary['status'] = 'CANCELLED';
  let error: unknown;
  try {
    yield utf8.encode(frame.head + open);
    let overflow = false;
    let failed = false;
    if (limit <= 0) {
      // DALI §3.4.4: MAXREC=0 asks for metadata only; the result is, by definition, an overflow.
      overflow = true;
      await closeSource(source);
    } else {
      try {
        for await (const piece of source) {
          if (sink.write(piece, limit)) {
            overflow = true;
            break; // for-await calls the source's return(): the cursor closes here
          }
          for (const chunk of sink.take()) yield chunk;
        }
        if (!overflow) sink.end?.();
      } catch (err) {
        failed = true;
        error = err;
      }
    }
    for (const chunk of sink.finish()) yield chunk;
    status = failed ? 'ERROR' : overflow ? 'OVERFLOW' : 'OK';
    const message = failed ? (opts.describeError ?? defaultDescribeError)(error) : undefined;
    yield utf8.encode(close + frame.tail(status === 'ERROR' ? 'ERROR' : overflow ? 'OVERFLOW' : 'OK', message));
  } finally {
    const rows = sink.rows;
    opts.onEnd?.(status === 'ERROR' ? { rows, status, error } : { rows, status });
  }
}

/** Lets a source that will not be read release what it holds (a cursor opened eagerly). */
export async function closeSource(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  await it.return?.();
}
