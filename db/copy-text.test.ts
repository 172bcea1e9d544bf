/** encodeTextFromCopyCsv on hand-made COPY csv text: the same CSV as encodeCsv on the values the cursor path
 *  would have read, whatever the chunk boundaries (inside quotes, multi-byte characters, between rows); MAXREC
 *  overflow; a truncated stream is an ERROR. The end-to-end identity on PostgreSQL is in test/bulk-copy.test.ts. */
import { describe, expect, it } from 'vitest';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { CSV_DIALECT, encodeCsv } from '../votable/csv-encoder.js';
import type { EncodeSummary } from '../votable/votable-encoder.js';
import { encodeTextFromCopyCsv } from './copy-text.js';
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

  it('stops at MAXREC with OVERFLOW and reports a stream cut inside a row as ERROR', async () => {
    let end: EncodeSummary | undefined;
    const over = await text(encodeTextFromCopyCsv(fields, oids, parser, [Buffer.from(copy)], CSV_DIALECT, { maxrec: 2, onEnd: (s) => (end = s) }));
    expect(end).toEqual({ rows: 2, status: 'OVERFLOW' });
    expect(over.split('\r\n').length).toBe(4);
    await text(encodeTextFromCopyCsv(fields, oids, parser, [Buffer.from('1,2,t,"x\n')], CSV_DIALECT, { onEnd: (s) => (end = s) }));
    expect(end?.status).toBe('ERROR');
  });
});
