import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseVotable, parseVotableDocument } from './decoder.js';
import { VotableError, type VotableErrorCode } from './errors.js';

const CSC = new URL('../data/sample/umlcaxs_obs_example.vot', import.meta.url).pathname;

function b64(bytes: number[]): string {
  return Buffer.from(bytes).toString('base64');
}

const wrap = (table: string, version = '1.4'): string =>
  `<?xml version="1.0"?><VOTABLE version="${version}" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE>${table}</RESOURCE></VOTABLE>`;

describe('parseVotable on the CSC CLI file (VOTable 1.2, VALUES null, mixed CRLF/LF)', () => {
  const [t, ...rest] = parseVotable(readFileSync(CSC));

  it('reads one table with 30 FIELDs and their metadata', () => {
    expect(rest).toHaveLength(0);
    expect(t!.fields).toHaveLength(30);
    expect(t!.fields[0]).toEqual({
      name: 'separation', ID: 'col0', datatype: 'double', precision: 'F2', ucd: 'pos.angDistance', unit: 'arcsec', width: '9',
      description: 'Distance from master source to user source',
    });
    expect(t!.fields[2]).toMatchObject({ name: 'obsid', datatype: 'int', nullValue: -2147483648, description: 'Observation identifier' });
    expect(t!.fields[3]!.ucd).toBe('pos.eq.ra;meta.main');
    expect(t!.resource.name).toBe('CSC');
    expect(t!.name).toBe('null');
    expect(t!.serialization).toBe('TABLEDATA');
  });

  it('reads the row with numbers, strings and empty TDs as null', () => {
    expect(t!.rows).toHaveLength(1);
    const r = t!.rows[0]!;
    expect(r.slice(0, 5)).toEqual([0.1496933777989859, '2CXO J004307.5-092302', 4884, 10.781298349312351, -9.383953646551543]);
    expect(r[9]).toBe('TRUE');
    expect([r[13], r[14], r[25]]).toEqual([null, null, null]);
    expect(r[22]).toBe(9.007070382772946e-4);
    expect(r[29]).toBe(0.003322752613583475);
  });
});

describe('parseVotableDocument structure', () => {
  const doc = `<?xml version="1.0" encoding="UTF-8"?>\r
<v:VOTABLE version="1.1" xmlns:v="http://www.ivoa.net/xml/VOTable/v1.1">\r
<v:DESCRIPTION>two <b>resources</b></v:DESCRIPTION>\r
<v:DEFINITIONS><v:COOSYS ID="J2000" system="eq_FK5" equinox="J2000"/></v:DEFINITIONS>\r
<v:INFO name="top" value="1"/>\r
<v:RESOURCE name="first" type="results">\r
  <v:INFO name="QUERY_STATUS" value="OK"/>\r
  <v:PARAM name="radius" datatype="double" unit="deg" value="0.5"/>\r
  <v:TABLE name="a">\r
    <v:FIELD name="id" datatype="long"/><v:FIELD name="label" datatype="char" arraysize="*"/>\r
    <v:FIELD name="ok" datatype="boolean"/><v:FIELD name="v" datatype="float" arraysize="2"/>\r
    <v:DATA><v:TABLEDATA>\r
      <v:TR><v:TD>9223372036854775807</v:TD><v:TD><![CDATA[<raw> & ]]>text &amp; &#x263A;</v:TD><v:TD>true</v:TD><v:TD>1.5 NaN</v:TD></v:TR>\r
      <!-- a comment between rows -->\r
      <v:TR><v:TD>-1</v:TD><v:TD>  padded  </v:TD><v:TD>?</v:TD><v:TD/></v:TR>\r
      <v:TR><v:TD> 0x10 </v:TD><v:TD>line1&#13;\rline2</v:TD><v:TD>0</v:TD><v:TD>+Inf -inf</v:TD></v:TR>\r
    </v:TABLEDATA></v:DATA>\r
    <v:INFO name="QUERY_STATUS" value="OVERFLOW"/>\r
  </v:TABLE>\r
  <v:TABLE name="b"><v:FIELD name="x" datatype="short"/><v:DATA><v:TABLEDATA><v:TR><v:TD>7</v:TD></v:TR></v:TABLEDATA></v:DATA></v:TABLE>\r
</v:RESOURCE>\r
<v:RESOURCE name="second"><v:RESOURCE name="nested"><v:TABLE name="c"><v:FIELD name="y" datatype="unsignedByte"/></v:TABLE></v:RESOURCE></v:RESOURCE>\r
</v:VOTABLE>\r
`;

  it('handles namespace prefixes, CRLF, CDATA, comments, entities, DEFINITIONS, nested RESOURCEs', () => {
    const d = parseVotableDocument(doc);
    expect(d.version).toBe('1.1');
    expect(d.description).toBe('two <b>resources</b>');
    expect(d.coosys).toEqual([{ ID: 'J2000', system: 'eq_FK5', equinox: 'J2000' }]);
    expect(d.infos.map((i) => i.name)).toEqual(['top']);
    expect(d.resources.map((r) => r.name)).toEqual(['first', 'second']);
    expect(d.resources[0]!.params[0]).toMatchObject({ name: 'radius', value: 0.5, rawValue: '0.5', unit: 'deg' });
    const [a, b, c] = parseVotable(doc);
    expect(a!.rows).toEqual([
      [9223372036854775807n, '<raw> & text & \u263A', true, [1.5, NaN]],
      [-1n, '  padded  ', null, null],
      [16n, 'line1\r\nline2', false, [Infinity, -Infinity]],
    ]);
    expect(a!.infos).toEqual([{ name: 'QUERY_STATUS', value: 'OVERFLOW', content: '' }]);
    expect(b!.rows).toEqual([[7]]);
    expect(c!.resource.name).toBe('nested');
    expect(c!.serialization).toBeNull();
    expect(c!.rows).toEqual([]);
  });
});

