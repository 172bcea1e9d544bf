import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.js';
import { CsvScanner, fieldText } from './csv-scan.js';
import type { CsvBatch } from './csv-scan.js';

/** Scans `text` pushed in pieces of `step` bytes (every split point is a chunk boundary somewhere). */
function scan(text: string, step = 1 << 20): { header: string[] | undefined; rows: string[][]; quoted: number[][]; firstRows: number[] } {
  const s = new CsvScanner('t.csv');
  const bytes = Buffer.from(text, 'utf8');
  const rows: string[][] = [];
  const quoted: number[][] = [];
  const firstRows: number[] = [];
  const take = (b: CsvBatch | undefined) => {
    if (!b) return;
    firstRows.push(b.firstRow);
    for (let r = 0; r < b.rows; r++) {
      rows.push(Array.from({ length: b.cols }, (_, c) => fieldText(b, r, c)));
      quoted.push(Array.from(b.quoted.subarray(r * b.cols, (r + 1) * b.cols)));
    }
  };
  for (let p = 0; p < bytes.length; p += step) take(s.push(Buffer.from(bytes.subarray(p, p + step)), false));
  take(s.push(Buffer.alloc(0), true));
  return { header: s.header, rows, quoted, firstRows };
}

function scanError(text: string, step?: number): IngestError {
  try {
    scan(text, step);
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('CsvScanner', () => {
  const tricky = '\uFEFF# comment\nname,ra,note\n"a,b",1.5,"say ""hi"""\n\n#another comment\n"multi\nline",2,\r\nplain,"",x\r\nlast,3,"é ü"';

  it.each([1, 2, 3, 7, 1 << 20])('reads quotes, separators and line breaks inside quotes, CRLF, comments, empty lines (chunks of %i bytes)', (step) => {
    const r = scan(tricky, step);
    expect(r.header).toEqual(['name', 'ra', 'note']);
    expect(r.rows).toEqual([
      ['a,b', '1.5', 'say "hi"'],
      ['multi\nline', '2', ''],
      ['plain', '', 'x'],
      ['last', '3', 'é ü'],
    ]);
    expect(r.quoted).toEqual([
      [1, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('numbers rows across batches from 1', () => {
    const text = `a,b\n${Array.from({ length: 50 }, (_, i) => `${i},${i}`).join('\n')}\n`;
    const r = scan(text, 16);
    expect(r.rows).toHaveLength(50);
    expect(r.rows[49]).toEqual(['49', '49']);
    expect(r.firstRows[0]).toBe(1);
  });

  it.each([
    ['a,b\n1,2\n3\n', 'COLUMN_COUNT', 2, 'has 1 fields, the header has 2'],
    ['a,b\n1,2\n3,4,5\n', 'COLUMN_COUNT', 2, 'has 3 fields'],
    ['a,b\n1,2\n3,x"y\n', 'CSV_SYNTAX', 2, 'quote inside an unquoted field'],
    ['a,b\n"1"x,2\n', 'CSV_SYNTAX', 1, 'after the closing quote'],
    ['a,b\n1,2\n3,"open\n', 'CSV_SYNTAX', 2, 'not closed'],
  ])('refuses %j with %s at row %i', (text, code, row, message) => {
    for (const step of [1, 4, 1 << 20]) {
      const err = scanError(text, step);
      expect(err.code).toBe(code);
      expect(err.row).toBe(row);
      expect(err.message).toContain(message);
    }
  });

  it('a file with only comments has no header', () => {
    expect(scan('# nothing\n\n').header).toBeUndefined();
  });
});
