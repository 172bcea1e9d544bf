import { describe, expect, it } from 'vitest';
import { healpixIndex } from '../../adql/geometry/index.js';
import { IngestError } from '../errors.js';
import { CsvScanner } from '../readers/csv-scan.js';
import { CopyBatchEncoder } from './copy-encode.js';
import { fillGalactic } from './galactic.js';
import { csc2Table, explicitLayout } from './layout.js';
import { convertValue } from './values.js';

const master = csc2Table('master_source');

function encode(csv: string): { columns: string[]; lines: (string | null)[][]; names: string[] } {
  const s = new CsvScanner('t.csv');
  const b = s.push(Buffer.from(csv, 'utf8'), true);
  const header = s.header ?? [];
  const { layout } = explicitLayout('master_source', header);
  const enc = new CopyBatchEncoder('t.csv', master, layout.tables.master_source ?? [], true);
  if (!b) return { columns: enc.columns, lines: [], names: [] };
  const out = enc.encode(b);
  return { columns: enc.columns, lines: parseCopyCsv(out.bytes.toString('utf8')), names: out.names };
}

/** PostgreSQL's reading of COPY CSV: quoted fields are text, unquoted empty fields NULL. */
function parseCopyCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        v += text.slice(i, q);
        if (text[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      row.push(v);
    } else {
      let j = i;
      while (j < text.length && text[j] !== ',' && text[j] !== '\n') j++;
      row.push(j === i ? null : text.slice(i, j));
      i = j;
    }
    if (text[i] === ',') i++;
    else {
      rows.push(row);
      row = [];
      i++;
    }
  }
  return rows;
}

/** What the staging path stores for one row (convertValue, HEALPix, fillGalactic). */
function staged(header: string[], cells: string[]): Record<string, unknown> {
  const { layout } = explicitLayout('master_source', header);
  const row: Record<string, unknown> = {};
  for (const t of layout.tables.master_source ?? []) row[t.column.name] = convertValue(cells[t.index], t.column);
  const pos = master.position;
  if (pos && typeof row.ra === 'number' && typeof row.dec === 'number' && Number.isFinite(row.ra) && Number.isFinite(row.dec)) {
    row[pos.healpix] = BigInt(healpixIndex(row.ra, row.dec, pos.order));
  }
  fillGalactic(row);
  return row;
}

