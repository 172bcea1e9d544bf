import { describe, expect, it } from 'vitest';
import { DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS, resolveFormat } from './formats.js';
import { chooseFormat } from './formats.js';

describe('resolveFormat', () => {
  it.each([
    [undefined, 'votable', 'BINARY2', 'application/x-votable+xml'],
    ['', 'votable', 'BINARY2', 'application/x-votable+xml'],
    ['votable', 'votable', 'BINARY2', 'application/x-votable+xml'],
    ['VOTable', 'votable', 'BINARY2', 'application/x-votable+xml'],
    ['application/x-votable+xml', 'votable', 'BINARY2', 'application/x-votable+xml'],
    ['votable/td', 'votable', 'TABLEDATA', 'application/x-votable+xml;serialization=TABLEDATA'],
    ['votable/b2', 'votable', 'BINARY2', 'application/x-votable+xml;serialization=BINARY2'],
    ['votable/b', 'votable', 'BINARY', 'application/x-votable+xml;serialization=BINARY'],
    ['text/xml', 'votable', 'TABLEDATA', 'text/xml'],
    ['application/x-votable+xml;serialization=TABLEDATA', 'votable', 'TABLEDATA', 'application/x-votable+xml;serialization=TABLEDATA'],
    ['application/x-votable+xml; serialization="binary2"', 'votable', 'BINARY2', 'application/x-votable+xml;serialization=BINARY2'],
    ['Application/X-VOTable+XML ;Serialization=BINARY', 'votable', 'BINARY', 'application/x-votable+xml;serialization=BINARY'],
    ['csv', 'csv', undefined, 'text/csv;header=present'],
    ['text/csv', 'csv', undefined, 'text/csv;header=present'],
    ['text/csv;header=present', 'csv', undefined, 'text/csv;header=present'],
    ['tsv', 'tsv', undefined, 'text/tab-separated-values'],
    ['text/tab-separated-values', 'tsv', undefined, 'text/tab-separated-values'],
  ])('%j → %s %s, Content-Type %s', (rf, kind, ser, mime) => {
    const f = resolveFormat(rf);
    expect(f?.kind).toBe(kind);
    expect(f?.serialization).toBe(ser);
    expect(f?.mime).toBe(mime);
  });

  it.each(['fits', 'application/json', 'votable/fits', 'text/csv;header=absent', 'application/x-votable+xml;serialization=FITS'])('%j is not offered', (rf) => {
    expect(resolveFormat(rf)).toBeUndefined();
  });

  it('lists the TAPRegExt ids of all three VOTable serializations, BINARY2 first as the default', () => {
    expect(DEFAULT_OUTPUT_FORMAT.serialization).toBe('BINARY2');
    expect(new Set(OUTPUT_FORMATS.map((f) => f.ivoId).filter((x) => x !== undefined))).toEqual(
      new Set([
        'ivo://ivoa.net/std/TAPRegExt#output-votable-binary2',
        'ivo://ivoa.net/std/TAPRegExt#output-votable-td',
        'ivo://ivoa.net/std/TAPRegExt#output-votable-binary',
      ]),
    );
  });
});

describe('chooseFormat (RESPONSEFORMAT with a VOTable version parameter)', () => {
  it.each([
    [undefined, 'BINARY2', '1.4'],
    ['votable/td', 'TABLEDATA', '1.4'],
    ['application/x-votable+xml;serialization=TABLEDATA;version=1.5', 'TABLEDATA', '1.5'],
    ['votable/td; version="1.5"', 'TABLEDATA', '1.5'],
    ['Application/X-VOTable+XML; Version=1.5; serialization=binary2', 'BINARY2', '1.5'],
  ])('%s → %s, version %s', (value, serialization, version) => {
    const c = chooseFormat(value);
    expect(c).toMatchObject({ ok: true, version, format: { kind: 'votable', serialization } });
  });

  it('keeps the format of a non-VOTable value', () => {
    expect(chooseFormat('text/csv')).toMatchObject({ ok: true, format: { kind: 'csv' } });
  });

  it('names a version it does not write', () => {
    expect(chooseFormat('votable;version=1.2')).toEqual({ ok: false, reason: 'unknown-version', version: '1.2' });
  });

  it('refuses a version parameter on a format that is not VOTable, and unknown formats', () => {
    expect(chooseFormat('csv;version=1.4')).toEqual({ ok: false, reason: 'unknown-format', format: 'csv' });
    expect(chooseFormat('fits')).toEqual({ ok: false, reason: 'unknown-format', format: 'fits' });
  });
});
