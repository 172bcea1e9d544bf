/** Test support shared by the votable/ suites: one column of every datatype and arraysize xtap publishes,
 *  fast-check arbitraries for their values, what a value becomes after a round trip through each
 *  serialization (the documented lossy cases), and hand-picked sample rows for the external validators. */
import fc from 'fast-check';
import type { Row } from '../row.js';
import type { EncoderColumn } from '../column-codecs.js';
import type { VotableSerialization } from '../votable-encoder.js';

const d = (description: string): { description: string } => ({ description });

/** One column per datatype/arraysize/xtype combination. */
export const ALL_COLUMNS: EncoderColumn[] = [
  { name: 'flag', datatype: 'boolean', ...d('boolean scalar') },
  { name: 'ub', datatype: 'unsignedByte', ...d('unsignedByte scalar') },
  { name: 's', datatype: 'short', ...d('short scalar') },
  { name: 'obsid', datatype: 'int', nullValue: -2147483648, ucd: 'meta.id;obs', ...d('int with VALUES null') },
  { name: 'i', datatype: 'int', ...d('int scalar without null value') },
  { name: 'big', datatype: 'long', ...d('long scalar (bigint)') },
  { name: 'f', datatype: 'float', unit: 'mW.m**-2', ...d('float scalar') },
  { name: 'ra', datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra;meta.main', ...d('double scalar, position') },
  { name: 'dec', datatype: 'double', unit: 'deg', ucd: 'pos.eq.dec;meta.main', ...d('double scalar, position') },
  { name: 'c1', datatype: 'char', ...d('single char (no arraysize: votlint deprecates arraysize="1")') },
  { name: 'c8', datatype: 'char', arraysize: '8', ...d('fixed char') },
  { name: 'c12', datatype: 'char', arraysize: '12*', ...d('bounded char') },
  { name: 'name', datatype: 'char', arraysize: '*', ...d('variable char') },
  { name: 'uname', datatype: 'unicodeChar', arraysize: '*', ...d('variable unicodeChar') },
  { name: 'u5', datatype: 'unicodeChar', arraysize: '5', ...d('fixed unicodeChar') },
  { name: 'gti_obs', datatype: 'char', arraysize: '*', xtype: 'timestamp', ucd: 'time.start', ...d('DALI timestamp') },
  { name: 'pos', datatype: 'double', arraysize: '2', xtype: 'point', unit: 'deg', ...d('DALI point') },
  { name: 'circ', datatype: 'double', arraysize: '3', xtype: 'circle', unit: 'deg', ...d('DALI circle') },
  { name: 'poly', datatype: 'double', arraysize: '*', xtype: 'polygon', unit: 'deg', ...d('DALI polygon') },
  { name: 'i3', datatype: 'int', arraysize: '3', ...d('fixed int array') },
  { name: 'sv', datatype: 'short', arraysize: '*', ...d('variable short array') },
  { name: 'l4', datatype: 'long', arraysize: '4*', ...d('bounded long array') },
  { name: 'f2x3', datatype: 'float', arraysize: '2x3', ...d('2-D fixed float array') },
  { name: 'd3xv', datatype: 'double', arraysize: '3x*', ...d('2-D variable double array') },
  { name: 'bytes', datatype: 'unsignedByte', arraysize: '*', ...d('variable unsignedByte array') },
  { name: 'b3', datatype: 'boolean', arraysize: '3', ...d('fixed boolean array') },
  { name: 'time', datatype: 'double', unit: 's', ucd: 'time.epoch', ...d('Chandra MET') },
  { name: 'fc', datatype: 'floatComplex', ...d('float complex scalar') },
  { name: 'dc2', datatype: 'doubleComplex', arraysize: '2', ...d('double complex array') },
];

/** Characters that stress XML escaping and CSV quoting, plus non-ASCII and a surrogate pair. */
const SPECIAL_ASCII = ['<', '>', '&', '"', "'", '\t', '\n', '\r', ' ', ',', ';', '\\', ']]>', 'a', 'Z', '0', '&amp;'];
const asciiText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constantFrom(...SPECIAL_ASCII), fc.string({ unit: 'grapheme-ascii', maxLength: 3 })), { maxLength })
    .map((parts) => parts.join(''))
    .map((s) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '').slice(0, maxLength));
const unicodeText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constantFrom('é', 'Ω', '日本', '😀', '<&>', '\n'), fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength })
    .map((parts) => parts.join('').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''))
    .map((s) => {
      // Keep within maxLength UTF-16 units without cutting a surrogate pair.
      let out = '';
      for (const ch of s) {
        if (out.length + ch.length > maxLength) break;
        out += ch;
      }
      return out;
    });

