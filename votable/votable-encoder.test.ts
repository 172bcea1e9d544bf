import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Row } from './row.js';
import { decodeBase64 } from './base64.js';
import { parseVotable, parseVotableDocument, queryStatus } from './decoder.js';
import { CHANDRA_MET_TIMESYS, type VotableDocInfo } from './document.js';
import { ALL_COLUMNS, SAMPLE_ROWS, collectText, roundTripped, rowArbitrary } from './testing/sample-columns.js';
import { encodeVotable, type EncodeSummary, type VotableSerialization } from './votable-encoder.js';

const SERIALIZATIONS: VotableSerialization[] = ['TABLEDATA', 'BINARY2', 'BINARY'];

async function* batchesOf(rows: Row[], size: number): AsyncGenerator<Row[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

function expectedRows(rows: Row[], ser: VotableSerialization): Row[] {
  return rows.map((r) => r.map((v, i) => roundTripped(ALL_COLUMNS[i]!, v, ser)));
}

describe('encodeVotable round trip (decode(encode(rows)) == rows)', () => {
  it.each(SERIALIZATIONS)('%s: sample rows with nulls, NaN, ±Infinity, unicode, XML specials', async (ser) => {
    const text = await collectText(encodeVotable({}, ALL_COLUMNS, batchesOf(SAMPLE_ROWS, 2), { serialization: ser }));
    const [t] = parseVotable(text);
    expect(t!.serialization).toBe(ser);
    expect(t!.rows).toEqual(expectedRows(SAMPLE_ROWS, ser));
  });

  it.each(SERIALIZATIONS)('%s: property over every datatype and arraysize', async (ser) => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArbitrary, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (rows, batch) => {
        const text = await collectText(encodeVotable({}, ALL_COLUMNS, batchesOf(rows, batch), { serialization: ser, chunkBytes: 200 }));
        const [t] = parseVotable(text);
        expect(t!.rows).toEqual(expectedRows(rows, ser));
      }),
      { numRuns: 60 },
    );
  });

  it('grows its output buffer from a few KiB to chunkBytes, then streams whole chunks (BINARY2, 1 row to 20k rows)', async () => {
    const cols = [ALL_COLUMNS.find((c) => c.name === 'name')!, ALL_COLUMNS.find((c) => c.name === 'ra')!];
    for (const n of [1, 70, 300, 5000, 20000]) {
      const rows: Row[] = Array.from({ length: n }, (_, i) => [`source ${i} ${'x'.repeat(i % 97)}`, i / 7]);
      const chunks: Uint8Array[] = [];
      for await (const c of encodeVotable({}, cols, batchesOf(rows, 1000), { serialization: 'BINARY2', chunkBytes: 65_536 })) chunks.push(c);
      const [t] = parseVotable(Buffer.concat(chunks).toString('utf8'));
      expect(t!.rows).toEqual(rows);
      // between the document's head and tail, rows leave as base64 of about chunkBytes (no small pieces)
      const body = chunks.slice(1, -2).map((c) => c.length);
      for (const len of body) expect(len).toBeGreaterThan((65_536 * 4) / 3 / 2);
    }
  });

  it('BINARY2 keeps what TABLEDATA and BINARY cannot: empty strings, empty arrays, NaN vs null', async () => {
    const cols = ALL_COLUMNS.filter((c) => ['name', 'poly', 'ra'].includes(c.name));
    const rows: Row[] = [[NaN, '', []], [null, null, null]]; // columns in ALL_COLUMNS order: ra, name, poly
    const back = parseVotable(await collectText(encodeVotable({}, cols, [rows], { serialization: 'BINARY2' })))[0]!.rows;
    expect(back).toEqual(rows);
    const td = parseVotable(await collectText(encodeVotable({}, cols, [rows], { serialization: 'TABLEDATA' })))[0]!.rows;
    expect(td).toEqual([[NaN, null, null], [null, null, null]]);
    const bin = parseVotable(await collectText(encodeVotable({}, cols, [rows], { serialization: 'BINARY' })))[0]!.rows;
    expect(bin).toEqual([[null, null, null], [null, null, null]]);
  });

  it('base64 output stays decodable whatever the chunk size, rows straddling chunk and line boundaries', async () => {
    const cols = ALL_COLUMNS.filter((c) => ['obsid', 'name', 'pos'].includes(c.name));
    const rows: Row[] = Array.from({ length: 200 }, (_, i) => [i, 'x'.repeat(i % 70), [i, -i]]);
    for (const chunkBytes of [1, 3, 56, 57, 58, 114, 1000]) {
      const chunks: string[] = [];
      for await (const c of encodeVotable({}, cols, batchesOf(rows, 7), { serialization: 'BINARY2', chunkBytes })) chunks.push(new TextDecoder().decode(c));
      const text = chunks.join('');
      const stream = /<STREAM encoding="base64">\n([\s\S]*)<\/STREAM>/.exec(text)![1]!;
      const lines = stream.split('\n').filter((l) => l !== '');
      // Every line but the last is a full 76-character line, so chunks never break the base64 quantum.
      expect(lines.slice(0, -1).every((l) => l.length === 76)).toBe(true);
      expect(decodeBase64(stream).length).toBeGreaterThan(0);
      expect(parseVotable(text)[0]!.rows).toEqual(rows);
      if (chunkBytes <= 58) expect(chunks.length).toBeGreaterThan(10);
    }
  });
});

