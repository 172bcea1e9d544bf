/** Streaming row counters for downloaded TAP results, so a bulk download is verified without holding it in memory:
 *  BINARY2 (the header's FIELDs give each row's layout; the base64 STREAM is decoded and walked row by row),
 *  TABLEDATA (`<TR` elements) and CSV/TSV (lines after the header). Each counter also reports the document's
 *  QUERY_STATUS (OVERFLOW or ERROR), which decides whether the count is the whole answer. Pure. */

export type Format = 'binary2' | 'tabledata' | 'csv' | 'tsv';

export interface CountResult {
  rows: number;
  /** QUERY_STATUS value found in the document after the data (VOTable only), e.g. OVERFLOW or ERROR. */
  status?: string;
}

export interface RowCounter {
  push(chunk: Uint8Array): void;
  end(): CountResult;
}

const SIZES: Record<string, number> = {
  boolean: 1, bit: 1, unsignedByte: 1, short: 2, int: 4, long: 8, char: 1, unicodeChar: 2, float: 4, double: 8,
  floatComplex: 8, doubleComplex: 16,
};

/** A field's width in bytes, or -1 for a variable-length array (int32 count prefix). */
export interface FieldLayout {
  size: number;
  variable: boolean;
}

export function fieldLayouts(header: string): FieldLayout[] {
  const out: FieldLayout[] = [];
  for (const m of header.matchAll(/<FIELD\b([^>]*)>/g)) {
    const attrs = m[1] ?? '';
    const datatype = /\bdatatype="([^"]+)"/.exec(attrs)?.[1] ?? '';
    const size = SIZES[datatype];
    if (size === undefined) throw new Error(`unsupported FIELD datatype "${datatype}"`);
    const arraysize = /\barraysize="([^"]+)"/.exec(attrs)?.[1];
    if (!arraysize) out.push({ size, variable: false });
    else if (arraysize.endsWith('*')) out.push({ size, variable: true });
    else out.push({ size: size * arraysize.split('x').reduce((a, d) => a * Number(d), 1), variable: false });
  }
  if (out.length === 0) throw new Error('no FIELD in the VOTable header');
  return out;
}

function statusOf(text: string): string | undefined {
  const all = [...text.matchAll(/<INFO\s+name="QUERY_STATUS"\s+value="([A-Z]+)"/g)];
  const last = all[all.length - 1];
  return last && last[1] !== 'OK' ? last[1] : undefined;
}

const OPEN = /<STREAM\s+encoding="base64"\s*>/;
const B64 = new Int16Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) B64[c.charCodeAt(0)] = i;

/** BINARY2: decodes the base64 STREAM with the runtime's decoder (whole 4-character quanta of each chunk) and walks
 *  the bytes row by row (null mask, fixed fields skipped as one run, variable ones by their length prefix), so
 *  that the client costs less than the server it measures. */
function binary2Counter(): RowCounter {
  let header = '';
  let rows = 0;
  let tail = '';
  let done = false;
  /** The row layout as steps: ≥ 0 skips that many bytes, < 0 reads an int32 count and skips count × (−step). */
  let steps: number[] | undefined;
  /** Base64 characters not yet decoded (less than one quantum). */
  let pending = '';
  /** Decoded bytes of a row not complete yet. */
  let carry: Buffer = Buffer.alloc(0);
  const walk = (bytes: Buffer): void => {
    const st = steps as number[];
    const n = bytes.length;
    let p = 0;
    outer: for (;;) {
      let q = p;
      for (let i = 0; i < st.length; i++) {
        const k = st[i] as number;
        if (k >= 0) q += k;
        else {
          if (q + 4 > n) break outer;
          q += 4 + bytes.readUInt32BE(q) * -k;
        }
      }
      if (q > n || q === p) break;
      rows++;
      p = q;
    }
    carry = bytes.subarray(p);
  };
  const decode = (text: string): void => {
    const chars = pending + text.replace(/[^A-Za-z0-9+/=]+/g, '');
    const whole = chars.length - (chars.length % 4);
    pending = chars.slice(whole);
    if (whole === 0) return;
    const bytes = Buffer.from(chars.slice(0, whole), 'base64');
    walk(carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes);
  };
  return {
    push(chunk) {
      const text = Buffer.from(chunk).toString('latin1');
      if (done) {
        tail = (tail + text).slice(-4096);
        return;
      }
      if (!steps) {
        header += text;
        const m = OPEN.exec(header);
        if (!m) return;
        const layout = fieldLayouts(header.slice(0, m.index));
        steps = [Math.ceil(layout.length / 8)];
        for (const f of layout) {
          if (f.variable) steps.push(-f.size);
          else if ((steps[steps.length - 1] as number) >= 0) steps[steps.length - 1] = (steps[steps.length - 1] as number) + f.size;
          else steps.push(f.size);
        }
        const rest = header.slice(m.index + m[0].length);
        header = '';
        return this.push(Buffer.from(rest, 'latin1'));
      }
      const close = text.indexOf('<');
      decode(close >= 0 ? text.slice(0, close) : text);
      if (close >= 0) {
        done = true;
        tail = text.slice(close);
      }
    },
    end() {
      if (!steps) throw new Error('no BINARY2 STREAM in the document');
      if (!done) throw new Error('the BINARY2 STREAM is not closed');
      if (carry.length > 0 || pending.length > 0) throw new Error(`the BINARY2 STREAM ends inside a row (after ${rows} rows)`);
      return { rows, status: statusOf(tail) };
    },
  };
}

function tabledataCounter(): RowCounter {
  let rows = 0;
  let carry = '';
  let tail = '';
  return {
    push(chunk) {
      const piece = Buffer.from(chunk).toString('latin1');
      const text = carry + piece;
      for (let i = text.indexOf('<TR'); i >= 0 && i + 3 < text.length; i = text.indexOf('<TR', i + 3)) {
        const c = text[i + 3];
        if (c === '>' || c === ' ') rows++;
      }
      carry = text.slice(-3); // a match starting here was not counted yet (it needs a 4th character)
      tail = (tail + piece).slice(-4096);
    },
    end() {
      return { rows, status: statusOf(tail) };
    },
  };
}

/** CSV or TSV with a header line; rows are the newline count minus one (no quoted newlines in the bench's data; TSV
 *  escapes them). */
function csvCounter(): RowCounter {
  let lines = 0;
  let last = 10;
  return {
    push(chunk) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (chunk.length) last = chunk[chunk.length - 1] as number;
    },
    end() {
      const total = last === 10 ? lines : lines + 1;
      return { rows: Math.max(0, total - 1) };
    },
  };
}

export function rowCounter(format: Format): RowCounter {
  if (format === 'binary2') return binary2Counter();
  if (format === 'tabledata') return tabledataCounter();
  return csvCounter();
}
