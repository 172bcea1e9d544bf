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

  it('reuses a whole FIELD text only for the same ID, ref and null value: alternating documents, twice', () => {
    // The same frozen metadata in documents that differ in FIELD IDs (a duplicate name, given IDs), COOSYS refs and
    // null values (including 1 and 1n, which print alike but are different values): each header equals the one
    // made from fresh unfrozen copies, in any order and again once every text has been kept.
    const frozen = columns.map((c) => Object.freeze({ ...c }));
    const docs: Array<[Parameters<typeof buildDocumentFrame>[0], ReadonlyArray<ColumnMeta>, ReadonlyArray<number | bigint | undefined>]> = [
      [{}, frozen, nulls],
      [{ coosys: false }, frozen, nulls],
      [{ fieldIds: frozen.map((_, i) => `f${i}`) }, frozen, nulls],
      [{}, frozen, frozen.map(() => undefined)],
      [{}, [frozen[0]!, frozen[0]!, ...frozen.slice(1)], [undefined, undefined, ...nulls.slice(1)]],
      [{}, frozen, frozen.map((_, i) => (i % 2 ? 1 : 1n))],
      [{}, frozen, frozen.map((_, i) => (i % 2 ? 1n : 1))],
    ];
    const heads = new Set<string>();
    for (let pass = 0; pass < 2; pass++) {
      for (const [doc, fields, nv] of docs) {
        const got = buildDocumentFrame(doc, fields, nv, '1.4').head;
        expect(got).toBe(buildDocumentFrame(doc, fields.map((c) => ({ ...c })), nv, '1.4').head);
        heads.add(got);
      }
    }
    expect(heads.size).toBe(docs.length - 1); // the two 1/1n documents print alike; every other one differs
  });
});
