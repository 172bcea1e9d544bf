/** encodeTextFromCopyCsv on hand-made COPY csv text: the same CSV as encodeCsv on the values the cursor path
 *  would have read, whatever the chunk boundaries (inside quotes, multi-byte characters, between rows); MAXREC
 *  overflow; a truncated stream is an ERROR. The end-to-end identity on PostgreSQL is in test/bulk-copy.test.ts. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { CSV_DIALECT, encodeCsv, encodeTsv, TSV_DIALECT } from '../votable/csv-encoder.js';
import type { EncodeSummary } from '../votable/votable-encoder.js';
import { encodeTabledataFromCopyCsv, encodeTextFromCopyCsv, putExponentDouble } from './copy-text.js';
import { encodeVotable } from '../votable/votable-encoder.js';
import { typeParsers } from './pg-adapter.js';
import { PG_OID } from './pg-types.js';

const fields: EncoderColumn[] = [
  { name: 'i', datatype: 'int', description: 'i' },
  { name: 'd', datatype: 'double', description: 'd' },
  { name: 'b', datatype: 'boolean', description: 'b' },
  { name: 's', datatype: 'char', arraysize: '*', description: 's' },
];
const oids = [PG_OID.INT4, PG_OID.FLOAT8, PG_OID.BOOL, PG_OID.TEXT];
const copy = '1,1e+15,t,plain\n2,,f,"a,""b""\nc"\n,-0,,""\n4,1.5e-05,t,é😀\n';
const values = [
  [1, 1e15, true, 'plain'],
  [2, null, false, 'a,"b"\nc'],
  [null, -0, null, ''],
  [4, 1.5e-5, true, 'é😀'],
];
const parser = (oid: number) => typeParsers.getTypeParser(oid) as (t: string) => unknown;

async function text(gen: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of gen) parts.push(p);
  return Buffer.concat(parts).toString('utf8');
}

describe('CSV from COPY csv', () => {
  it('equals encodeCsv for any split of the COPY bytes', async () => {
    const expected = await text(encodeCsv(fields, [values]));
    expect(expected).toContain('1,1000000000000000,true,plain\r\n');
    const bytes = Buffer.from(copy, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
      expect(await text(encodeTextFromCopyCsv(fields, oids, parser, chunks, CSV_DIALECT))).toBe(expected);
    }
  });

  it('equals encodeCsv and encodeTabledata when every row is cut across many small chunks (the join buffer is reused)', async () => {
    const bytes = Buffer.from(copy.repeat(20), 'utf8');
    const many = Array.from({ length: 20 }, () => values).flat();
    const expected = await text(encodeCsv(fields, [many]));
    const doc = { infos: [] };
    const expectedTd = await text(encodeVotable(doc, fields, [many], { serialization: 'TABLEDATA' }));
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await text(encodeTextFromCopyCsv(fields, oids, parser, chunks, CSV_DIALECT))).toBe(expected);
      expect(await text(encodeTabledataFromCopyCsv(doc, fields, oids, parser, chunks, { serialization: 'TABLEDATA' }))).toBe(expectedTd);
    }
  });

  it('stops at MAXREC with OVERFLOW and reports a stream cut inside a row as ERROR', async () => {
    let end: EncodeSummary | undefined;
    const over = await text(encodeTextFromCopyCsv(fields, oids, parser, [Buffer.from(copy)], CSV_DIALECT, { maxrec: 2, onEnd: (s) => (end = s) }));
    expect(end).toEqual({ rows: 2, status: 'OVERFLOW' });
    expect(over.split('\r\n').length).toBe(4);
    await text(encodeTextFromCopyCsv(fields, oids, parser, [Buffer.from('1,2,t,"x\n')], CSV_DIALECT, { onEnd: (s) => (end = s) }));
    expect(end?.status).toBe('ERROR');
  });

  it('equals encodeCsv and encodeTsv on every kind of field: timestamps, arrays, bounds, escapes, exponents', async () => {
    const wide: EncoderColumn[] = [
      { name: 'ts', datatype: 'char', arraysize: '*', xtype: 'timestamp', description: 'ts' },
      { name: 'arr', datatype: 'double', arraysize: '*', description: 'arr' },
      { name: 'c3', datatype: 'char', arraysize: '3*', description: 'c3' },
      { name: 't', datatype: 'char', arraysize: '*', description: 't' },
      { name: 'ub', datatype: 'unsignedByte', description: 'ub' },
      { name: 'l', datatype: 'long', description: 'l' },
      { name: 'f', datatype: 'float', description: 'f' },
      { name: 'b', datatype: 'boolean', description: 'b' },
      { name: 'd', datatype: 'double', description: 'd' },
      { name: 'u', datatype: 'unicodeChar', arraysize: '*', description: 'u' },
    ];
    const wideOids = [PG_OID.TIMESTAMP, PG_OID.FLOAT8_ARRAY, PG_OID.TEXT, PG_OID.TEXT, PG_OID.INT2, PG_OID.INT8, PG_OID.FLOAT4, PG_OID.BOOL, PG_OID.FLOAT8, PG_OID.VARCHAR];
    // Field texts as PostgreSQL prints them (null: NULL).
    const fieldTexts: Array<Array<string | null>> = [
      ['2020-01-01 12:34:56.789', '{1.5,NaN,-Infinity,NULL}', 'abcdef', 'tab\there\\back', '255', '9007199254740993', '1e-05', 't', '-0', 'a\tb'],
      new Array<string | null>(wide.length).fill(null),
      ['0044-03-15 12:00:00 BC', '{}', 'é😀x', 'line\r\nbreak, "q"', '0', '-9223372036854775808', '3.4028235e+38', 'f', 'Infinity', '日本'],
      ['infinity', '{1,2}', '', '', '1', '0', 'NaN', 't', '1.5e-07', ''],
      ['2000-02-29 00:00:00.000001', '{1e+300}', '\\.', '\\.', '7', '-1', '0.1', 'f', '1e+15', 'x,y'],
    ];
    // COPY csv quoting: separator, quote, CR, LF, or the empty string.
    const pgQuote = (x: string | null) => (x === null ? '' : /[",\r\n]/.test(x) || x === '' ? `"${x.replace(/"/g, '""')}"` : x);
    const copyText = fieldTexts.map((r) => r.map(pgQuote).join(',') + '\n').join('');
    const rows = fieldTexts.map((r) => r.map((x, c) => (x === null ? null : parser(wideOids[c] as number)(x))));
    const bytes = Buffer.from(copyText, 'utf8');
    for (const [dialect, encode] of [[CSV_DIALECT, encodeCsv], [TSV_DIALECT, encodeTsv]] as const) {
      const expected = await text(encode(wide, [rows]));
      expect(expected).toContain('2020-01-01T12:34:56.789');
      for (let cut = 0; cut <= bytes.length; cut++) {
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
        expect(await text(encodeTextFromCopyCsv(wide, wideOids, parser, chunks, dialect, { chunkBytes: 16 }))).toBe(expected);
      }
    }
    // TABLEDATA from the same COPY csv: the cursor path's document, whatever the chunk boundaries.
    const withXml = [...fieldTexts, ['1999-12-31 23:59:59', '{-0,Infinity}', '<&>', 'a<b>&c\r\nd\u0001\ufffe', '3', '5', 'Infinity', 't', '-Infinity', 'ü<\u0001\ufffe\t>\uffff']];
    const tdCopy = Buffer.from(withXml.map((r) => r.map(pgQuote).join(',') + '\n').join(''), 'utf8');
    const tdRows = withXml.map((r) => r.map((x, c) => (x === null ? null : parser(wideOids[c] as number)(x))));
    const doc = { infos: [{ name: 'QUERY', value: 'q' }] };
    const expectedTd = await text(encodeVotable(doc, wide, [tdRows], { serialization: 'TABLEDATA' }));
    expect(expectedTd).toContain('<TD>a&lt;b&gt;&amp;c&#13;\nd</TD>');
    expect(expectedTd).toContain('<TD>+Inf</TD>');
    for (let cut = 0; cut <= tdCopy.length; cut++) {
      const chunks = [tdCopy.subarray(0, cut), tdCopy.subarray(cut)];
      expect(await text(encodeTabledataFromCopyCsv(doc, wide, wideOids, parser, chunks, { serialization: 'TABLEDATA', chunkBytes: 16 }))).toBe(expectedTd);
    }
  });

  it('TABLEDATA: MAXREC overflow, and a trailing ERROR on a row boundary when the COPY fails midway', async () => {
    const doc = { infos: [] };
    let end: EncodeSummary | undefined;
    const over = await text(encodeTabledataFromCopyCsv(doc, fields, oids, parser, [Buffer.from(copy)], { serialization: 'TABLEDATA', maxrec: 2, onEnd: (s) => (end = s) }));
    expect(end).toEqual({ rows: 2, status: 'OVERFLOW' });
    expect(over).toBe(await text(encodeVotable(doc, fields, [values], { serialization: 'TABLEDATA', maxrec: 2 })));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(copy.slice(0, 30)); // cut inside row 2's quoted field
      throw new Error('connection lost');
    }
    const failed = await text(encodeTabledataFromCopyCsv(doc, fields, oids, parser, failing(), { serialization: 'TABLEDATA', onEnd: (s) => (end = s) }));
    expect(end?.status).toBe('ERROR');
    expect(end?.rows).toBe(1);
    expect(failed).toContain('<INFO name="QUERY_STATUS" value="ERROR">connection lost</INFO>');
    expect(failed.match(/<TR>/g)?.length).toBe(1);
  });
});

/** PostgreSQL's float8out with extra_float_digits ≥ 1 (Ryu's shortest digits, as JavaScript's): fixed notation
 *  for decimal exponents −4 ≤ E < 15, else `d[.ddd]e±XX` with at least two exponent digits. */
