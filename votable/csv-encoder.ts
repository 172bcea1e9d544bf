/** Streaming CSV (RFC 4180) and TSV (IANA text/tab-separated-values) encoders: a header line of column names,
 *  then one line per row. Neither format can carry INFOs, so MAXREC overflow is reported through `onEnd`
 *  (the server turns it into a response header where it can). A failing row source ends the output after the
 *  rows before it and is reported through `onEnd` (status ERROR with the error), as every encoder does (the
 *  contract is in docs/errors.md): these formats have no place for it, so query/ aborts the transfer. Spec: RFC 4180; TAP 1.1 §2.7.1. Pure.
 *
 *  Values: null → empty field; numbers in shortest round-trip form, NaN/Infinity/-Infinity (readable by Java
 *  and Python); booleans true/false; long exact; arrays and DALI geometry as space-separated numbers.
 *  CSV: a field is quoted when it contains a comma, quote, CR or LF, or is the empty string (so "" ≠ null),
 *  quotes doubled; lines end in CRLF. TSV: a value's backslash, TAB, LF and CR become \\, \t, \n and \r (the
 *  PostgreSQL COPY text convention), so a TAB or newline never appears inside a field; lines end in LF. */
import type { Row } from './row.js';
import { buildTextFormatter, type EncoderColumn, type TextDialect, type TextFormatter } from './column-codecs.js';
import { closeSource, type EncodeSummary, type RowSink } from './votable-encoder.js';

export interface TextEncodeOptions {
  /** Write at most this many rows; a further row ends the output with status OVERFLOW in `onEnd`. */
  maxrec?: number;
  /** Write the header line (default true). */
  header?: boolean;
  onEnd?: (summary: EncodeSummary) => void;
  /** Target size of the output chunks in bytes; default 65536. */
  chunkBytes?: number;
}

const PLAIN: TextDialect = {
  escape: (s) => s,
  nan: 'NaN',
  posInf: 'Infinity',
  negInf: '-Infinity',
  trueText: 'true',
  falseText: 'false',
};