function same(copyText: string | null, value: unknown): boolean {
  if (value === null || value === undefined) return copyText === null;
  if (copyText === null) return false;
  // PostgreSQL reads non-finite doubles only as NaN/Infinity/-Infinity (an overflowing "1e999" is an error).
  if (typeof value === 'number' && !Number.isFinite(value)) return copyText === (Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity');
  if (typeof value === 'number') return Object.is(Number(copyText), value) || (Number(copyText) === 0 && value === 0);
  if (typeof value === 'bigint') return BigInt(copyText) === value;
  if (typeof value === 'boolean') return copyText === (value ? 't' : 'f');
  return copyText === value;
}

const HEADER = ['name', 'ra', 'dec', 'significance', 'conf_flag', 'acis_num', 'likelihood_class', 'gal_l', 'gal_b'];

describe('CopyBatchEncoder', () => {
  const cases: string[][] = [
    ['2CXO J1', '166.5', '-58.85', '3.25', 'TRUE', '3', 'TRUE', '287.1', '1.2'],
    ['  2CXO J2 ', ' 11 05 07.45', '-58:51:05.47', '1e-3', 'false', '+7', 'MARGINAL', '', ''],
    ['2CXO J3', '0.000', '-0', 'NaN', 'F', '0', '"a ""quoted"" class"', '', '3.5'],
    ['2CXO J4', '359.9999999999999999', '90', '-Infinity', 't', '-0', 'Ünïcode', '10', '20'],
    ['2CXO J5', '1.5E+2', '.5', '1e999', '', '', '', '', ''],
    ['2CXO J7', '1', '2', '-1e-400', '', '', '', '', ''],
    ['2CXO J8', '1', '2', '1'.padEnd(400, '0'), '', '', '', '', ''],
    ['"2CXO J6, quoted"', '"12.5"', '"-3"', '"7"', '"TRUE"', '"12"', '""', '', ''],
  ];

  it('stores what the staging path stores, value for value, with HEALPix and derived Galactic columns', () => {
    const csv = `${HEADER.join(',')}\n${cases.map((c) => c.join(',')).join('\n')}\n`;
    const { columns, lines, names } = encode(csv);
    expect(columns).toEqual([...HEADER, 'hpx14']);
    expect(lines).toHaveLength(cases.length);
    const reread = new CsvScanner('x');
    const b = reread.push(Buffer.from(csv), true);
    expect(b?.rows).toBe(cases.length);
    cases.forEach((_, r) => {
      const cells = HEADER.map((_h, c) => {
        const i = r * HEADER.length + c;
        const text = b?.buf.toString('utf8', b.start[i], b.end[i]) ?? '';
        return b?.quoted[i] ? text.replaceAll('""', '"') : text;
      });
      const want = staged(HEADER, cells);
      columns.forEach((col, j) => {
        const got = lines[r]?.[j] ?? null;
        if (!same(got, want[col] ?? null)) throw new Error(`row ${r + 1} ${col}: COPY text ${JSON.stringify(got)}, staging value ${String(want[col])}`);
      });
    });
    expect(names).toEqual(['2CXO J1', '2CXO J2', '2CXO J3', '2CXO J4', '2CXO J5', '2CXO J7', '2CXO J8', '2CXO J6, quoted']);
  });

  it('adds gal_l/gal_b derived from ra/dec when the input has no Galactic columns', () => {
    const { columns, lines } = encode('name,ra,dec\n2CXO J1,166.5,-58.85\n');
    expect(columns).toEqual(['name', 'ra', 'dec', 'hpx14', 'gal_l', 'gal_b']);
    const want = staged(['name', 'ra', 'dec'], ['2CXO J1', '166.5', '-58.85']);
    expect(Number(lines[0]?.[4])).toBe(want.gal_l);
    expect(Number(lines[0]?.[5])).toBe(want.gal_b);
  });

  it.each([
    ['2CXO J1,400.5,1,2', 'ra', 'outside the valid range'],
    ['2CXO J1,1,1,abc', 'significance', '"abc" is not a number'],
    ['2CXO J1,1,1,1.5.5', 'significance', 'is not a number'],
    ['2CXO J1,,1,2', 'ra', 'a value is required'],
    [',1,1,2', 'name', 'a value is required'],
  ])('refuses %j: column %s', (line, column, message) => {
    let err: unknown;
    try {
      encode(`name,ra,dec,significance\n2CXO J0,1,1,1\n${line}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IngestError);
    expect(err).toMatchObject({ code: 'BAD_VALUE', row: 2, column });
    expect((err as Error).message).toContain(message);
  });

  it('reports the first bad row, then the first bad column of that row', () => {
    const csv = 'name,ra,dec,significance,acis_num\n2CXO J0,1,1,x,1\n2CXO J1,999,1,1,1\n2CXO J2,1,1,1,1.5\n';
    expect(() => encode(csv)).toThrow(expect.objectContaining({ row: 1, column: 'significance' }));
    const later = 'name,ra,dec,significance,acis_num\n2CXO J0,1,1,1,1\n2CXO J1,1,1,1,99999999999\n2CXO J2,999,1,1,1\n';
    expect(() => encode(later)).toThrow(expect.objectContaining({ row: 2, column: 'acis_num' }));
  });

  it('refuses a NUL byte in text', () => {
    expect(() => encode('name,ra,dec\n2CXO J\u00001,1,1\n')).toThrow(/NUL byte/);
  });
});
