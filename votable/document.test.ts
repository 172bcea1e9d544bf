import { describe, expect, it } from 'vitest';
import type { ColumnMeta } from '../schema/types.js';
import { parseVotableDocument } from './decoder.js';
import { buildDocumentFrame } from './document.js';
import { ALL_COLUMNS } from './testing/sample-columns.js';

const POSITION: ColumnMeta = { name: 'ra', datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra;meta.main', description: 'Right ascension <ICRS> & "J2000"' };

describe('buildDocumentFrame FIELD text cache (frozen metadata)', () => {
  const columns: ColumnMeta[] = [POSITION, ...ALL_COLUMNS];
  const nulls = columns.map((_, i) => (i % 3 === 0 ? -1 : undefined));
  const head = (fields: ReadonlyArray<ColumnMeta>) => buildDocumentFrame({ infos: [{ name: 'QUERY', value: 'x' }] }, fields, nulls, '1.4').head;

  it('writes the same header for frozen (cached) and unfrozen metadata, on first use and from the cache', () => {
    const plain = head(columns.map((c) => ({ ...c })));
    const frozen = columns.map((c) => Object.freeze({ ...c }));
    expect(head(frozen)).toBe(plain);
    expect(head(frozen)).toBe(plain);
    // The XML holds: every FIELD with its escaped description, the COOSYS reference and the null value.
    const doc = parseVotableDocument(`${plain}<DATA><TABLEDATA></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`);
    const fields = doc.resources[0]!.tables[0]!.fields;
    expect(fields.map((f) => f.name)).toEqual(columns.map((c) => c.name));
    expect(fields[0]!.description).toBe(POSITION.description);
    expect(plain).toMatch(/<FIELD ID="ra" name="ra" datatype="double" unit="deg" ucd="pos\.eq\.ra;meta\.main" ref="sys_icrs">/);
  });

  it('keeps per-document parts out of the cache: IDs, refs and null values follow each document', () => {
    const meta = Object.freeze({ ...POSITION });
    const a = buildDocumentFrame({}, [meta], [undefined], '1.4').head;
    const b = buildDocumentFrame({ coosys: false, fieldIds: ['c1'] }, [meta], [-99], '1.4').head;
    expect(a).toContain('<FIELD ID="ra" name="ra" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main" ref="sys_icrs">');
    expect(b).toContain('<FIELD ID="c1" name="ra" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main">');
    expect(b).toContain('<VALUES null="-99"/>');
    expect(a).not.toContain('<VALUES');
  });
});
