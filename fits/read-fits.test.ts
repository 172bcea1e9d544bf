import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBit } from './bintable.js';
import type { ColumnValues } from './bintable.js';
import { FitsError } from './errors.js';
import type { FitsErrorCode } from './errors.js';
import { readFits } from './read-fits.js';
import { formatCard, writeFits } from './testing/write-fits.js';

const sample = (name: string) => new Uint8Array(readFileSync(new URL(`../data/sample/${name}`, import.meta.url)));
const STINGRAY = sample('stingray_chandra_test.fits');
const NOENER = sample('stingray_chandra_noener_test.fits');
const ASTROPY = sample('astropy_chandra_time.fits');

function fitsError(fn: () => unknown): FitsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FitsError) return e;
    throw e;
  }
  throw new Error('expected a FitsError');
}

/** Replaces the whole card whose keyword is `keyword` in the given HDU header region. */
function patchCard(buf: Uint8Array, keyword: string, replacement: string, from = 0): Uint8Array {
  const out = buf.slice();
  for (let pos = from; pos < out.length; pos += 80) {
    const k = String.fromCharCode(...out.subarray(pos, pos + 8)).trimEnd();
    if (k === keyword) {
      const text = replacement.padEnd(80);
      for (let i = 0; i < 80; i++) out[pos + i] = text.charCodeAt(i);
      return out;
    }
  }
  throw new Error(`no card ${keyword}`);
}

describe('readFits on the real Chandra files', () => {
  it('splits stingray_chandra_test.fits into PRIMARY, EVENTS, GTI', () => {
    const f = readFits(STINGRAY);
    expect(f.hdus.map((h) => [h.index, h.type, h.name])).toEqual([
      [0, 'PRIMARY', 'PRIMARY'],
      [1, 'BINTABLE', 'EVENTS'],
      [2, 'BINTABLE', 'GTI'],
    ]);
    expect(f.warnings).toEqual([]);
    const ev = f.table('events');
    expect(ev.nrows).toBe(4612);
    expect(ev.rowBytes).toBe(32);
    expect(ev.columns.map((c) => `${c.name}:${c.tform}:${c.unit ?? ''}`)).toEqual([
      'time:1D:s',
      'ccd_id:1I:',
      'x:1E:pixel',
      'y:1E:pixel',
      'pha:1J:adu',
      'energy:1E:eV',
      'pi:1J:chan',
      'grade:1I:',
    ]);
    expect(f.hdu(1).dataLength).toBe(4612 * 32);
  });

  it('decodes columns into typed arrays with the values astropy reports', () => {
    const ev = readFits(STINGRAY).table(1);
    const time = ev.column('TIME');
    expect(time.kind).toBe('number');
    expect(time.kind === 'number' && time.values).toBeInstanceOf(Float64Array);
    const t = ev.float64('time');
    expect(Math.min(...t)).toBeCloseTo(339469168.620935, 5);
    expect(Math.max(...t)).toBeCloseTo(339470113.767191, 5);
    const energy = ev.column('Energy');
    expect(energy.kind === 'number' && energy.values).toBeInstanceOf(Float32Array);
    const e = ev.float64('energy');
    expect(Math.min(...e)).toBeCloseTo(167.057159, 3);
    expect(Math.max(...e)).toBeCloseTo(17944.037109, 3);
    const ccd = ev.column('ccd_id');
    expect(ccd.kind === 'number' && ccd.values).toBeInstanceOf(Int16Array);
    expect(new Set(ev.float64('ccd_id'))).toEqual(new Set([7]));
    const pi = ev.column('pi');
    expect(pi.kind === 'number' && pi.values).toBeInstanceOf(Int32Array);
    expect(Math.min(...ev.float64('pi'))).toBe(12);
    expect(Math.max(...ev.float64('pi'))).toBe(1024);
    expect(Math.max(...ev.float64('grade'))).toBe(6);
  });

  it('reads the GTI table and header keywords', () => {
    const f = readFits(NOENER);
    const gti = f.table('GTI');
    expect(gti.float64('START')[0]).toBeCloseTo(339469168.431, 3);
    expect(gti.float64('STOP')[0]).toBeCloseTo(339470113.767, 3);
    const h = f.hdu('EVENTS').header;
    expect(h.get('OBS_ID')).toBe('10027');
    expect(h.get('TSTART')).toBeCloseTo(339468247.43077, 5);
    expect(h.get('MJDREF')).toBe(50814);
    expect(h.comment('MJDREF')).toBe('[d] MJD zero point for times');
    expect(f.table('EVENTS').hasColumn('energy')).toBe(false);
  });

  it('decodes the full evt2 column set of astropy_chandra_time.fits, incl. 32X status and TNULL', () => {
    const ev = readFits(ASTROPY).table('EVENTS');
    expect(ev.columns).toHaveLength(19);
    expect(ev.rowBytes).toBe(64);
    const status = ev.column('status');
    expect(status.kind).toBe('bits');
    if (status.kind !== 'bits') return;
    expect(status.nbits).toBe(32);
    expect(status.bytesPerRow).toBe(4);
    expect(status.values).toHaveLength(8);
    expect(getBit(status, 1, 31)).toBe(false);
    expect(Array.from(ev.float64('energy'), (x) => Math.round(x * 1000) / 1000).sort()).toEqual([5926.725, 7782.73]);
    expect(Array.from(ev.float64('pi')).sort()).toEqual([406, 534]);
    const tdetx = ev.column('tdetx');
    expect(tdetx.kind === 'number' && tdetx.nulls).toEqual(new Uint8Array([0, 0])); // TNULL7 = 9999 declared, no nulls stored
    expect(ev.float64('chipx').every((v) => v >= 682 && v <= 961)).toBe(true);
  });
});

