/** encodeTabledataFromCopy on hand-built binary COPY data: byte-identical to encodeVotable's TABLEDATA over the
 *  rows the cursor path would hold (every supported type pair, NULLs, NaN/±Inf/−0, arrays, unicode, text that
 *  needs escaping, timestamps), whatever the chunk boundaries; MAXREC overflow; a trailing ERROR on a row boundary
 *  when the source fails; votlint-valid when STILTS is installed. The same identity on PostgreSQL is in
 *  test/bulk-copy.test.ts. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { parseVotable } from '../votable/decoder.js';
import { encodeVotable, type EncodeSummary } from '../votable/votable-encoder.js';
import { canTranscodeTabledata, encodeTabledataFromCopy, float4CursorValue } from './pg-copy-tabledata.js';
import { encodeCopyBinary, type PgCell } from './testing/pg-copy-fixture.js';
import { col, cursorRow, FIELDS, OIDS, ROWS } from './testing/pg-copy-sample.js';
import { PG_OID } from './pg-types.js';

const O = PG_OID;
const DOC = { infos: [{ name: 'QUERY', value: 'SELECT …' }] };

async function collect(gen: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

/** Columns whose text needs the most care: numbers at the edges of String(x), escaping, bounds. */
const EDGE: Array<[EncoderColumn, number]> = [
  [col('d', 'double'), O.FLOAT8],
  [col('i', 'int'), O.INT4],
  [col('l', 'long'), O.INT8],
  [col('s', 'short'), O.INT2],
  [col('t', 'char', { arraysize: '*' }), O.TEXT],
  [col('u', 'unicodeChar', { arraysize: '*' }), O.TEXT],
  [col('c3', 'char', { arraysize: '3*' }), O.TEXT],
  [col('ub', 'unsignedByte'), O.INT2],
  [col('ts', 'char', { arraysize: '*', xtype: 'timestamp' }), O.TIMESTAMP],
];
const EDGE_FIELDS = EDGE.map(([f]) => f);
const EDGE_OIDS = EDGE.map(([, o]) => o);
const EDGE_ROWS: PgCell[][] = [
  [0.1, 0, 0n, 0, 'a<b>&c\r\nd\te', 'x\u0001y\ufffez\uffff', 'ab😀', 255, 0n],
  [1e15, -2147483648, 9007199254740991n, -32768, '"quotes" \'single\'', '日本語', 'éé', 256, 1n],
  [2 ** 53, 2147483647, -9007199254740992n, 32767, 'é😀', '', 'abcdef', -1, -1n],
  [1e21, 1, 9007199254740993n, 1, ']]>', '<&>', '', 0, 631_152_000_000_000n],
  [1e-7, -1, -9223372036854775808n, -1, 'x'.repeat(5000) + '&', 'ǅ\u00a0\u2028', '<<<<', 7, 123_456n],
  [-1.2345678901234567e-308, 10, 10n, 10, '', 'a', 'a', 10, null],
  [-(2 ** 53) + 1, 1000000000, 100000000000000000n, 9999, null, null, null, null, null],
  [123456789012345680000, 99, 999999999999999999n, 99, 'end', 'end', 'end', 1, 9_223_372_036_854_775_807n],
];

async function viaCursor(fields: EncoderColumn[], oids: number[], rows: ReadonlyArray<ReadonlyArray<PgCell>>, maxrec?: number): Promise<string> {
  return collect(encodeVotable(DOC, fields, [rows.map((r) => cursorRow(r, oids))], { serialization: 'TABLEDATA', maxrec }));
}

async function viaCopy(fields: EncoderColumn[], oids: number[], chunks: Uint8Array[], maxrec?: number, onEnd?: (s: EncodeSummary) => void): Promise<string> {
  return collect(encodeTabledataFromCopy(DOC, fields, oids, chunks, { serialization: 'TABLEDATA', maxrec, onEnd, chunkBytes: 64 }));
}

