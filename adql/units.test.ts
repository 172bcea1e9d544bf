/** VOUnit parsing and IN_UNIT conversion factors. */
import { describe, expect, it } from 'vitest';
import { conversionFactor, parseUnit } from './units.js';

describe('conversionFactor', () => {
  it.each<[string, string, number]>([
    ['deg', 'arcmin', 60],
    ['deg', 'arcsec', 3600],
    ['arcsec', 'mas', 1000],
    ['rad', 'deg', 180 / Math.PI],
    ['d', 'h', 24],
    ['h', 'min', 60],
    ['min', 's', 60],
    ['erg/s/cm**2', 'W/m**2', 1e-3],
    ['erg/s/cm**2', 'mW/m**2', 1],
    ['keV', 'eV', 1000],
    ['eV', 'J', 1.602176634e-19],
    ['mas/yr', 'rad/yr', Math.PI / 180 / 3600e3],
    ['km/s', 'm/s', 1000],
    ['deg**2', 'arcmin**2', 3600],
  ])('%s → %s', (from, to, f) => {
    const r = conversionFactor(from, to);
    expect('factor' in r).toBe(true);
    if ('factor' in r) expect(r.factor).toBeCloseTo(f, 12 - Math.max(0, Math.round(Math.log10(Math.abs(f)))));
  });

  it.each([
    ['deg', 's', /different quantities/],
    ['furlong', 'm', /unknown unit "furlong"/],
    ['keV', 'erg/s', /different quantities/],
  ])('%s → %s fails', (from, to, msg) => {
    const r = conversionFactor(from, to);
    expect('error' in r && r.error).toMatch(msg);
  });

  it('parses exponents and products', () => {
    expect(parseUnit('m.s**-2')?.dims).toEqual([0, -2, 1, 0, 0, 0]);
    expect(parseUnit('')?.factor).toBe(1);
    expect(parseUnit('/s')).toBeUndefined();
  });
});
