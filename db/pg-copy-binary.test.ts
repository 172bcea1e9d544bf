import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Row } from './types.js';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { parseVotable } from '../votable/decoder.js';
import { canTranscodeCopy, CopyBinary2Sink, encodeVotableFromCopy, formatTimestamp, PG_OID } from './pg-copy-binary.js';
import { cursorValue, encodeCopyBinary, type PgCell } from './testing/pg-copy-fixture.js';
import { col, COLUMNS, cursorRow, FIELDS, OIDS, ROWS, US_2020 } from './testing/pg-copy-sample.js';
import { encodeVotable, type EncodeSummary } from '../votable/votable-encoder.js';

const O = PG_OID;

async function collect(gen: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

const DOC = { infos: [{ name: 'QUERY', value: 'SELECT …' }] };

async function viaCursor(rows: ReadonlyArray<ReadonlyArray<PgCell>>, maxrec?: number, fields = FIELDS): Promise<string> {
  return collect(encodeVotable(DOC, fields, [rows.map((r) => cursorRow(r))], { serialization: 'BINARY2', maxrec }));
}

async function viaCopy(chunks: Uint8Array[], maxrec?: number, onEnd?: (s: EncodeSummary) => void, fields = FIELDS, oids = OIDS): Promise<string> {
  return collect(encodeVotableFromCopy(DOC, fields, oids, chunks, { serialization: 'BINARY2', maxrec, onEnd, chunkBytes: 64 }));
}

describe('PostgreSQL binary COPY → BINARY2', () => {
  const copy = encodeCopyBinary(OIDS, ROWS);

  it('supports every column pair of the table, and refuses others', () => {
    expect(canTranscodeCopy(FIELDS, OIDS)).toBe(true);
    expect(canTranscodeCopy([col('x', 'double')], [1700])).toBe(false); // numeric
    expect(canTranscodeCopy([col('x', 'double')], [O.FLOAT4])).toBe(false); // pg parses float4 text
    expect(canTranscodeCopy([col('x', 'int')], [O.TEXT])).toBe(false);
    expect(canTranscodeCopy([col('x', 'bit')], [O.BOOL])).toBe(false);
    expect(canTranscodeCopy([col('x', 'char', { arraysize: '*' })], [1184])).toBe(false); // timestamptz
    expect(canTranscodeCopy([col('x', 'double')], [O.FLOAT8, O.FLOAT8])).toBe(false);
  });

  it('writes the same document as the cursor path', async () => {
    expect(await viaCopy([copy])).toBe(await viaCursor(ROWS));
  });

  it('keeps column plans apart by null value and arraysize (plans are shared between queries)', async () => {
    // Same PostgreSQL type and datatype, different nullValue: each document writes its own null; run twice so
    // the second pass reads plans the first one made.
    const rows: PgCell[][] = [[null, 7], [3, null]];
    for (let pass = 0; pass < 2; pass++) {
      for (const [a, b] of [[-1, 99], [99, -1], [undefined, -5]] as const) {
        const fields = [col('a', 'int', a === undefined ? {} : { nullValue: a }), col('b', 'int', { nullValue: b })];
        const oids = [O.INT4, O.INT4];
        expect(await viaCopy([encodeCopyBinary(oids, rows)], undefined, undefined, fields, oids)).toBe(await viaCursor(rows, undefined, fields));
      }
    }
    // A bad arraysize is reported with the name of its own FIELD each time (errors are not cached).
    expect(canTranscodeCopy([col('first', 'char', { arraysize: 'x*' })], [O.TEXT])).toBe(false);
    expect(() => new CopyBinary2Sink([col('second', 'char', { arraysize: 'x*' })], [O.TEXT], [undefined])).toThrow(/second/);
    expect(() => new CopyBinary2Sink([col('third', 'char', { arraysize: 'x*' })], [O.TEXT], [undefined])).toThrow(/third/);
  });

  it('plans frozen FIELDs (catalogue metadata, shared by queries) as it plans unfrozen ones', async () => {
    // Frozen FIELDs' plans are kept per object, PostgreSQL type and null value (planColumn): the same FIELD objects
    // with other types or null values, in any order, twice, write what fresh unfrozen copies write.
    const rows: PgCell[][] = [[null, 7, null], [3, null, 2]];
    const a = Object.freeze(col('a', 'int'));
    const b = Object.freeze(col('b', 'long'));
    const c = Object.freeze(col('c', 'short'));
    const cases: Array<[EncoderColumn[], number[], Array<number | bigint | undefined>]> = [
      [[a, b, c], [O.INT4, O.INT8, O.INT2], [undefined, undefined, undefined]],
      [[a, b, c], [O.INT4, O.INT8, O.INT2], [-1, -1n, 99]],
      [[a, b, c], [O.INT4, O.INT8, O.INT2], [99, 1n, -1]],
      [[a, a, c], [O.INT4, O.INT4, O.INT2], [-1, 1, undefined]],
    ];
    const sinkDoc = (fields: ReadonlyArray<EncoderColumn>, oids: number[], nulls: Array<number | bigint | undefined>) => {
      const sink = new CopyBinary2Sink(fields, oids, nulls, 64);
      sink.write(encodeCopyBinary(oids, rows), Infinity);
      sink.end?.();
      return Buffer.concat([...sink.take(), ...sink.finish()]).toString('latin1');
    };
    for (let pass = 0; pass < 2; pass++) {
      for (const [fields, oids, nulls] of cases) {
        const fresh = fields.map((f) => ({ ...f }));
        expect(Object.isFrozen(fields[0])).toBe(true);
        expect(sinkDoc(fields, oids, nulls)).toBe(sinkDoc(fresh, oids, nulls));
        expect(canTranscodeCopy(fields, oids)).toBe(true);
      }
      // A frozen FIELD with a type it cannot take is refused every time, as an unfrozen one is.
      expect(canTranscodeCopy([a], [O.TEXT])).toBe(false);
      expect(canTranscodeCopy([{ ...a }], [O.TEXT])).toBe(false);
    }
    // The null value changes the document (so the cases above do compare different plans).
    expect(sinkDoc([a, b, c], [O.INT4, O.INT8, O.INT2], [-1, -1n, 99])).not.toBe(sinkDoc([a, b, c], [O.INT4, O.INT8, O.INT2], [99, 1n, -1]));
  });

  it('reads input split at every byte boundary', async () => {
    const expected = await viaCursor(ROWS);
    for (let i = 0; i <= copy.length; i++) {
      expect(await viaCopy([copy.subarray(0, i), copy.subarray(i)])).toBe(expected);
    }
  });

  it('reads input one byte at a time, and in chunks of every size up to 64', async () => {
    const expected = await viaCursor(ROWS);
    for (let size = 1; size <= 64; size++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < copy.length; i += size) chunks.push(copy.subarray(i, i + size));
      expect(await viaCopy(chunks)).toBe(expected);
    }
  });

  it('stops at MAXREC with OVERFLOW, as the cursor path does', async () => {
    for (const maxrec of [0, 1, 3]) {
      let summary: EncodeSummary | undefined;
      const out = await viaCopy([copy.subarray(0, 100), copy.subarray(100)], maxrec, (s) => (summary = s));
      expect(out).toBe(await viaCursor(ROWS, maxrec));
      expect(out).toContain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
      expect(summary).toEqual({ rows: maxrec, status: 'OVERFLOW' });
    }
    expect(await viaCopy([copy], 4)).toBe(await viaCursor(ROWS, 4));
  });

  it('ends with a trailing ERROR on a row boundary when the source fails midway', async () => {
    const cut = copy.length - 40;
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield copy.subarray(0, cut);
      throw new Error('connection lost');
    }
    let summary: EncodeSummary | undefined;
    const out = await collect(encodeVotableFromCopy(DOC, FIELDS, OIDS, failing(), { serialization: 'BINARY2', onEnd: (s) => (summary = s) }));
    expect(summary?.status).toBe('ERROR');
    expect(summary?.rows).toBe(3);
    expect(out).toContain('<INFO name="QUERY_STATUS" value="ERROR">connection lost</INFO>');
    const table = parseVotable(out)[0];
    expect(table?.rows.length).toBe(3);
  });

  it('reports data that ends inside a row', async () => {
    let summary: EncodeSummary | undefined;
    const out = await viaCopy([copy.subarray(0, copy.length - 5)], undefined, (s) => (summary = s));
    expect(summary?.status).toBe('ERROR');
    expect(out).toContain('binary COPY: the data ended inside a row');
  });

  it('writes the one NaN the cursor path writes for every NaN bit pattern, and every other bit pattern as it is', async () => {
    // Raw float8/float4 words as PostgreSQL may hold them: quiet, signalling, negative and payload NaNs, ±Inf,
    // ±0, the largest and smallest values, and denormals; plus int8/int2 extremes copied through the same words.
    const f8: Array<[number, number]> = [
      [0x7ff80000, 0], [0xfff80000, 0], [0x7ff00000, 1], [0x7ff7ffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x7ff00000, 0], [0xfff00000, 0],
      [0, 0], [0x80000000, 0], [0x7fefffff, 0xffffffff], [0, 1], [0x800fffff, 0xffffffff], [0x3ff00000, 0], [0xc0091eb8, 0x51eb851f],
    ];
    const f4 = [0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0x7f800000, 0xff800000, 0, 0x80000000, 1, 0x7f7fffff, 0x3f800000, 0xc0490fdb, 0xff800001, 0x807fffff];
    const i8: Array<[number, number]> = [[0x80000000, 0], [0x7fffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0, 1], [0x12345678, 0x9abcdef0], [0, 0], [0x7ff80000, 0]];
    const i2 = [-32768, 32767, -1, 0, 1, 0x7ff8, -0x0008];
    // pg parses every NaN's text 'NaN' into the one NaN value.
    const nanAsPg = (v: number) => (Number.isNaN(v) ? NaN : v);
    const rows = f8.length;
    const bytes = new Uint8Array(19 + rows * (2 + 12 + 8 + 4 + 12 + 8 + 6 + 2 + 4) + 2);
    const dv = new DataView(bytes.buffer);
    bytes.set([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
    let p = 19;
    const cursorRows: Row[] = [];
    for (let r = 0; r < rows; r++) {
      dv.setInt16(p, 5);
      p += 2;
      const [hi, lo] = f8[r] as [number, number];
      dv.setInt32(p, 8);
      dv.setUint32(p + 4, hi);
      dv.setUint32(p + 8, lo);
      const d = nanAsPg(dv.getFloat64(p + 4));
      p += 12;
      dv.setInt32(p, 4);
      dv.setUint32(p + 4, f4[r] as number);
      const f = nanAsPg(dv.getFloat32(p + 4));
      p += 8;
      const [lh, ll] = i8[r % i8.length] as [number, number];
      dv.setInt32(p, 8);
      dv.setUint32(p + 4, lh);
      dv.setUint32(p + 8, ll);
      const l = dv.getBigInt64(p + 4);
      p += 12;
      dv.setInt32(p, 2);
      dv.setInt16(p + 4, i2[r % i2.length] as number);
      const sh = dv.getInt16(p + 4);
      p += 6;
      // A null in the last column of every other row: the mask bit and the null placeholder move with the words.
      if (r % 2) {
        dv.setInt32(p, -1);
        p += 4;
      } else {
        dv.setInt32(p, 4);
        dv.setInt32(p + 4, -r);
        p += 8;
      }
      cursorRows.push([d, f, l, sh, r % 2 ? null : -r]);
    }
    dv.setInt16(p, -1);
    p += 2;
    const fields = [col('d', 'double'), col('f', 'float'), col('l', 'long'), col('s', 'short'), col('i', 'int')];
    const oids = [O.FLOAT8, O.FLOAT4, O.INT8, O.INT2, O.INT4];
    const expected = await collect(encodeVotable(DOC, fields, [cursorRows], { serialization: 'BINARY2' }));
    const data = bytes.subarray(0, p);
    for (const size of [data.length, 7, 1]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
      expect(await viaCopy(chunks, undefined, undefined, fields, oids)).toBe(expected);
    }
    // The NaNs really are written as the one NaN: the rows decode to NaN and the stream holds no other pattern.
    const decoded = parseVotable(expected)[0]?.rows ?? [];
    expect(decoded.slice(0, 5).map((r) => Number.isNaN(r[0]))).toEqual([true, true, true, true, true]);
    expect(Object.is(decoded[8]?.[0], -0)).toBe(true);
  });

  it('rejects data without the PGCOPY signature', () => {
    const sink = new CopyBinary2Sink([col('x', 'int')], [O.INT4], [undefined]);
    expect(() => sink.write(new TextEncoder().encode('not a COPY stream at all'), 10)).toThrow(/signature/);
  });

  it('formats timestamps as PostgreSQL does', () => {
    const text = new Uint8Array(48);
    const fmt = (us: bigint): string => {
      const n = formatTimestamp(Number(BigInt.asIntN(32, us >> 32n)), Number(BigInt.asUintN(32, us)), text);
      return new TextDecoder().decode(text.subarray(0, n));
    };
    expect(fmt(0n)).toBe('2000-01-01T00:00:00');
    expect(fmt(US_2020 + 500_000n)).toBe('2020-01-01T00:00:00.5');
    expect(fmt(-1n)).toBe('1999-12-31T23:59:59.999999');
    // SELECT '0044-03-15 12:00:00 BC'::timestamp, '294276-12-31 23:59:59.999999'::timestamp, '4713-11-24 00:00:00 BC'::timestamp
    expect(fmt(-64_464_465_600_000_000n)).toBe('0044-03-15T12:00:00 BC');
    expect(fmt(9_223_371_331_199_999_999n)).toBe('294276-12-31T23:59:59.999999');
    expect(fmt(-211_813_488_000_000_000n)).toBe('4714-11-24T00:00:00 BC');
    expect(fmt(-63_082_281_600_000_000n)).toBe('0001-01-01T00:00:00');
    expect(fmt(-63_082_281_601_000_000n)).toBe('0001-12-31T23:59:59 BC');
    expect(fmt(9_223_372_036_854_775_807n)).toBe('infinity');
  });

  it('decodes back to the rows (property: random rows → COPY → BINARY2 → parseVotable)', async () => {
    const simple: Array<[EncoderColumn, number, fc.Arbitrary<PgCell>]> = [
      [col('b', 'boolean'), O.BOOL, fc.boolean()],
      [col('s', 'short'), O.INT2, fc.integer({ min: -32768, max: 32767 })],
      [col('i', 'int'), O.INT4, fc.integer()],
      [col('l', 'long'), O.INT8, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
      [col('f', 'float'), O.FLOAT4, fc.float({ noNaN: true }).map((x) => Math.fround(x))],
      [col('d', 'double'), O.FLOAT8, fc.double({ noNaN: true })],
      [col('t', 'char', { arraysize: '*' }), O.TEXT, fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\u0000-\u001f\ufffe\uffff]/g, ''))],
      [col('u', 'unicodeChar', { arraysize: '*' }), O.TEXT, fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => s.replace(/[\u0000-\u001f\ufffe\uffff]/g, ''))],
      [col('p', 'double', { arraysize: '*' }), O.FLOAT8_ARRAY, fc.array(fc.double({ noNaN: true }), { maxLength: 5 })],
      [col('ts', 'char', { arraysize: '*', xtype: 'timestamp' }), O.TIMESTAMP, fc.bigInt({ min: -60_000_000_000_000_000n, max: 250_000_000_000_000_000n })],
    ];
    const fields = simple.map(([f]) => f);
    const oids = simple.map(([, o]) => o);
    const rowArb = fc.tuple(...simple.map(([, , arb]) => fc.option(arb, { nil: null, freq: 5 })));
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 30 }), fc.integer({ min: 1, max: 97 }), async (rows, chunk) => {
        const bytes = encodeCopyBinary(oids, rows);
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
        const doc = await collect(encodeVotableFromCopy({}, fields, oids, chunks, { serialization: 'BINARY2' }));
        const expected = rows.map((r) => r.map((v, c) => cursorValue(oids[c] as number, v)));
        expect(doc).toBe(await collect(encodeVotable({}, fields, [expected], { serialization: 'BINARY2' })));
        const decoded = parseVotable(doc)[0]?.rows ?? [];
        expect(decoded.length).toBe(rows.length);
        decoded.forEach((r, i) => {
          const want = expected[i] as Row;
          expect(r.slice(0, 6)).toEqual(want.slice(0, 6));
          expect(r[6]).toBe(want[6] === null ? null : want[6]);
          expect(r[9]).toBe(want[9]);
        });
      }),
      { numRuns: 150 },
    );
  });
});