const CSV_SPECIAL = /[",\r\n]/;

/** RFC 4180 quoting of one field. */
export function quoteCsv(s: string): string {
  if (s === '') return '""';
  return CSV_SPECIAL.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const TSV_SPECIAL = /[\\\t\n\r]/;

/** Escapes a TSV field: backslash, TAB, LF, CR → \\, \t, \n, \r. */
export function escapeTsv(s: string): string {
  if (!TSV_SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const utf8 = new TextEncoder();

/** One formatter per column for a non-null value, text columns passed through `fieldText` (quoting/escaping). */
export function textFieldFormatters(fields: ReadonlyArray<EncoderColumn>, fieldText: (s: string) => string): TextFormatter[] {
  return fields.map((f) => {
    const base = buildTextFormatter(f, PLAIN);
    // Only text columns can contain separators or quotes; numbers, booleans and arrays never do.
    return f.datatype === 'char' || f.datatype === 'unicodeChar' ? (v: unknown) => fieldText(base(v)) : base;
  });
}

/** The separators and field escaping of CSV and TSV (also used by db/copy-text.ts). */
export const CSV_DIALECT = { sep: ',', eol: '\r\n', fieldText: quoteCsv } as const;
export const TSV_DIALECT = { sep: '\t', eol: '\n', fieldText: escapeTsv } as const;

/** The one driver of the CSV/TSV documents, for any kind of input piece (JS row batches here, COPY csv chunks in
 *  db/copy-text.ts): the header line (unless `header: false`), MAXREC 0 (the source is closed unread), the
 *  source loop with MAXREC + 1 overflow, a failing source ending the output after the rows before it, and the
 *  one `onEnd` summary (OK, OVERFLOW, ERROR with the error, or CANCELLED when the consumer stops). */
export async function* encodeTextWith<T>(
  headerLine: string,
  source: AsyncIterable<T> | Iterable<T>,
  sink: RowSink<T>,
  opts: TextEncodeOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const limit = opts.maxrec ?? Infinity;
  let status: EncodeSummary['status'] = 'CANCELLED';
  let error: unknown;
  // The header leaves with the first rows (one write, as before the driver was shared), or alone at the end.
  let head: Uint8Array | undefined = opts.header === false ? undefined : utf8.encode(headerLine);
  const withHead = (chunk: Uint8Array): Uint8Array => {
    if (!head) return chunk;
    const joined = new Uint8Array(head.length + chunk.length);
    joined.set(head);
    joined.set(chunk, head.length);
    head = undefined;
    return joined;
  };
  try {
    let overflow = false;
    let failed = false;
    if (limit <= 0) {
      overflow = true;
      await closeSource(source);
    } else {
      try {
        for await (const piece of source) {
          if (sink.write(piece, limit)) {
            overflow = true;
            break; // for-await calls the source's return(): the cursor or COPY closes here
          }
          for (const chunk of sink.take()) yield withHead(chunk);
        }
        if (!overflow) sink.end?.();
      } catch (err) {
        error = err;
        failed = true;
      }
    }
    for (const chunk of sink.finish()) yield withHead(chunk);
    if (head) yield head;
    status = failed ? 'ERROR' : overflow ? 'OVERFLOW' : 'OK';
  } finally {
    const rows = sink.rows;
    opts.onEnd?.(status === 'ERROR' ? { rows, status, error } : { rows, status });
  }
}

/** The header line of a CSV/TSV document. */
export function headerLine(fields: ReadonlyArray<EncoderColumn>, sep: string, eol: string, fieldText: (s: string) => string): string {
  return fields.map((f) => fieldText(f.name)).join(sep) + eol;
}

/** CSV/TSV lines from JS row batches. */
class DelimitedSink implements RowSink<Row[]> {
  rows = 0;
  private text = '';
  private out: Uint8Array[] = [];
  private readonly fmts: TextFormatter[];
  constructor(
    fields: ReadonlyArray<EncoderColumn>,
    private readonly sep: string,
    private readonly eol: string,
    fieldText: (s: string) => string,
    private readonly chunkChars: number,
  ) {
    this.fmts = textFieldFormatters(fields, fieldText);
  }
  write(batch: Row[], limit: number): boolean {
    const fmts = this.fmts;
    const sep = this.sep;
    for (let i = 0; i < batch.length; i++) {
      if (this.rows >= limit) return true;
      const row = batch[i] as Row;
      let line = '';
      for (let c = 0; c < fmts.length; c++) {
        const v = row[c];
        if (c > 0) line += sep;
        if (v !== null && v !== undefined) line += (fmts[c] as TextFormatter)(v);
      }
      this.text += line + this.eol;
      this.rows++;
    }
    if (this.text.length >= this.chunkChars) {
      this.out.push(utf8.encode(this.text));
      this.text = '';
    }
    return false;
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

function encodeDelimited(
  fields: ReadonlyArray<EncoderColumn>,
  batches: AsyncIterable<Row[]> | Iterable<Row[]>,
  opts: TextEncodeOptions,
  sep: string,
  eol: string,
  fieldText: (s: string) => string,
): AsyncGenerator<Uint8Array, void, undefined> {
  return encodeTextWith(headerLine(fields, sep, eol, fieldText), batches, new DelimitedSink(fields, sep, eol, fieldText, opts.chunkBytes ?? 65536), opts);
}

/** CSV with a header line (Content-Type `text/csv;header=present`). */
export function encodeCsv(
  fields: ReadonlyArray<EncoderColumn>,
  batches: AsyncIterable<Row[]> | Iterable<Row[]>,
  opts: TextEncodeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return encodeDelimited(fields, batches, opts, CSV_DIALECT.sep, CSV_DIALECT.eol, CSV_DIALECT.fieldText);
}

/** TSV with a header line (Content-Type `text/tab-separated-values`). */
export function encodeTsv(
  fields: ReadonlyArray<EncoderColumn>,
  batches: AsyncIterable<Row[]> | Iterable<Row[]>,
  opts: TextEncodeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return encodeDelimited(fields, batches, opts, TSV_DIALECT.sep, TSV_DIALECT.eol, TSV_DIALECT.fieldText);
}
