/** Malformed and hostile VOTable documents for fuzz tests (fast-check arbitraries): valid documents in every
 *  serialization, then truncated, byte-flipped, spliced with markup, with wrong datatypes, bad base64, huge
 *  values and arraysizes, and XML bombs (entity expansion "billion laughs", external entities). */
import fc from 'fast-check';
import { col } from '../../schema/index.js';
import { encodeVotable } from '../votable-encoder.js';

export const XXE_MARKER = 'root:x:0:0';

const FIELDS = [
  col('name', 'char', '', 'meta.id', 'name'),
  col('ra', 'double', 'deg', 'pos.eq.ra', 'ra'),
  col('dec', 'double', 'deg', 'pos.eq.dec', 'dec'),
  col('n', 'long', '', '', 'a long'),
  col('flag', 'boolean', '', '', 'a flag'),
  col('k', 'short', '', '', 'a short'),
];
const ROWS = [
  ['2CXO J110507.4-585105', 166.281041667, -58.851519444, 9007199254740993n, true, 3],
  ['nowhere', 10, 10, null, null, null],
  ["o'brien & <co>", 0, -90, -1n, false, -32768],
];

/** One valid document per serialization. */
export async function validVotables(): Promise<string[]> {
  const out: string[] = [];
  for (const serialization of ['TABLEDATA', 'BINARY', 'BINARY2'] as const) {
    const chunks: Uint8Array[] = [];
    for await (const c of encodeVotable({}, FIELDS, [ROWS], { serialization })) chunks.push(c);
    out.push(Buffer.concat(chunks).toString('utf8'));
  }
  return out;
}

const LAUGHS =
  '<!DOCTYPE VOTABLE [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  ']>';
const XXE = '<!DOCTYPE VOTABLE [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % remote SYSTEM "http://169.254.169.254/x"> %remote;]>';

const SPLICES = [
  '<TR>', '</TD>', '<TD>', '</TR></TABLEDATA>', '&lol9;', '&xxe;', '&#0;', '&#xD800;', '&unknown;', '<![CDATA[', ']]>', '<!--', '-->',
  'datatype="int"', 'datatype="bogus"', 'arraysize="2147483647"', 'arraysize="*x"', 'arraysize="-1"', '<FIELD name="x" datatype="double"/>',
  '<STREAM encoding="base64">!!!!@@@@</STREAM>', '<STREAM href="file:///etc/passwd"/>', '<FITS/>', '9'.repeat(400), '-1e999', 'NaN',
  '\u0000', '\uFFFF', '\uD800', '"', "'", '<', '>', '&', '=====', 'A'.repeat(3), '<VOTABLE>', '</RESOURCE>',
];

const DATATYPES = ['int', 'short', 'long', 'boolean', 'bit', 'unicodeChar', 'floatComplex', 'unsignedByte', 'float', 'bogus', ''];

/** A hostile variant of one of the bases. */
export function hostileVotable(bases: ReadonlyArray<string>): fc.Arbitrary<string> {
  const base = fc.constantFrom(...bases);
  const at = fc.nat();
  return fc.oneof(
    fc.record({ b: base, at }).map(({ b, at }) => b.slice(0, at % (b.length + 1))),
    fc.record({ b: base, at, ch: fc.constantFrom('<', '>', '&', '"', '\u0000', '\u00ff', ' ', '/', '=', 'Z') }).map(({ b, at, ch }) => {
      const i = at % b.length;
      return b.slice(0, i) + ch + b.slice(i + 1);
    }),
    fc.record({ b: base, at, s: fc.oneof(fc.constantFrom(...SPLICES), fc.string({ maxLength: 8 })) }).map(({ b, at, s }) => {
      const i = at % (b.length + 1);
      return b.slice(0, i) + s + b.slice(i);
    }),
    fc.record({ b: base, which: fc.nat(), dt: fc.constantFrom(...DATATYPES) }).map(({ b, which, dt }) => {
      let k = 0;
      const n = (b.match(/datatype="[^"]*"/g) ?? []).length || 1;
      return b.replace(/datatype="[^"]*"/g, (m) => (k++ === which % n ? `datatype="${dt}"` : m));
    }),
    fc.record({ b: base, bad: fc.constantFrom('!', '@', '*', '====', '\u00e9', 'A', 'AB') , at: fc.nat() }).map(({ b, bad, at }) =>
      b.replace(/(<STREAM[^>]*>)([^<]*)/, (_m, open: string, body: string) => {
        const i = at % (body.length + 1);
        return open + body.slice(0, i) + bad + body.slice(i);
      }),
    ),
    base.map((b) => b.replace(/(<\?xml[^>]*\?>)/, `$1${LAUGHS}`).replace('<TD>', '<TD>&lol9;')),
    base.map((b) => b.replace(/(<\?xml[^>]*\?>)/, `$1${XXE}`).replace('<TD>', '<TD>&xxe;')),
    base.map((b) => b.replace(/<TD>[^<]*<\/TD>/, `<TD>${'7'.repeat(100_000)}</TD>`)),
    base.map((b) => b.replace(/arraysize="\*"/, 'arraysize="99999999"')),
  );
}