const int32 = fc.integer({ min: -2147483647, max: 2147483647 }); // excludes the BINARY default null
const int16 = fc.integer({ min: -32767, max: 32767 });
const uint8 = fc.integer({ min: 0, max: 254 });
const int64 = fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n });
const dbl = fc.double();
const flt = fc.float();
const timestamp = fc
  .date({ min: new Date('1998-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true })
  .map((t) => t.toISOString().replace(/Z$/, ''));

function valueArbitrary(c: EncoderColumn): fc.Arbitrary<unknown> {
  switch (c.name) {
    case 'flag':
      return fc.boolean();
    case 'ub':
      return uint8;
    case 's':
      return int16;
    case 'obsid':
    case 'i':
      return int32;
    case 'big':
      return int64;
    case 'f':
      return flt;
    case 'ra':
    case 'dec':
    case 'time':
      return dbl;
    case 'c1':
      return asciiText(1);
    case 'c8':
      return asciiText(8);
    case 'c12':
      return asciiText(12);
    case 'name':
    case 'gti_obs':
      return c.name === 'gti_obs' ? timestamp : asciiText(40);
    case 'uname':
      return unicodeText(30);
    case 'u5':
      return unicodeText(5);
    case 'pos':
      return fc.array(dbl, { minLength: 2, maxLength: 2 });
    case 'circ':
      return fc.array(dbl, { minLength: 3, maxLength: 3 });
    case 'poly':
      return fc.array(dbl, { maxLength: 12 });
    case 'i3':
      return fc.array(int32, { minLength: 3, maxLength: 3 });
    case 'sv':
      return fc.array(int16, { maxLength: 6 });
    case 'l4':
      return fc.array(int64, { maxLength: 4 });
    case 'f2x3':
      return fc.array(flt, { minLength: 6, maxLength: 6 });
    case 'd3xv':
      return fc.integer({ min: 0, max: 3 }).chain((k) => fc.array(dbl, { minLength: 3 * k, maxLength: 3 * k }));
    case 'bytes':
      return fc.array(uint8, { maxLength: 8 });
    case 'b3':
      return fc.array(fc.boolean(), { minLength: 3, maxLength: 3 });
    case 'fc':
      return fc.array(flt, { minLength: 2, maxLength: 2 });
    case 'dc2':
      return fc.array(dbl, { minLength: 4, maxLength: 4 });
    default:
      throw new Error(`no arbitrary for ${c.name}`);
  }
}

/** A row of ALL_COLUMNS, each value possibly null. */
export const rowArbitrary: fc.Arbitrary<Row> = fc.tuple(...ALL_COLUMNS.map((c) => fc.option(valueArbitrary(c), { nil: null, freq: 5 })));

const isFloatType = (c: EncoderColumn): boolean => c.datatype === 'float' || c.datatype === 'double' || c.datatype === 'floatComplex' || c.datatype === 'doubleComplex';

/** What `v` in column `c` reads back as after encoding with `ser` (README: "lossy cases"). */
export function roundTripped(c: EncoderColumn, v: unknown, ser: VotableSerialization): unknown {
  if (v === null) return null;
  const text = c.datatype === 'char' || c.datatype === 'unicodeChar';
  if (text) return v === '' && ser !== 'BINARY2' ? null : v;
  if (ser === 'BINARY2') return v;
  if (Array.isArray(v)) {
    const variable = c.arraysize !== undefined && c.arraysize.endsWith('*');
    if (variable && v.length === 0) return null; // TABLEDATA: empty TD; BINARY: length 0
    // TABLEDATA and BINARY spell a null fixed array as null elements, so all-NaN reads back as null.
    if (!variable && isFloatType(c) && v.every((x) => x !== x)) return null;
    return v;
  }
  if (ser === 'BINARY' && isFloatType(c) && v !== v) return null; // NaN is BINARY's float null
  return v;
}

/** Concatenates an encoder's output (tests only; production never holds a whole response). */
export async function collectBytes(gen: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const p of gen) {
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function collectText(gen: AsyncIterable<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await collectBytes(gen));
}

/** Hand-picked rows for the external validators: extremes, nulls, NaN, ±Infinity, unicode, XML specials. */
export const SAMPLE_ROWS: Row[] = [
  [true, 0, -32767, 4884, 0, 9007199254740993n, 1.5, 10.781298349312351, -9.383953646551543, 'A', 'abcdefgh', 'twelve chars', '2CXO J004307.5-092302', 'Ωmega é 日本', 'ab',
    '2001-02-03T04:05:06.789', [10.5, -20.25], [10, 20, 0.5], [0, 0, 10, 0, 10, 10], [1, -2, 3], [1, 2, 3], [1n, -9223372036854775807n], [1, 2, 3, 4, 5, 6],
    [1, 2, 3, 4, 5, 6], [0, 127, 254], [true, false, true], 63072000.5, [1.5, -2.5], [1, 2, 3, 4]],
  [false, 254, 32767, null, -2147483647, -9223372036854775807n, NaN, NaN, Infinity, '<', '&<>"\'', 'a,b;"c"', 'tab\there, newline\nthere & <xml> "quotes"', '😀 surrogate', 'αβγδε',
    '1999-12-31T23:59:59', [359.999, 89.5], [0, -90, 180], [], [2147483647, -2147483647, 0], [], [], [NaN, Infinity, -Infinity, 0, -0, 1.5],
    [], [], [false, false, false], -Infinity, [1.5, Infinity], [-0, 0, 1e300, -1e-300]],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
];
