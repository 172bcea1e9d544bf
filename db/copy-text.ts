/** CSV and TSV straight from `COPY (…) TO STDOUT (FORMAT csv)`: PostgreSQL's text is split into fields and each
 *  field rewritten only where our encoders (votable/csv-encoder.ts) write something else, so the document is
 *  byte-identical to the cursor path's. Integers are copied as they come; doubles and reals too unless PostgreSQL
 *  wrote an exponent (it switches to one from 1e15 and below 1e-4, JavaScript from 1e21 and below 1e-6), which
 *  are re-read as the cursor path does; booleans t/f become true/false; every other column (text, timestamps,
 *  arrays, bytes out of an unsignedByte's range) is parsed with the cursor path's own type parser and written
 *  with the cursor path's own formatter, so it cannot disagree. Same header, MAXREC (OVERFLOW in onEnd) and
 *  mid-stream error contract (status ERROR in onEnd) as encodeCsv/encodeTsv. Spec: PostgreSQL 15 COPY §"CSV
 *  Format"; RFC 4180. Pure. */
import type { EncoderColumn } from '../votable/column-codecs.js';
import { textFieldFormatters, type TextEncodeOptions } from '../votable/csv-encoder.js';
import { closeSource, type EncodeSummary } from '../votable/votable-encoder.js';
import { PG_OID } from './pg-types.js';

type TextParser = (text: string) => unknown;

const K_VERBATIM = 0;
const K_FLOAT = 1;
const K_BOOL = 2;
const K_PARSE = 3;

export interface CopyTextDialect {
  sep: string;
  eol: string;
  /** Field text of a column name in the header. */
  fieldText: (s: string) => string;
}

/** Encodes CSV/TSV from COPY csv chunks of `SELECT <fields>` whose column types are `typeOids`; `parser` is the
 *  cursor path's text parser for an OID. */
export async function* encodeTextFromCopyCsv(
  fields: ReadonlyArray<EncoderColumn>,
  typeOids: ReadonlyArray<number>,
  parser: (oid: number) => TextParser,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  dialect: CopyTextDialect,
  opts: TextEncodeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { sep, eol } = dialect;
  const fmts = textFieldFormatters(fields, dialect.fieldText);
  const ncols = fields.length;
  const kinds = fields.map((f, i) => columnKind(f, typeOids[i] as number));
  const parsers = typeOids.map((oid) => parser(oid));
  const chunkBytes = opts.chunkBytes ?? 65536;
  const limit = opts.maxrec ?? Infinity;
  const decoder = new TextDecoder('utf-8');
  const utf8 = new TextEncoder();
  let rows = 0;
  let status: EncodeSummary['status'] = 'CANCELLED';
  let error: unknown;
  try {
    let out = opts.header === false ? '' : fields.map((f) => dialect.fieldText(f.name)).join(sep) + eol;
    let overflow = false;
    let failed = false;
    if (limit <= 0) {
      overflow = true;
      await closeSource(chunks);
    } else {
      let rest = '';
      try {
        outer: for await (const chunk of chunks) {
          const text = rest + decoder.decode(chunk, { stream: true });
          let p = 0;
          const n = text.length;
          // One row per iteration; a row the chunk cut is kept in `rest` and read again with the next chunk.
          rows: while (p < n) {
            if (rows >= limit) {
              overflow = true;
              break outer;
            }
            let q = p;
            let line = '';
            for (let c = 0; c < ncols; c++) {
              let value: string | null;
              if (text.charCodeAt(q) === 0x22) {
                // Quoted: "" is a quote; ends at the quote followed by the separator or the end of the line.
                let s = '';
                let r = q + 1;
                for (;;) {
                  const e = text.indexOf('"', r);
                  if (e < 0 || e + 1 >= n) break rows;
                  s += text.slice(r, e);
                  if (text.charCodeAt(e + 1) === 0x22) {
                    s += '"';
                    r = e + 2;
                  } else {
                    q = e + 1;
                    break;
                  }
                }
                value = s;
              } else {
                let e = q;
                while (e < n) {
                  const ch = text.charCodeAt(e);
                  if (ch === 0x2c || ch === 0x0a) break;
                  e++;
                }
                if (e >= n) break rows;
                value = e === q ? null : text.slice(q, e);
                q = e;
              }
              const end = text.charCodeAt(q);
              if (end !== (c === ncols - 1 ? 0x0a : 0x2c)) throw new Error(`COPY csv: unexpected ${JSON.stringify(text[q])} after column ${c + 1} of row ${rows + 1}`);
              q++;
              if (c > 0) line += sep;
              if (value === null) continue;
              switch (kinds[c]) {
                case K_VERBATIM:
                  line += value;
                  break;
                case K_FLOAT:
                  line += value.indexOf('e') < 0 ? value : String(Number(value));
                  break;
                case K_BOOL:
                  line += value === 't' ? 'true' : 'false';
                  break;
                default:
                  line += fmts[c]!((parsers[c] as TextParser)(value));
              }
            }
            out += line + eol;
            rows++;
            p = q;
          }
          rest = text.slice(p);
          if (out.length >= chunkBytes) {
            yield utf8.encode(out);
            out = '';
          }
        }
        if (!overflow && (rest !== '' || decoder.decode() !== '')) throw new Error('COPY csv: the output ended inside a row');
      } catch (err) {
        error = err;
        failed = true;
      }
    }
    if (out !== '') yield utf8.encode(out);
    status = failed ? 'ERROR' : overflow ? 'OVERFLOW' : 'OK';
  } finally {
    opts.onEnd?.(status === 'ERROR' ? { rows, status, error } : { rows, status });
  }
}

/** How a column's COPY csv field becomes our field (see the module comment). Only scalar columns of the type the
 *  bulk plan casts them to are rewritten in place. */
function columnKind(f: EncoderColumn, oid: number): number {
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