describe('PostgreSQL binary COPY → TABLEDATA', () => {
  const copy = encodeCopyBinary(OIDS, ROWS);
  const edge = encodeCopyBinary(EDGE_OIDS, EDGE_ROWS);

  it('takes every column pair the BINARY2 transcoder takes', () => {
    expect(canTranscodeTabledata(FIELDS, OIDS)).toBe(true);
    expect(canTranscodeTabledata([col('x', 'double')], [1700])).toBe(false);
  });

  it('writes the same document as the cursor path (every type pair, NULLs, NaN/Inf, arrays, unicode)', async () => {
    const expected = await viaCursor(FIELDS, OIDS, ROWS);
    expect(expected).toContain('<TD>NaN</TD>');
    expect(await viaCopy(FIELDS, OIDS, [copy])).toBe(expected);
  });

  it('writes the same text for edge numbers, escaping, bounds and timestamps', async () => {
    const expected = await viaCursor(EDGE_FIELDS, EDGE_OIDS, EDGE_ROWS);
    expect(expected).toContain('<TD>a&lt;b&gt;&amp;c&#13;\nd\te</TD>');
    expect(expected).toContain('<TD>1e+21</TD>');
    const got = await viaCopy(EDGE_FIELDS, EDGE_OIDS, [edge]);
    expect(got).toBe(expected);
    expect(parseVotable(got)[0]?.rows.length).toBe(EDGE_ROWS.length);
  });

  it('reads input split at every byte boundary', async () => {
    const expected = await viaCursor(FIELDS, OIDS, ROWS);
    for (let i = 0; i <= copy.length; i += 3) {
      expect(await viaCopy(FIELDS, OIDS, [copy.subarray(0, i), copy.subarray(i)])).toBe(expected);
    }
    const expectedEdge = await viaCursor(EDGE_FIELDS, EDGE_OIDS, EDGE_ROWS);
    for (let size = 1; size <= 64; size += 7) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < edge.length; i += size) chunks.push(edge.subarray(i, i + size));
      expect(await viaCopy(EDGE_FIELDS, EDGE_OIDS, chunks)).toBe(expectedEdge);
    }
  });

  it('stops at MAXREC with OVERFLOW, as the cursor path does', async () => {
    for (const maxrec of [0, 1, 3]) {
      let summary: EncodeSummary | undefined;
      const out = await viaCopy(FIELDS, OIDS, [copy.subarray(0, 100), copy.subarray(100)], maxrec, (s) => (summary = s));
      expect(out).toBe(await viaCursor(FIELDS, OIDS, ROWS, maxrec));
      expect(out).toContain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
      expect(summary).toEqual({ rows: maxrec, status: 'OVERFLOW' });
    }
  });

  it('ends with a trailing ERROR on a row boundary when the source fails midway', async () => {
    const cut = copy.length - 40;
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield copy.subarray(0, cut);
      throw new Error('connection lost');
    }
    let summary: EncodeSummary | undefined;
    const out = await collect(encodeTabledataFromCopy(DOC, FIELDS, OIDS, failing(), { serialization: 'TABLEDATA', onEnd: (s) => (summary = s) }));
    expect(summary?.status).toBe('ERROR');
    expect(summary?.rows).toBe(3);
    expect(out).toContain('<INFO name="QUERY_STATUS" value="ERROR">connection lost</INFO>');
    expect(parseVotable(out)[0]?.rows.length).toBe(3);
  });

  it('gives float4 values as PostgreSQL prints them (shortest decimal that reads back as the float4)', () => {
    // SELECT 0.1::real, (1/3.0)::real, 16777217::real, 3.4028235e38::real, 1e-45::real, 1.1::real
    expect([0.1, 1 / 3, 16777217, 3.4028235e38, 1e-45, 1.1].map((x) => float4CursorValue(Math.fround(x)))).toEqual([0.1, 0.33333334, 16777216, 3.4028235e38, 1e-45, 1.1]);
  });

  const stilts = spawnSync('stilts', ['-version'], { encoding: 'utf8', timeout: 60_000 });
  it.skipIf(stilts.error !== undefined)('is valid for stilts votlint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-td-'));
    try {
      const file = join(dir, 'td.vot');
      // Without the last row: PostgreSQL's 'infinity' timestamp is no DALI timestamp (votlint says so, on both paths).
      writeFileSync(file, await viaCopy(EDGE_FIELDS, EDGE_OIDS, [encodeCopyBinary(EDGE_OIDS, EDGE_ROWS.slice(0, -1))]));
      const lint = spawnSync('stilts', ['votlint', 'validate=true', `votable=${file}`], { encoding: 'utf8', timeout: 120_000 });
      expect(lint.stdout + lint.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (stilts.error !== undefined) it.skip('stilts votlint: not installed (apt-get install stilts)', () => undefined);
});
