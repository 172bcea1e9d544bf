/** A byte-level CSV scanner for ingest: splits a file into records and fields without making a string or an
 *  object per value. Each batch is the bytes of a run of whole records plus, per field, its byte range (and
 *  whether it was quoted) in flat typed arrays, row-major; the caller validates column by column and copies the
 *  bytes it accepts straight into COPY. Grammar: RFC 4180 quoting ("" inside a quoted field is a quote; quoted
 *  fields may hold separators and line breaks), records ended by LF, CRLF or CR, empty lines skipped, lines whose
 *  first byte is '#' skipped (comments, as the CSC CLI writes them), a UTF-8 byte-order mark ignored, the first
 *  record is the header. A quote inside an unquoted field, text after a closing quote, an unclosed quote at the end
 *  of the file and a record whose field count differs from the header's are errors (IngestError CSV_SYNTAX /
 *  COLUMN_COUNT with the 1-based data row, as the error messages count rows). Pure apart from readCsvBatches. */
import { createReadStream } from 'node:fs';
import { IngestError } from '../errors.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const HASH = 0x23;

export interface CsvBatch {
  /** Bytes the ranges point into. */
  buf: Buffer;
  /** Records in this batch. */
  rows: number;
  /** Fields per record (the header's). */
  cols: number;
  /** start[r * cols + c] / end[…]: byte range of field c of record r (inside the quotes when quoted). */
  start: Int32Array;
  end: Int32Array;
  /** 1 when the field was quoted: its bytes may hold "" pairs. */
  quoted: Uint8Array;
  /** 1-based data row number of record 0. */
  firstRow: number;
}

/** The text of one field (quotes removed, "" pairs made single), decoded as UTF-8. */
export function fieldText(b: CsvBatch, r: number, c: number): string {
  const i = r * b.cols + c;
  const text = b.buf.toString('utf8', b.start[i] as number, b.end[i] as number);
  return b.quoted[i] === 1 && text.includes('"') ? text.replaceAll('""', '"') : text;
}

/** The end of the empty line end or '#' comment line at p (p itself when a record starts there); -1 when the
 *  comment runs to the end of the bytes and more may follow (not `last`). */
function skipNonRecord(buf: Buffer, p: number, n: number, last: boolean): number {
  const c0 = buf[p];
  if (c0 === LF || c0 === CR) return p + 1;
  if (c0 !== HASH) return p;
  let q = p;
  while (q < n && buf[q] !== LF && buf[q] !== CR) q++;
  return q === n && !last ? -1 : q;
}

/** Incremental scanner: push() chunks in file order, get back the records they complete. */
export class CsvScanner {
  header: string[] | undefined;
  private pending: Buffer | undefined;
  private rowCount = 0;
  private atFileStart = true;
  // The record being scanned: filled by scanRecord.
  private fields = 0;
  private start = new Int32Array(0);
  private end = new Int32Array(0);
  private quoted = new Uint8Array(0);

  constructor(private readonly file: string) {}

  /** Data rows scanned so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** Scans `chunk` (after the bytes left over from the previous push); `last` marks the end of the file. Returns the
   *  complete records, or undefined when none completed (e.g. the header alone). */
  push(chunk: Buffer, last = false): CsvBatch | undefined {
    const buf = this.pending && this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let p = 0;
    if (this.atFileStart) {
      if (buf.length < 3 && !last) {
        this.pending = buf;
        return undefined;
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.atFileStart = false;
    }
    const n = buf.length;
    if (!this.header) {
      p = this.scanHeader(buf, p, n, last);
      if (!this.header) {
        this.pending = buf.subarray(p);
        return undefined;
      }
    }
    const cols = this.header.length;
    // Capacity: at most one record per (cols) bytes plus one; grown when a guess falls short.
    let cap = Math.max(16, Math.ceil((n - p) / Math.max(2, cols * 2)));
    this.ensure(cap * cols);
    const firstRow = this.rowCount + 1;
    let rows = 0;
    while (p < n) {
      const s = skipNonRecord(buf, p, n, last);
      if (s < 0) break;
      if (s !== p) {
        p = s;
        continue;
      }
      if (rows === cap) {
        cap *= 2;
        this.ensure(cap * cols, rows * cols);
      }
      const q = this.scanRecord(buf, p, n, last, rows * cols, cols);
      if (q < 0) break;
      this.rowCount++;
      if (this.fields !== cols) {
        throw new IngestError('COLUMN_COUNT', `has ${this.fields} fields, the header has ${cols}`, { file: this.file, row: this.rowCount });
      }
      rows++;
      p = q;
    }
    if (p < n) this.pending = buf.subarray(p);
    if (last && this.pending?.length) {
      // Only an unclosed quote leaves bytes behind at the end of the file.
      throw new IngestError('CSV_SYNTAX', 'a quoted field is not closed before the end of the file', { file: this.file, row: this.rowCount + 1 });
    }
    if (rows === 0) return undefined;
    const size = rows * cols;
    return { buf, rows, cols, start: this.start.slice(0, size), end: this.end.slice(0, size), quoted: this.quoted.slice(0, size), firstRow };
  }

  private ensure(size: number, keep = 0): void {
    if (this.start.length >= size) return;
    const grow = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const a = make(size);
      a.set(old.subarray(0, keep));
      return a;
    };
    this.start = grow(this.start, (k) => new Int32Array(k));
    this.end = grow(this.end, (k) => new Int32Array(k));
    this.quoted = grow(this.quoted, (k) => new Uint8Array(k));
  }

