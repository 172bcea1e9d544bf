import { describe, expect, it } from 'vitest';
import { FitsError } from './errors.js';
import { FitsHeader, parseCard } from './header.js';
import type { FitsValue } from './header.js';

const card = (s: string) => s.padEnd(80);

describe('parseCard', () => {
  it.each<[string, string, FitsValue, string]>([
    ["OBJECT  = 'M82     '           / Source name", 'OBJECT', 'M82', 'Source name'],
    ["NAME    = 'O''Brien '", 'NAME', "O'Brien", ''],
    ["LEAD    = '  x  '", 'LEAD', '  x', ''],
    ["EMPTY   = ''", 'EMPTY', '', ''],
    ["SLASH   = 'a/b' / has a slash", 'SLASH', 'a/b', 'has a slash'],
    ['SIMPLE  =                    T / conforms', 'SIMPLE', true, 'conforms'],
    ['FLAG    =                    F', 'FLAG', false, ''],
    ['NAXIS2  =                 4612 / number of rows in table', 'NAXIS2', 4612, 'number of rows in table'],
    ['NEG     =                  -17', 'NEG', -17, ''],
    ['MJDREF  =  5.0814000000000E+04 / [d] MJD zero point', 'MJDREF', 50814, '[d] MJD zero point'],
    ['DEXP    =                1.5D3', 'DEXP', 1500, ''],
    ['DOT     =                  .25', 'DOT', 0.25, ''],
    ['TLMIN9  =        5.0000000E-01', 'TLMIN9', 0.5, ''],
    ['UNDEF   =                      / no value', 'UNDEF', null, 'no value'],
    ['CPLX    = (1.5, -2)', 'CPLX', [1.5, -2], ''],
  ])('%s', (raw, keyword, value, comment) => {
    const c = parseCard(card(raw), 1, 0);
    expect(c.keyword).toBe(keyword);
    expect(c.value).toEqual(value);
    expect(c.comment).toBe(comment);
  });

  it('keeps integers beyond 2^53 exact as bigint (TZERO of unsigned 64-bit columns)', () => {
    expect(parseCard(card('TZERO1  =  9223372036854775808'), 1, 0).value).toBe(9223372036854775808n);
  });

  it.each([
    ['HISTORY  made by test', 'HISTORY', 'made by test'],
    ['COMMENT   FITS (Flexible Image Transport System)', 'COMMENT', 'FITS (Flexible Image Transport System)'],
    ['        just text', '', 'just text'],
    ["CONTINUE  'more&'", 'CONTINUE', "'more&'"],
  ])('commentary card %s has no value', (raw, keyword, text) => {
    const c = parseCard(card(raw), 0, 0);
    expect(c.keyword).toBe(keyword);
    expect(c.value).toBeUndefined();
    expect(c.comment).toBe(text);
  });

  it.each<[string, string]>([
    ['BAD     = 12abc', 'cannot parse value "12abc"'],
    ["OPEN    = 'no end", 'no closing quote'],
    ['BIN     = \u0001', 'printable ASCII'],
  ])('rejects %j with BAD_CARD', (raw, message) => {
    try {
      parseCard(card(raw), 2, 5);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FitsError);
      expect((e as FitsError).code).toBe('BAD_CARD');
      expect((e as FitsError).hdu).toBe(2);
      expect((e as FitsError).message).toContain(message);
      expect((e as FitsError).message).toContain('card 6');
    }
  });
});

describe('FitsHeader', () => {
  const h = new FitsHeader(
    [
      "EXTNAME = 'EVENTS  '",
      'NAXIS2  =                   10',
      'HISTORY first',
      'COMMENT a comment',
      'HISTORY second',
      'NAXIS2  =                   99',
    ].map((s, i) => parseCard(card(s), 1, i)),
  );

  it('looks keywords up case-insensitively, first occurrence wins', () => {
    expect(h.get('extname')).toBe('EVENTS');
    expect(h.number('NAXIS2')).toBe(10);
    expect(h.has('NAXIS3')).toBe(false);
    expect(h.string('NAXIS2')).toBeUndefined();
  });

  it('keeps HISTORY and COMMENT in order', () => {
    expect(h.history).toEqual(['first', 'second']);
    expect(h.comments).toEqual(['a comment']);
  });
});
