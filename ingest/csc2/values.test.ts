import { describe, expect, it } from 'vitest';
import { col } from '../../schema/index.js';
import type { ColumnDef } from '../../schema/index.js';
import { ValueError, convertValue, copyValueConverter, parseSexagesimal } from './values.js';

const ra = col('ra', 'double', 'deg', 'pos.eq.ra;meta.main', 'RA', { required: true, range: [0, 360] });
const dec = col('dec', 'double', 'deg', 'pos.eq.dec;meta.main', 'Dec', { range: [-90, 90] });
const obsid = col('obsid', 'int', '', 'meta.id;obs', 'ObsID', { nullValue: -2147483648 });
const flag = col('var_flag', 'boolean', '', 'meta.code', 'flag');
const text = col('likelihood_class', 'char', '', '', 'class');
const big = col('hpx', 'long', '', '', 'id');

describe('convertValue', () => {
  it.each([
    [' 11 05 07.45', ra, 166.28104166666666],
    ['-58 51 05.47', dec, -58.851519444444444],
    ['-00:30:00', dec, -0.5],
    ['166.5', ra, 166.5],
    ['8941', obsid, 8941],
    ['-2147483648', obsid, null],
    [-2147483648, obsid, null],
    ['   ', obsid, null],
    ['FALSE', flag, false],
    [' TRUE', flag, true],
    ['False', flag, false],
    ['1', flag, true],
    ['                TRUE', text, 'TRUE'],
    ['9007199254740993', big, 9007199254740993n],
    [12, big, 12n],
    ['NaN', dec, Number.NaN],
  ])('%j as %s', (raw, column, expected) => {
    const got = convertValue(raw, column);
    if (typeof expected === 'number' && !Number.isNaN(expected)) expect(got).toBeCloseTo(expected, 10);
    else expect(got).toEqual(expected);
  });

  it.each([
    ['abc', ra, 'is not a number'],
    ['', ra, 'a value is required'],
    ['400', ra, 'outside the valid range [0, 360]'],
    ['-91', dec, 'outside the valid range'],
    ['1.5', obsid, 'is not an integer'],
    ['3000000000', obsid, 'outside the int range'],
    ['maybe', flag, 'is not a boolean'],
    ['11 75 00', ra, 'minutes and seconds must be < 60'],
  ])('rejects %j for %s', (raw, column, message) => {
    expect(() => convertValue(raw, column)).toThrow(ValueError);
    expect(() => convertValue(raw, column)).toThrow(message);
  });

  it('parses sexagesimal RA in hours and Dec in degrees', () => {
    expect(parseSexagesimal('00 00 00.0', true)).toBe(0);
    expect(parseSexagesimal('23 59 59.99', true)).toBeCloseTo(359.99995833, 7);
    expect(parseSexagesimal('-00 00 01', false)).toBeCloseTo(-1 / 3600, 12);
    expect(parseSexagesimal('12.5', false)).toBeUndefined();
  });
});

describe('copyValueConverter (direct COPY path)', () => {
  const dbl: ColumnDef = ra;
  const int: ColumnDef = col('acis_num', 'short', '', 'meta.number', 'n');
  it('passes plain numbers through as their text, trimmed; -0 becomes 0', () => {
    expect(copyValueConverter(dbl)(' 12.5 ')).toBe('12.5');
    expect(copyValueConverter(dbl)('1e2')).toBe('1e2');
    expect(copyValueConverter(dbl)('-0.000')).toBe(0);
    expect(copyValueConverter(int)('42')).toBe('42');
  });
  it('converts what is not a plain number exactly as convertValue does, with the same errors', () => {
    expect(copyValueConverter(dbl)('11 05 07.45')).toBe(convertValue('11 05 07.45', dbl));
    expect(copyValueConverter(dec)('')).toBeNull();
    expect(() => copyValueConverter(dbl)('')).toThrow(/required/);
    expect(copyValueConverter(int)('5.0')).toBe(5);
    expect(() => copyValueConverter(dbl)('361')).toThrow(/outside the valid range/);
    expect(() => copyValueConverter(int)('40000')).toThrow(/outside the short range/);
    expect(() => copyValueConverter(dbl)('abc')).toThrow(/not a number/);
  });
});