  /** Finds the header (the first record that is neither empty nor a comment); returns where scanning stopped. */
  private scanHeader(buf: Buffer, p: number, n: number, last: boolean): number {
    while (p < n) {
      const s = skipNonRecord(buf, p, n, last);
      if (s < 0) return p;
      if (s !== p) {
        p = s;
        continue;
      }
      const max = 1 + countCommas(buf, p, n);
      this.ensure(max);
      const q = this.scanRecord(buf, p, n, last, 0, max);
      if (q < 0) return p;
      const b: CsvBatch = { buf, rows: 1, cols: this.fields, start: this.start, end: this.end, quoted: this.quoted, firstRow: 0 };
      this.header = Array.from({ length: this.fields }, (_, c) => fieldText(b, 0, c));
      return q;
    }
    return p;
  }

  /** Scans one record from p; stores up to `limit` field ranges from `base`, the field count in this.fields.
   *  Returns the position of the record's terminator (or n), or -1 when the bytes end before the record does. */
  private scanRecord(b: Buffer, p: number, n: number, last: boolean, base: number, limit: number): number {
    const start = this.start;
    const end = this.end;
    const quoted = this.quoted;
    let col = 0;
    let q = p;
    for (;;) {
      let fs: number;
      let fe: number;
      let isQuoted = 0;
      if (q < n && b[q] === QUOTE) {
        isQuoted = 1;
        let r = q + 1;
        fs = r;
        for (;;) {
          while (r < n && b[r] !== QUOTE) r++;
          if (r >= n) {
            if (!last) return -1;
            throw new IngestError('CSV_SYNTAX', 'a quoted field is not closed before the end of the file', { file: this.file, row: this.rowCount + 1 });
          }
          if (r + 1 < n && b[r + 1] === QUOTE) {
            r += 2;
            continue;
          }
          if (r + 1 >= n && !last) return -1;
          break;
        }
        fe = r;
        q = r + 1;
        if (q < n) {
          const d = b[q];
          if (d !== COMMA && d !== LF && d !== CR) {
            throw new IngestError('CSV_SYNTAX', `field ${col + 1}: characters after the closing quote (a quote inside a quoted field is written "")`, {
              file: this.file,
              row: this.rowCount + 1,
            });
          }
        }
      } else {
        fs = q;
        while (q < n) {
          const d = b[q];
          if (d === COMMA || d === LF || d === CR) break;
          if (d === QUOTE) {
            throw new IngestError('CSV_SYNTAX', `field ${col + 1}: a quote inside an unquoted field (quote the whole field and write the quote as "")`, {
              file: this.file,
              row: this.rowCount + 1,
            });
          }
          q++;
        }
        fe = q;
        if (q >= n && !last) return -1;
      }
      if (col < limit) {
        start[base + col] = fs;
        end[base + col] = fe;
        quoted[base + col] = isQuoted;
      }
      col++;
      if (q < n && b[q] === COMMA) {
        q++;
        continue;
      }
      break;
    }
    this.fields = col;
    return q;
  }
}

function countCommas(b: Buffer, p: number, n: number): number {
  let k = 0;
  for (let i = p; i < n; i++) {
    const c = b[i];
    if (c === COMMA) k++;
    else if (c === LF || c === CR) break;
  }
  return k;
}

export interface CsvBatches {
  header: string[];
  batches: AsyncGenerator<CsvBatch, void, undefined>;
}

/** Opens a CSV file: its header, then batches of about `chunkBytes` of records each, read as they are consumed. */
export async function readCsvBatches(file: string, chunkBytes = 1 << 20): Promise<CsvBatches> {
  const scanner = new CsvScanner(file);
  const stream = createReadStream(file, { highWaterMark: chunkBytes });
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: CsvBatch | undefined;
  let done = false;
  while (!scanner.header && !done) {
    const next = await it.next();
    done = next.done === true;
    first = scanner.push(done ? Buffer.alloc(0) : next.value, done);
  }
  const header = scanner.header;
  if (!header) {
    stream.destroy();
    throw new IngestError('EMPTY_FILE', 'the file has no header line', { file });
  }
  async function* batches(): AsyncGenerator<CsvBatch, void, undefined> {
    try {
      if (first) yield first;
      while (!done) {
        const next = await it.next();
        done = next.done === true;
        const b = scanner.push(done ? Buffer.alloc(0) : next.value, done);
        if (b) yield b;
      }
    } finally {
      stream.destroy();
    }
  }
  return { header, batches: batches() };
}
