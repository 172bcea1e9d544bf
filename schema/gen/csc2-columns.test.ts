import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { V1_COLUMNS, V22_COLUMNS } from '../csc2/migration-columns.js';
import { observationSource } from '../csc2/observation-source.js';
import { stackSource } from '../csc2/stack-source.js';
import { COLUMN_LIST, confidenceOf, isPublished, parseColumnRows, renderColumnsModule, renderUnpublished, tableUcds } from './csc2-columns.js';
import { generateFromRepo } from './from-repo.js';

const ROOT = process.cwd();
const rows = parseColumnRows(readFileSync(join(ROOT, COLUMN_LIST), 'utf8'));
const HEADER = 'name\ttable\tdatatype\tunit\tucd\tdescription\tprovenance\n';

describe('CSC 2 schema generator', () => {
  it('the committed generated files equal what the TSVs generate (run `npm run gen:schema` after editing a TSV)', () => {
    const files = generateFromRepo(ROOT);
    expect(files.map((f) => f.path)).toEqual([
      'schema/csc2/generated/stack-source-columns.ts',
      'schema/csc2/generated/observation-source-columns.ts',
      'schema/csc2/UNPUBLISHED.md',
    ]);
    for (const f of files) expect(readFileSync(join(ROOT, f.path), 'utf8'), f.path).toBe(f.text);
  });

  it('publishes the CONFIRMED and INFERRED rows (156 stack, 395 observation) and none of the UNCONFIRMED', () => {
    const count = (table: string, pub: boolean) => rows.filter((r) => r.table === table && isPublished(r) === pub).length;
    expect([count('stack_source', true), count('observation_source', true)]).toEqual([156, 395]);
    expect([count('stack_source', false), count('observation_source', false)]).toEqual([151, 195]);
    for (const def of [stackSource, observationSource]) {
      const names = new Set(def.columns.map((c) => c.name));
      for (const r of rows.filter((x) => x.table === def.name)) {
        expect(names.has(r.name), `${def.name}.${r.name} (${r.confidence})`).toBe(isPublished(r));
      }
    }
    const notes = readFileSync(join(ROOT, 'schema/csc2/UNPUBLISHED.md'), 'utf8');
    for (const r of rows.filter((x) => !isPublished(x))) expect(notes).toContain(`| ${r.name} | ${r.datatype} |`);
  });

  it('the tables carry datatype, unit and description of each published row; only ra, dec, hpx14 are added', () => {
    for (const def of [stackSource, observationSource]) {
      const byName = new Map(rows.filter((r) => r.table === def.name && isPublished(r)).map((r) => [r.name, r]));
      const extra = def.columns.filter((c) => !byName.has(c.name)).map((c) => c.name);
      expect(extra, def.name).toEqual(def.name === 'stack_source' ? ['hpx14'] : ['ra', 'dec', 'hpx14']);
      for (const c of def.columns) {
        const r = byName.get(c.name);
        if (!r) continue;
        expect([c.datatype, c.unit ?? '', c.description], `${def.name}.${c.name}`).toEqual([r.datatype, r.unit, r.description]);
        if (r.ucd) expect(c.ucd).toBe(r.ucd);
      }
    }
  });

  it('every column belongs to exactly one migration list, in table order (database order = metadata order)', () => {
    for (const def of [stackSource, observationSource]) {
      const key = def.name as 'stack_source' | 'observation_source';
      expect(def.columns.map((c) => c.name)).toEqual([...V1_COLUMNS[key], ...V22_COLUMNS[key]]);
    }
  });

  it('reads the confidence from the first word of the provenance', () => {
    expect(confidenceOf('CONFIRMED name: https://…')).toBe('CONFIRMED');
    expect(confidenceOf('INFERRED: hard_hm/hard_ms attested')).toBe('INFERRED');
    expect(confidenceOf('UNCONFIRMED: seen at master level')).toBe('UNCONFIRMED');
    expect(() => confidenceOf('maybe')).toThrow(/CONFIRMED, INFERRED or UNCONFIRMED/);
  });

  it('rejects a bad row: unknown datatype, bad name, duplicate', () => {
    expect(() => parseColumnRows(`${HEADER}x\tstack_source\tdecimal\t\t\td\tCONFIRMED name\n`)).toThrow(/unknown datatype decimal/);
    expect(() => parseColumnRows(`${HEADER}X-1\tstack_source\tint\t\t\td\tCONFIRMED name\n`)).toThrow(/bad column name/);
    const row = 'x\tstack_source\tint\t\t\td\tCONFIRMED name\n';
    expect(() => parseColumnRows(HEADER + row + row)).toThrow(/duplicate column stack_source.x/);
  });

  it('renders one col() per published row with UCDs from the row, then the UCD list, then master_source', () => {
    const input = {
      rows: parseColumnRows(
        `${HEADER}a\tstack_source\tdouble\tdeg\tpos.eq.ra\tA "quoted"\tCONFIRMED name\n` +
          'b\tstack_source\tint\t\t\tB\tINFERRED: rule\n' +
          'c\tstack_source\tboolean\t\t\tC\tCONFIRMED name\n' +
          'd\tstack_source\tdouble\t\t\tD\tUNCONFIRMED: elsewhere\n',
      ),
      ucds: new Map([['stack_source.b', 'meta.code']]),
      masterUcds: new Map([['c', 'meta.code;x'], ['a', 'ignored']]),
    };
    const text = renderColumnsModule(input, 'stack_source', 'T', 'f.tsv');
    expect(text).toContain('col("a", "double", "deg", "pos.eq.ra", "A \\"quoted\\""),');
    expect(text).toContain('col("b", "int", "", "meta.code", "B"),');
    expect(text).toContain('col("c", "boolean", "", "meta.code;x", "C"),');
    expect(text).not.toContain('"d"');
    expect(renderUnpublished(input, ['stack_source'], 'f.tsv')).toContain('| d | double |  | elsewhere |');
  });

  it('gives a per-band column without a UCD that of the same property in another band with the same unit', () => {
    const rows = parseColumnRows(
      HEADER +
        'p_b\tstack_source\tdouble\tcount\tphot.count\tB\tCONFIRMED name\n' +
        'p_h\tstack_source\tdouble\tcount\t\tH\tCONFIRMED by band rule\n' +
        'p_w\tstack_source\tdouble\tcount/s\t\tW\tCONFIRMED by band rule\n' +
        'q\tstack_source\tdouble\t\t\tQ\tCONFIRMED name\n',
    );
    const ucds = tableUcds(rows, { ucds: new Map(), masterUcds: new Map() });
    expect(Object.fromEntries(ucds)).toEqual({ p_b: 'phot.count', p_h: 'phot.count', p_w: '', q: '' });
  });
});