function pgFloat8(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  const [m, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp >= -4 && exp < 15) return String(x).includes('e') ? 'unreachable' : String(x);
  const digits = String(Math.abs(exp)).padStart(2, '0');
  return `${m}e${exp < 0 ? '-' : '+'}${digits}`;
}

describe('putExponentDouble', () => {
  const put = (s: string): string => {
    const src = Buffer.from(`,${s},`);
    const out = new Uint8Array(64);
    const n = putExponentDouble(out, 3, src, 1, src.length - 1);
    return Buffer.from(out.subarray(3, n)).toString('latin1');
  };

  it("writes JavaScript's String(x) for PostgreSQL's exponent form of any double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const pg = pgFloat8(x);
        if (!pg.includes('e')) return;
        expect(put(pg)).toBe(String(x));
      }),
      { numRuns: 20000 },
    );
  });

  it('covers every exponent and digit count, and falls back on text that is not PostgreSQL shortest form', () => {
    let n = 0;
    for (let e = -324; e <= 308; e++) {
      for (const m of ['1', '1.5', '9.87654321', '1.2345678901234567', '4.9406564584124654', '1.7976931348623157', '2.2250738585072014']) {
        const x = Number(`${m}e${e}`);
        if (!Number.isFinite(x) || x === 0) continue;
        for (const v of [x, -x]) {
          const pg = pgFloat8(v);
          if (pg.includes('e')) {
            expect(put(pg), pg).toBe(String(v));
            n++;
          }
        }
      }
    }
    expect(n).toBeGreaterThan(5000);
    // PostgreSQL 15's non-shortest output for some integer-valued doubles ≥ 2^53 (seen on 15.20): re-read.
    for (const [s, js] of [['2.9969999999999997e+21', '2.997e+21'], ['2.5283341862498032e+16', '25283341862498030'], ['-2.2380063256323002e+17', '-223800632563230000']]) expect(put(s as string)).toBe(js);
    // Not PostgreSQL's shape: the number is read and written by JavaScript.
    for (const s of ['1E+05', '10e+05', '1.50e-07', '1e5', '1.e+05', '0e+00', '1e+0005', '.5e-07', '1e+', '1e-']) expect(put(s), s).toBe(String(Number(s)));
  });
});