describe('BINTABLE types, repeat counts and scaling (synthetic files)', () => {
  const rows = 3;
  const file = writeFits({
    tables: [
      {
        extname: 'ALLTYPES',
        columns: [
          { name: 'flag', tform: '2L', values: [true, false, null, true, false, false] },
          { name: 'bits', tform: '12X', values: [0b10100000, 0b00010000, 0xff, 0xf0, 0, 0] },
          { name: 'b', tform: '1B', values: [0, 128, 255] },
          { name: 'sb', tform: '1B', tzero: -128, values: [0, 128, 255] },
          { name: 'i', tform: '1I', values: [-32768, 0, 32767] },
          { name: 'ui', tform: '1I', tzero: 32768, values: [-32768, 0, 32767] },
          { name: 'j', tform: '3J', tnull: -1, values: [1, 2, 3, -1, 5, 6, 7, 8, -1] },
          { name: 'uj', tform: '1J', tzero: 2147483648, values: [-2147483648, 0, 2147483647] },
          { name: 'k', tform: '1K', values: [-(2n ** 63n), 0n, 2n ** 63n - 1n] },
          { name: 'uk', tform: '1K', tzero: 9223372036854775808n, values: [-(2n ** 63n), 0n, 2n ** 63n - 1n] },
          { name: 'scaled', tform: '1I', tscal: 0.5, tzero: 10, tnull: 99, values: [4, 99, -4] },
          { name: 'e', tform: '2E', unit: 'keV', values: [1.5, -2.25, Number.NaN, 0, 3, 4] },
          { name: 'd', tform: '1D', values: [Math.PI, -1e300, 5e-324] },
          { name: 'escaled', tform: '1E', tscal: 2, tzero: 1, values: [1, 2, 3] },
          { name: 's', tform: '6A', values: ['abc', 'abcdef', ''] },
        ],
        nrows: rows,
      },
    ],
  });
  const t = readFits(file).table('alltypes');
  const values = (name: string) => {
    const v: ColumnValues = t.column(name);
    if (v.kind === 'string') return v.values;
    return Array.from(v.values as ArrayLike<number | bigint>);
  };

  it('computes the row layout from TFORMs', () => {
    expect(t.rowBytes).toBe(2 + 2 + 1 + 1 + 2 + 2 + 12 + 4 + 8 + 8 + 2 + 8 + 8 + 4 + 6);
    expect(t.columns.map((c) => c.repeat)).toEqual([2, 12, 1, 1, 1, 1, 3, 1, 1, 1, 1, 2, 1, 1, 6]);
  });

  it('L: 1/0/-1 for T/F/undefined', () => {
    const v = t.column('flag');
    expect(v.kind).toBe('logical');
    expect(values('flag')).toEqual([1, 0, -1, 1, 0, 0]);
    expect(Array.from(t.float64('flag'))).toEqual([1, 0, Number.NaN, 1, 0, 0]);
  });

  it('X: bit arrays, most significant bit first', () => {
    const v = t.column('bits');
    if (v.kind !== 'bits') throw new Error('not bits');
    expect(v.bytesPerRow).toBe(2);
    // row 0 bytes 1010_0000 0001_0000: bits 0, 2 and 11 set
    expect(Array.from({ length: 12 }, (_, b) => getBit(v, 0, b))).toEqual([true, false, true, false, false, false, false, false, false, false, false, true]);
    expect(Array.from({ length: 12 }, (_, b) => getBit(v, 1, b))).toEqual([...new Array<boolean>(12).fill(true)]);
    expect(getBit(v, 2, 0)).toBe(false);
    expect(() => getBit(v, 0, 12)).toThrow(RangeError);
  });

  it.each<[string, string, Array<number | bigint>]>([
    ['b', 'Uint8Array', [0, 128, 255]],
    ['sb', 'Int8Array', [-128, 0, 127]],
    ['i', 'Int16Array', [-32768, 0, 32767]],
    ['ui', 'Uint16Array', [0, 32768, 65535]],
    ['uj', 'Uint32Array', [0, 2147483648, 4294967295]],
    ['k', 'BigInt64Array', [-(2n ** 63n), 0n, 2n ** 63n - 1n]],
    ['uk', 'BigUint64Array', [0n, 2n ** 63n, 2n ** 64n - 1n]],
    ['d', 'Float64Array', [Math.PI, -1e300, 5e-324]],
    ['escaled', 'Float64Array', [3, 5, 7]],
  ])('%s decodes to %s', (name, ctor, expected) => {
    const v = t.column(name);
    if (v.kind === 'string') throw new Error('string');
    expect(v.values.constructor.name).toBe(ctor);
    expect(values(name)).toEqual(expected);
  });

  it('J with repeat 3 and TNULL gives a flat array plus a null mask; float64() turns nulls into NaN', () => {
    const v = t.column('j');
    if (v.kind !== 'number') throw new Error('not number');
    expect(v.repeat).toBe(3);
    expect(Array.from(v.nulls ?? [])).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(t.float64('j'))).toEqual([1, 2, 3, Number.NaN, 5, 6, 7, 8, Number.NaN]);
  });

  it('scaled integers become Float64 with TNULL (compared on the stored value) as NaN', () => {
    expect(values('scaled')).toEqual([12, Number.NaN, 8]);
  });

  it('E stays Float32 (NaN is its null), A strings are trimmed', () => {
    const e = t.column('e');
    expect(e.kind === 'number' && e.values.constructor.name).toBe('Float32Array');
    expect(values('e')).toEqual([1.5, -2.25, Number.NaN, 0, 3, 4]);
    expect(t.findColumn('e')?.unit).toBe('keV');
    expect(values('s')).toEqual(['abc', 'abcdef', '']);
  });

  it('numeric columns round-trip for random stored values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -32768, max: 32767 }), fc.integer(), fc.double({ noNaN: true }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), {
          minLength: 0,
          maxLength: 40,
        }),
        (rowsIn) => {
          const f = writeFits({
            tables: [
              {
                extname: 'P',
                nrows: rowsIn.length,
                columns: [
                  { name: 'i', tform: '1I', values: rowsIn.map((r) => r[0]) },
                  { name: 'j', tform: '1J', values: rowsIn.map((r) => r[1]) },
                  { name: 'd', tform: '1D', values: rowsIn.map((r) => r[2]) },
                  { name: 'k', tform: '1K', values: rowsIn.map((r) => r[3]) },
                ],
              },
            ],
          });
          const tt = readFits(f).table('P');
          expect(Array.from(tt.float64('i'))).toEqual(rowsIn.map((r) => r[0]));
          expect(Array.from(tt.float64('j'))).toEqual(rowsIn.map((r) => r[1]));
          expect(Array.from(tt.float64('d'))).toEqual(rowsIn.map((r) => r[2]));
          const k = tt.column('k');
          expect(k.kind === 'bigint' && Array.from(k.values)).toEqual(rowsIn.map((r) => r[3]));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('unknown column → NO_SUCH_COLUMN listing the columns; strings are not numeric', () => {
    const e = fitsError(() => t.column('nope'));
    expect(e.code).toBe('NO_SUCH_COLUMN');
    expect(e.message).toContain('columns are: flag, bits, b');
    expect(fitsError(() => t.float64('s')).code).toBe('NOT_NUMERIC');
  });
});