describe('encodeVotable MAXREC', () => {
  const cols = ALL_COLUMNS.filter((c) => c.name === 'obsid');
  const rows: Row[] = Array.from({ length: 11 }, (_, i) => [i]);

  it.each(SERIALIZATIONS)('%s: 11 rows with MAXREC=10 → 10 rows and a trailing OVERFLOW after the TABLE', async (ser) => {
    let summary: EncodeSummary | undefined;
    const text = await collectText(encodeVotable({}, cols, batchesOf(rows, 4), { serialization: ser, maxrec: 10, onEnd: (s) => (summary = s) }));
    expect(text).toMatch(/<INFO name="QUERY_STATUS" value="OK"\/>\n[\s\S]*<TABLE>[\s\S]*<\/TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"\/>\n<\/RESOURCE>/);
    const doc = parseVotableDocument(text);
    expect(doc.resources[0]!.tables[0]!.rows).toHaveLength(10);
    expect(queryStatus(doc)).toEqual({ status: 'OVERFLOW', message: '' });
    expect(summary).toEqual({ rows: 10, status: 'OVERFLOW' });
  });

  it('exactly MAXREC rows → no OVERFLOW', async () => {
    const text = await collectText(encodeVotable({}, cols, batchesOf(rows.slice(0, 10), 5), { serialization: 'TABLEDATA', maxrec: 10 }));
    expect(text).not.toContain('OVERFLOW');
    expect(queryStatus(parseVotableDocument(text))).toEqual({ status: 'OK', message: '' });
  });

  it('stops reading the source at the first row past MAXREC (its return() runs)', async () => {
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<Row[]> {
      try {
        for (let b = 0; b < 100; b++) {
          pulled++;
          yield [[b * 2], [b * 2 + 1]];
        }
      } finally {
        closed = true;
      }
    }
    await collectText(encodeVotable({}, cols, source(), { serialization: 'BINARY2', maxrec: 3 }));
    expect(pulled).toBe(2);
    expect(closed).toBe(true);
  });

  it('MAXREC=0 → FIELDs, no rows, OVERFLOW, and the source is never read', async () => {
    let pulled = false;
    async function* source(): AsyncGenerator<Row[]> {
      pulled = true;
      yield rows;
    }
    const text = await collectText(encodeVotable({}, cols, source(), { serialization: 'BINARY2', maxrec: 0 }));
    const doc = parseVotableDocument(text);
    expect(doc.resources[0]!.tables[0]!.fields.map((f) => f.name)).toEqual(['obsid']);
    expect(doc.resources[0]!.tables[0]!.rows).toEqual([]);
    expect(queryStatus(doc)?.status).toBe('OVERFLOW');
    expect(pulled).toBe(false);
  });
});

describe('encodeVotable errors and cancellation', () => {
  const cols = ALL_COLUMNS.filter((c) => ['obsid', 'name'].includes(c.name));
  async function* failing(): AsyncGenerator<Row[]> {
    yield [[1, 'a'], [2, 'b']];
    yield [[3, 'c & <d>']];
    throw new Error('canceling statement due to statement timeout <57014>');
  }

  it.each(SERIALIZATIONS)('%s: a source failing midway → rows so far, closed stream, trailing ERROR INFO', async (ser) => {
    let summary: EncodeSummary | undefined;
    const text = await collectText(encodeVotable({}, cols, failing(), { serialization: ser, onEnd: (s) => (summary = s) }));
    expect(text).toMatch(/<\/TABLE>\n<INFO name="QUERY_STATUS" value="ERROR">canceling statement due to statement timeout &lt;57014&gt;<\/INFO>\n<\/RESOURCE>\n<\/VOTABLE>\n$/);
    const doc = parseVotableDocument(text); // well-formed, and the binary stream ends on a row boundary
    expect(doc.resources[0]!.tables[0]!.rows).toEqual([[1, 'a'], [2, 'b'], [3, 'c & <d>']]);
    expect(queryStatus(doc)).toEqual({ status: 'ERROR', message: 'canceling statement due to statement timeout <57014>' });
    expect(summary?.status).toBe('ERROR');
    expect(summary?.rows).toBe(3);
  });

  it('describeError maps the message (only typed errors show their text)', async () => {
    const text = await collectText(encodeVotable({}, cols, failing(), { serialization: 'TABLEDATA', describeError: () => 'internal error, id 42' }));
    expect(queryStatus(parseVotableDocument(text))?.message).toBe('internal error, id 42');
  });

  it('a value that cannot be encoded rolls back its partial row (BINARY2 stays row-aligned)', async () => {
    const longCol = [{ name: 'big', datatype: 'long' as const, description: '' }];
    const bad = { valueOf: () => { throw new Error('boom'); } };
    const text = await collectText(encodeVotable({}, longCol, [[[1n], [2n]], [[bad]]], { serialization: 'BINARY2' }));
    const doc = parseVotableDocument(text);
    expect(doc.resources[0]!.tables[0]!.rows).toEqual([[1n], [2n]]);
    expect(queryStatus(doc)).toEqual({ status: 'ERROR', message: 'boom' });
  });

  it('a consumer that stops early closes the source and reports CANCELLED', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<Row[]> {
      try {
        for (let i = 0; ; i++) yield Array.from({ length: 1000 }, (_, j) => [i * 1000 + j, 'row']);
      } finally {
        closed = true;
      }
    }
    let summary: EncodeSummary | undefined;
    const gen = encodeVotable({}, cols, endless(), { serialization: 'TABLEDATA', chunkBytes: 1024, onEnd: (s) => (summary = s) });
    let n = 0;
    for await (const _chunk of gen) if (++n === 5) break;
    expect(closed).toBe(true);
    expect(summary?.status).toBe('CANCELLED');
  });
});

