/** Test support shared by the COPY transcoders' tests (pg-copy-binary, pg-copy-tabledata): one column per
 *  supported (PostgreSQL type, FIELD) pair, rows with edge values, and the JS row the cursor path would hold. */
import type { Row } from '../types.js';
import type { EncoderColumn } from '../../votable/column-codecs.js';
import { PG_OID } from '../pg-types.js';
import { cursorValue, type PgCell } from './pg-copy-fixture.js';

const O = PG_OID;
export const col = (name: string, datatype: EncoderColumn['datatype'], extra: Partial<EncoderColumn> = {}): EncoderColumn => ({ name, datatype, description: name, ...extra });

/** One column per supported (PostgreSQL type, FIELD) pair. */
export const COLUMNS: Array<[EncoderColumn, number]> = [
  [col('flag', 'boolean'), O.BOOL],
  [col('s', 'short'), O.INT2],
  [col('obsid', 'int', { nullValue: -2147483648 }), O.INT4],
  [col('i', 'int'), O.INT4],
  [col('big', 'long'), O.INT8],
  [col('f', 'float'), O.FLOAT4],
  [col('ra', 'double', { ucd: 'pos.eq.ra' }), O.FLOAT8],
  [col('name', 'char', { arraysize: '*' }), O.TEXT],
  [col('c1', 'char'), O.TEXT],
  [col('c8', 'char', { arraysize: '8' }), O.BPCHAR],
  [col('c12', 'char', { arraysize: '12*' }), O.VARCHAR],
  [col('uname', 'unicodeChar', { arraysize: '*' }), O.TEXT],
  [col('u5', 'unicodeChar', { arraysize: '5' }), O.TEXT],
  [col('u3v', 'unicodeChar', { arraysize: '3*' }), O.TEXT],
  [col('ts', 'char', { arraysize: '*', xtype: 'timestamp' }), O.TIMESTAMP],
  [col('ts10', 'char', { arraysize: '10' }), O.TIMESTAMP],
  [col('pos', 'double', { arraysize: '2', xtype: 'point' }), O.FLOAT8_ARRAY],
  [col('poly', 'double', { arraysize: '*', xtype: 'polygon' }), O.FLOAT8_ARRAY],
  [col('i3', 'int', { arraysize: '3' }), O.INT4_ARRAY],
  [col('l4', 'long', { arraysize: '4*' }), O.INT8_ARRAY],
  [col('sv', 'short', { arraysize: '*' }), O.INT2_ARRAY],
  [col('bytes', 'unsignedByte', { arraysize: '*' }), O.INT2_ARRAY],
  [col('b3', 'boolean', { arraysize: '3' }), O.BOOL_ARRAY],
  [col('d3xv', 'double', { arraysize: '3x*' }), O.FLOAT8_ARRAY],
  [col('f2', 'float', { arraysize: '2' }), O.FLOAT4_ARRAY],
  [col('fc', 'floatComplex'), O.FLOAT4_ARRAY],
  [col('i4l', 'long'), O.INT4],
  [col('i2i', 'int'), O.INT2],
  [col('i4d', 'double'), O.INT4],
  [col('d2f', 'float'), O.FLOAT8],
  [col('l2i', 'int'), O.INT8],
  [col('l2d', 'double'), O.INT8],
  [col('i4il', 'long', { arraysize: '*' }), O.INT4_ARRAY],
];
export const FIELDS = COLUMNS.map(([f]) => f);
export const OIDS = COLUMNS.map(([, o]) => o);

export const US_2020 = 631_152_000_000_000n; // 2020-01-01T00:00:00 in µs since 2000-01-01

export const ROWS: PgCell[][] = [
  [true, 7, 42, -5, 9007199254740993n, 1.5, 123.456, '2CXO J000000.0+000000', 'x', 'abc', 'twelve chars!', 'é😀日本', 'abcdef', 'a😀', US_2020 + 123_456n, US_2020,
    [10.5, -20.25], [1, 2, 3, 4, 5, 6], [1, 2, 3], [1n, 2n, 3n, 4n, 5n], [1, -2], [255, 256, -1], [true, false, null], [1, 2, 3, 4], [1.5, 2.5], [1.5, -2.5],
    2147483647, -32768, 7, 1e300, -9007199254740993n, 9007199254740993n, [1, null]],
  new Array<PgCell>(COLUMNS.length).fill(null),
  [false, -1, -2147483648, 0, -1n, -0, -0, '', '', '', '', '', '', '', -US_2020 - 1n, 0n,
    [NaN, Infinity], [], [null, 1], [], [], [], [], [null, 2, 3, 4, 5], [NaN], [Infinity, -Infinity],
    -1, 1, -2147483648, NaN, 4294967297n, 1n, []],
  [true, 1, 1, 1, 1n, NaN, NaN, "quote ' and \\ and \"<&>\"", 'é', 'ééééé', 'ééééééééééé', 'x'.repeat(300), '😀😀😀', '😀😀', 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n,
    [1], [Infinity, -Infinity, -0], [1, 2, 3, 4, 5], [null, null, null, null, null], [32767], [0], [true, true, true, true], [], [1, 2, 3], [1],
    0, 0, 0, Infinity, 0n, 0n, [2147483647]],
];

/** The JS row the cursor path would hold for a COPY row (what `pg` parses; see the fixture). */
export function cursorRow(row: ReadonlyArray<PgCell>, oids: ReadonlyArray<number> = OIDS): Row {
  return row.map((v, c) => {
    const oid = oids[c] as number;
    if (oid === O.TIMESTAMP && typeof v === 'bigint') {
      if (v === 9_223_372_036_854_775_807n) return 'infinity';
      if (v === -9_223_372_036_854_775_808n) return '-infinity';
    }
    return cursorValue(oid, v);
  });
}