describe('binary decoding', () => {
  it('reads BINARY with VALUES null sentinels and NaN nulls, and BINARY2 null flags', () => {
    const fields = '<FIELD name="i" datatype="int"><VALUES null="-1"/></FIELD><FIELD name="d" datatype="double"/><FIELD name="s" datatype="char" arraysize="*"/>';
    const row = (i: number, d: number[], s: string): number[] => [...[i >>> 24, (i >> 16) & 255, (i >> 8) & 255, i & 255], ...d, 0, 0, 0, s.length, ...Buffer.from(s)];
    const nan = [0x7f, 0xf8, 0, 0, 0, 0, 0, 0];
    const one = [0x3f, 0xf0, 0, 0, 0, 0, 0, 0];
    const bin = wrap(`<TABLE>${fields}<DATA><BINARY><STREAM encoding="base64">${b64([...row(5, one, 'ab'), ...row(-1, nan, '')])}</STREAM></BINARY></DATA></TABLE>`);
    expect(parseVotable(bin)[0]!.rows).toEqual([[5, 1, 'ab'], [null, null, null]]);
    const bin2 = wrap(`<TABLE>${fields}<DATA><BINARY2><STREAM encoding="base64">${b64([0b0100_0000, ...row(5, nan, ''), 0b1010_0000, ...row(0, one, 'x')])}</STREAM></BINARY2></DATA></TABLE>`);
    expect(parseVotable(bin2)[0]!.rows).toEqual([[5, null, ''], [null, 1, null]]);
  });
});

describe('VotableError codes', () => {
  const td = (cells: string, fields = '<FIELD name="n" datatype="int"/>'): string => wrap(`<TABLE>${fields}<DATA><TABLEDATA><TR>${cells}</TR></TABLEDATA></DATA></TABLE>`);
  const cases: Array<[string, string, VotableErrorCode, number | undefined, string | undefined]> = [
    ['malformed XML', '<VOTABLE><RESOURCE></VOTABLE>', 'E01', undefined, undefined],
    ['root is not VOTABLE', '<?xml version="1.0"?><TABLE/>', 'E02', undefined, undefined],
    ['unknown datatype', td('<TD>1</TD>', '<FIELD name="n" datatype="integer"/>'), 'E03', undefined, 'n'],
    ['missing datatype', td('<TD>1</TD>', '<FIELD name="n"/>'), 'E03', undefined, 'n'],
    ['bad arraysize', td('<TD>1</TD>', '<FIELD name="n" datatype="int" arraysize="x3"/>'), 'E04', undefined, 'n'],
    ['FITS data', wrap('<TABLE><FIELD name="n" datatype="int"/><DATA><FITS><STREAM href="x.fits"/></FITS></DATA></TABLE>'), 'E05', undefined, undefined],
    ['external stream', wrap('<TABLE><FIELD name="n" datatype="int"/><DATA><BINARY2><STREAM href="http://x/y"/></BINARY2></DATA></TABLE>'), 'E05', undefined, undefined],
    ['gzip stream', wrap('<TABLE><FIELD name="n" datatype="int"/><DATA><BINARY><STREAM encoding="gzip">AAAA</STREAM></BINARY></DATA></TABLE>'), 'E05', undefined, undefined],
    ['bad base64', wrap('<TABLE><FIELD name="n" datatype="int"/><DATA><BINARY><STREAM encoding="base64">AA*A</STREAM></BINARY></DATA></TABLE>'), 'E06', undefined, undefined],
    ['truncated binary', wrap(`<TABLE><FIELD name="n" datatype="int"/><FIELD name="m" datatype="double"/><DATA><BINARY><STREAM encoding="base64">${b64([0, 0, 0, 1, 0, 0])}</STREAM></BINARY></DATA></TABLE>`), 'E07', 1, 'm'],
    ['absurd variable length', wrap(`<TABLE><FIELD name="s" datatype="char" arraysize="*"/><DATA><BINARY2><STREAM encoding="base64">${b64([0, 0x7f, 0, 0, 0, 65])}</STREAM></BINARY2></DATA></TABLE>`), 'E07', 1, 's'],
    ['bad int cell', td('<TD>12abc</TD>'), 'E08', 1, 'n'],
    ['bad boolean cell', td('<TD>maybe</TD>', '<FIELD name="b" datatype="boolean"/>'), 'E08', 1, 'b'],
    ['bad double element', td('<TD>1 x</TD>', '<FIELD name="p" datatype="double" arraysize="*"/>'), 'E08', 1, 'p'],
    ['too many TDs', td('<TD>1</TD><TD>2</TD>'), 'E09', 1, undefined],
    ['wrong fixed array length', td('<TD>1 2 3</TD>', '<FIELD name="p" datatype="double" arraysize="2" xtype="point"/>'), 'E10', 1, 'p'],
    ['bad VALUES null', td('<TD>1</TD>', '<FIELD name="n" datatype="int"><VALUES null="none"/></FIELD>'), 'E11', undefined, 'n'],
  ];
  it.each(cases)('%s → %s', (_what, doc, code, row, field) => {
    let err: unknown;
    try {
      parseVotable(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VotableError);
    const v = err as VotableError;
    expect(v.code).toBe(code);
    expect(v.row).toBe(row);
    expect(v.field).toBe(field);
    expect(v.message.startsWith(`${code}: `)).toBe(true);
  });
});