describe('encodeVotable document structure', () => {
  const cols = [
    ...ALL_COLUMNS.filter((c) => ['obsid', 'ra', 'dec', 'pos', 'time', 'name'].includes(c.name)),
    { name: 'weird name', datatype: 'int' as const, description: 'not an NCName' },
  ];
  const doc: VotableDocInfo = {
    description: 'xtap result',
    infos: [
      { name: 'QUERY_STATUS', value: 'ignored: the encoder writes it' },
      { name: 'QUERY', value: 'SELECT TOP 5 obsid, ra, "dec"\nFROM csc2.master_source\tWHERE x < 3 & y > "2"' },
      { name: 'standardID', value: 'ivo://ivoa.net/std/TAP' },
      { name: 'citation', value: 'doi:10.25574/csc2', ucd: 'meta.bib.bibcode' },
      { name: 'server_software', value: 'xtap 0.1.0', content: 'xtap TAP service' },
    ],
    timesys: { ...CHANDRA_MET_TIMESYS, fields: ['time'] },
    fieldIds: [undefined, 'col_ra'],
    tableName: 'result',
    serviceDescriptors: [
      {
        ID: 'dl_links',
        name: 'links',
        description: 'DataLink for event files & products',
        accessURL: 'https://xtap.example/datalink/links?x=1&y=2',
        standardID: 'ivo://ivoa.net/std/DataLink#links-1.1',
        contentType: 'application/x-votable+xml;content=datalink',
        inputParams: [{ name: 'ID', datatype: 'char', arraysize: '*', value: '', ucd: 'meta.id;meta.main', ref: { field: 'obsid' } }],
      },
    ],
  };

  it('puts INFOs, COOSYS and TIMESYS before the TABLE and references them from the FIELDs', async () => {
    const text = await collectText(encodeVotable(doc, cols, [[]], { serialization: 'TABLEDATA', version: '1.5' }));
    expect(text).toContain('<VOTABLE version="1.5" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">');
    const d = parseVotableDocument(text);
    expect(d.description).toBe('xtap result');
    const res = d.resources[0]!;
    expect(res.type).toBe('results');
    expect(res.infos.map((i) => [i.name, i.value])).toEqual([
      ['QUERY_STATUS', 'OK'],
      ['QUERY', 'SELECT TOP 5 obsid, ra, "dec"\nFROM csc2.master_source\tWHERE x < 3 & y > "2"'],
      ['standardID', 'ivo://ivoa.net/std/TAP'],
      ['citation', 'doi:10.25574/csc2'],
      ['server_software', 'xtap 0.1.0'],
    ]);
    expect(res.infos[3]!.ucd).toBe('meta.bib.bibcode');
    expect(res.infos[4]!.content).toBe('xtap TAP service');
    expect(res.coosys).toEqual([{ ID: 'sys_icrs', system: 'ICRS' }]);
    expect(res.timesys).toEqual([{ ID: 'sys_met', timescale: 'TT', timeorigin: '2450814.5', refposition: 'TOPOCENTER' }]);
    const f = res.tables[0]!.fields;
    expect(f.map((x) => [x.name, x.ID, x.ref])).toEqual([
      ['obsid', 'obsid', undefined],
      ['ra', 'col_ra', 'sys_icrs'],
      ['dec', 'dec', 'sys_icrs'],
      ['name', 'name', undefined],
      ['pos', 'pos', 'sys_icrs'],
      ['time', 'time', 'sys_met'],
      ['weird name', 'weird_name', undefined],
    ]);
    expect(f[0]!.nullValue).toBe(-2147483648);
    expect(f[0]!.ucd).toBe('meta.id;obs');
    expect(f[4]!.xtype).toBe('point');
  });

  it('renders a DataLink service descriptor after the results RESOURCE, its input PARAM referring to a FIELD ID', async () => {
    const text = await collectText(encodeVotable(doc, cols, [[[1, 2, 3, [4, 5], 6, 'a', 7]]], { serialization: 'BINARY2' }));
    expect(text).toMatch(/<\/RESOURCE>\n<RESOURCE type="meta" utype="adhoc:service" ID="dl_links" name="links">/);
    const d = parseVotableDocument(text);
    expect(d.resources).toHaveLength(2);
    const sd = d.resources[1]!;
    expect([sd.type, sd.utype, sd.description]).toEqual(['meta', 'adhoc:service', 'DataLink for event files & products']);
    expect(sd.params.map((p) => [p.name, p.rawValue])).toEqual([
      ['accessURL', 'https://xtap.example/datalink/links?x=1&y=2'],
      ['standardID', 'ivo://ivoa.net/std/DataLink#links-1.1'],
      ['contentType', 'application/x-votable+xml;content=datalink'],
    ]);
    expect(sd.groups[0]!.name).toBe('inputParams');
    expect(sd.groups[0]!.params[0]).toMatchObject({ name: 'ID', ref: 'obsid', rawValue: '', ucd: 'meta.id;meta.main' });
  });

  it('rejects a descriptor that refers to an unknown FIELD before writing anything', async () => {
    const bad: VotableDocInfo = { serviceDescriptors: [{ accessURL: 'x', inputParams: [{ name: 'ID', datatype: 'char', arraysize: '*', value: '', ref: { field: 'nope' } }] }] };
    await expect(collectText(encodeVotable(bad, cols, [[]], { serialization: 'BINARY2' }))).rejects.toThrow(/unknown FIELD "nope"/);
  });

  it('coosys: false writes no COOSYS; no positional FIELD writes none either', async () => {
    const a = await collectText(encodeVotable({ coosys: false }, cols, [[]], { serialization: 'TABLEDATA' }));
    expect(a).not.toContain('COOSYS');
    expect(a).not.toContain('ref="sys_icrs"');
    const b = await collectText(encodeVotable({}, cols.filter((c) => c.name === 'name'), [[]], { serialization: 'TABLEDATA' }));
    expect(b).not.toContain('COOSYS');
  });

  it('strips characters XML 1.0 forbids and escapes the rest', async () => {
    const col = [{ name: 'name', datatype: 'char' as const, arraysize: '*', description: 'a\u0001b <c>' }];
    const text = await collectText(encodeVotable({ infos: [{ name: 'q', value: 'x\u0000y"z' }] }, col, [[['p\u0007q\uFFFEr & s\r\n']]], { serialization: 'TABLEDATA' }));
    expect(text).toContain('<TD>pqr &amp; s&#13;\n</TD>');
    expect(text).toContain('<INFO name="q" value="xy&quot;z"/>');
    expect(text).toContain('<DESCRIPTION>ab &lt;c&gt;</DESCRIPTION>');
    expect(parseVotable(text)[0]!.rows).toEqual([['pqr & s\r\n']]);
  });

  it('BINARY declares a VALUES null for integer columns without one, so nulls survive', async () => {
    const c = [{ name: 'n', datatype: 'short' as const, description: '' }, { name: 'l', datatype: 'long' as const, description: '' }];
    const text = await collectText(encodeVotable({}, c, [[[null, null], [1, 2n]]], { serialization: 'BINARY' }));
    expect(text).toContain('<VALUES null="-32768"/>');
    expect(text).toContain('<VALUES null="-9223372036854775808"/>');
    expect(parseVotable(text)[0]!.rows).toEqual([[null, null], [1, 2n]]);
    const b2 = await collectText(encodeVotable({}, c, [[[null, null]]], { serialization: 'BINARY2' }));
    expect(b2).not.toContain('<VALUES');
  });

  it('writes DALI serializations in TABLEDATA: point "ra dec", booleans T/F, +Inf/-Inf/NaN, exact long', async () => {
    const c = ALL_COLUMNS.filter((x) => ['flag', 'big', 'ra', 'pos', 'circ'].includes(x.name));
    const text = await collectText(encodeVotable({}, c, [[[true, -9223372036854775807n, -Infinity, [10, 20], [1.5, -2, NaN]]]], { serialization: 'TABLEDATA' }));
    expect(text).toContain('<TR><TD>T</TD><TD>-9223372036854775807</TD><TD>-Inf</TD><TD>10 20</TD><TD>1.5 -2 NaN</TD></TR>');
  });
});

describe('encodeVotable bit columns (not published, but readable and writable)', () => {
  const cols = [
    { name: 'b', datatype: 'bit' as const, description: '' },
    { name: 'b4', datatype: 'bit' as const, arraysize: '4', description: '' },
    { name: 'bv', datatype: 'bit' as const, arraysize: '*', description: '' },
  ];
  const rows: Row[] = [[true, [true, false, false, true], [false, true, true, true, false, false, false, false, true]], [false, [false, false, false, false], [true]]];
  it.each(SERIALIZATIONS)('%s round-trips bits', async (ser) => {
    expect(parseVotable(await collectText(encodeVotable({}, cols, [rows], { serialization: ser })))[0]!.rows).toEqual(rows);
  });
});
