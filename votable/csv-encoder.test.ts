import { describe, expect, it } from 'vitest';
import type { Row } from './row.js';
import type { EncoderColumn } from './column-codecs.js';
import { encodeCsv, encodeTsv, escapeTsv, quoteCsv } from './csv-encoder.js';
import { collectText } from './testing/sample-columns.js';
import type { EncodeSummary } from './votable-encoder.js';

const cols: EncoderColumn[] = [
  { name: 'name', datatype: 'char', arraysize: '*', description: '' },
  { name: 'obsid', datatype: 'int', description: '' },
  { name: 'big', datatype: 'long', description: '' },
  { name: 'flux', datatype: 'double', description: '' },
  { name: 'pos', datatype: 'double', arraysize: '2', xtype: 'point', description: '' },
  { name: 'flag', datatype: 'boolean', description: '' },
];

describe('quoteCsv / escapeTsv', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['tab\there', 'tab\there'],
    ['', '""'],
  ])('quoteCsv(%j) = %j', (input, out) => expect(quoteCsv(input)).toBe(out));

  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['two\nlines\r', 'two\\nlines\\r'],
    ['back\\slash', 'back\\\\slash'],
  ])('escapeTsv(%j) = %j', (input, out) => expect(escapeTsv(input)).toBe(out));
});

describe('encodeCsv', () => {
  const rows: Row[] = [
    ['2CXO J004307.5-092302', 4884, 9007199254740993n, 1.5e-14, [10.5, -9.25], true],
    ['comma, "quote"\nnewline\ttab', null, null, NaN, null, false],
    ['', -1, -9223372036854775807n, -Infinity, [0, 0], null],
  ];

  it('writes RFC 4180 CSV with a header, CRLF lines, DALI values and null as an empty field', async () => {
    const text = await collectText(encodeCsv(cols, [rows]));
    expect(text).toBe(
      'name,obsid,big,flux,pos,flag\r\n' +
        '2CXO J004307.5-092302,4884,9007199254740993,1.5e-14,10.5 -9.25,true\r\n' +
        '"comma, ""quote""\nnewline\ttab",,,NaN,,false\r\n' +
        '"",-1,-9223372036854775807,-Infinity,0 0,\r\n',
    );
  });

  it('stops at MAXREC and reports OVERFLOW (CSV cannot carry an INFO)', async () => {
    let s: EncodeSummary | undefined;
    const text = await collectText(encodeCsv(cols, [rows], { maxrec: 2, onEnd: (x) => (s = x) }));
    expect(text.split('\r\n').filter((l) => l !== '')).toHaveLength(1 + 2); // the quoted LF is inside row 2
    expect(text).not.toContain('-9223372036854775807');
    expect(s).toEqual({ rows: 2, status: 'OVERFLOW' });
  });

  it.each([
    ['csv', encodeCsv],
    ['tsv', encodeTsv],
  ] as const)('%s: a failing source ends the output after the rows before it and reports ERROR through onEnd (no throw)', async (_name, encode) => {
    async function* failing(): AsyncGenerator<Row[]> {
      yield rows.slice(0, 1);
      throw new Error('cursor died');
    }
    let s: EncodeSummary | undefined;
    const text = await collectText(encode(cols, failing(), { onEnd: (x) => (s = x) }));
    expect(text).toContain('2CXO J004307.5-092302');
    expect(s?.status).toBe('ERROR');
    expect(s?.rows).toBe(1);
    expect((s?.error as Error).message).toBe('cursor died');
  });
});

describe('encodeTsv', () => {
  it('escapes TAB, newline, CR and backslash so every record is one line of TAB-separated fields', async () => {
    const text = await collectText(encodeTsv(cols.slice(0, 2), [[['a\tb\nc\\d\re', 1], [null, null]]]));
    expect(text).toBe('name\tobsid\na\\tb\\nc\\\\d\\re\t1\n\t\n');
  });
});