describe('structural errors', () => {
  it('truncated data says which HDU needs how many bytes', () => {
    const e = fitsError(() => readFits(STINGRAY.subarray(0, 120000)));
    expect(e.code).toBe('TRUNCATED_DATA');
    expect(e.hdu).toBe(1);
    expect(e.message).toBe(
      'truncated data: EVENTS HDU (#1) needs 147584 bytes of data from byte 72000, file has 48000 ' +
        '(NAXIS1 = 32 bytes/row × NAXIS2 = 4612 rows + PCOUNT = 0)',
    );
  });

  it('a file cut inside a header → TRUNCATED_HEADER', () => {
    const e = fitsError(() => readFits(STINGRAY.subarray(0, 2880 + 800)));
    expect(e.code).toBe('TRUNCATED_HEADER');
    expect(e.hdu).toBe(1);
    expect(e.message).toContain('no END card');
  });

  it('empty input and non-FITS input', () => {
    expect(fitsError(() => readFits(new Uint8Array(0))).code).toBe('EMPTY_FILE');
    const e = fitsError(() => readFits(new TextEncoder().encode('PK\u0003\u0004 this is a zip file'.padEnd(2880))));
    expect(e.code).toBe('NOT_FITS');
    expect(e.message).toContain('found "PK.. this is a zip file');
  });

  it('NAXIS1 that disagrees with the TFORMs → ROW_SIZE_MISMATCH (real file with a patched card)', () => {
    const bad = patchCard(STINGRAY, 'NAXIS1', formatCard('NAXIS1', 30), 2880);
    const e = fitsError(() => readFits(bad));
    expect(e.code).toBe('ROW_SIZE_MISMATCH');
    expect(e.keyword).toBe('NAXIS1');
    expect(e.message).toContain('the 8 columns need 32 bytes per row');
    expect(e.message).toContain('NAXIS1 = 30');
  });

  it('NAXIS1 too large for the data → TRUNCATED_DATA', () => {
    const bad = patchCard(STINGRAY, 'NAXIS1', formatCard('NAXIS1', 40), 2880);
    expect(fitsError(() => readFits(bad)).code).toBe('TRUNCATED_DATA');
  });

  it.each<[string, string, FitsErrorCode, string]>([
    ['TFORM3', formatCard('TFORMX', '1E'), 'MISSING_KEYWORD', 'TFORM3'],
    ['TFORM3', formatCard('TFORM3', '1Z'), 'BAD_TFORM', 'TFORM3'],
    ['NAXIS2', formatCard('NAXISX', 3), 'MISSING_KEYWORD', 'NAXIS2'],
    ['NAXIS2', formatCard('NAXIS2', -3), 'BAD_KEYWORD', 'NAXIS2'],
    ['BITPIX', formatCard('BITPIX', 12), 'BAD_KEYWORD', 'BITPIX'],
    ['TFIELDS', formatCard('TFIELDX', 8), 'MISSING_KEYWORD', 'TFIELDS'],
    ['PCOUNT', formatCard('PCOUNX', 0), 'MISSING_KEYWORD', 'PCOUNT'],
    ['OBJECT', "OBJECT  = 'M82", 'BAD_CARD', 'OBJECT'],
  ])('EVENTS header with %s replaced by %j → %s', (keyword, card, code, where) => {
    const bad = patchCard(STINGRAY, keyword, card, 2880);
    const e = fitsError(() => readFits(bad));
    expect(e.code).toBe(code);
    expect(e.hdu).toBe(1);
    expect(e.keyword).toBe(where);
  });

  it('binary garbage in a header card → BAD_CARD', () => {
    const bad = STINGRAY.slice();
    bad[2880 + 80 * 5 + 20] = 0;
    const e = fitsError(() => readFits(bad));
    expect(e.code).toBe('BAD_CARD');
    expect(e.message).toContain('HDU 1 header card 6');
  });

  it('accepts a final HDU without padding, with a warning', () => {
    const f = readFits(ASTROPY.subarray(0, 28800 + 128));
    expect(f.hdus).toHaveLength(2);
    expect(f.warnings.join(';')).toContain('lacks its final block padding');
  });

  it('trailing junk after the last HDU is ignored with a warning', () => {
    const junk = new Uint8Array(ASTROPY.length + 2880);
    junk.set(ASTROPY);
    junk.set(new TextEncoder().encode('garbage'), ASTROPY.length);
    const f = readFits(junk);
    expect(f.hdus).toHaveLength(2);
    expect(f.warnings[0]).toContain('do not start an extension');
  });

  it('NO_SUCH_HDU and NOT_A_TABLE', () => {
    const f = readFits(ASTROPY);
    expect(fitsError(() => f.hdu('GTI')).code).toBe('NO_SUCH_HDU');
    expect(fitsError(() => f.table(0)).code).toBe('NOT_A_TABLE');
  });

  it('any prefix of a real file either parses or throws FitsError, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: NOENER.length }), (cut) => {
        try {
          readFits(NOENER.subarray(0, cut));
        } catch (e) {
          expect(e).toBeInstanceOf(FitsError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('random byte corruption of a header either parses or throws FitsError (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 2880 - 1 }), fc.integer({ min: 0, max: 255 }), (pos, byte) => {
        const bad = ASTROPY.slice();
        bad[2880 + pos] = byte;
        try {
          const f = readFits(bad);
          for (const h of f.hdus) if (h.table) for (const c of h.table.columns) if (!'CMPQ'.includes(c.code)) h.table.column(c.index);
        } catch (e) {
          expect(e).toBeInstanceOf(FitsError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
