/** The pure helpers of the web page (web/src/lib): error positions, histogram bins, plottable columns, SAMP
 *  XML-RPC bodies, download URLs and the ADQL vocabulary. The page itself is tested in a browser
 *  (test/browser). */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TAP_EXAMPLES } from '../server/examples/index.js';
import { functionNames } from '../web/src/lib/adql.js';
import { classColumns, positionColumns } from '../web/src/lib/columns.js';
import type { FieldInfo } from '../web/src/lib/columns.js';
import { errorPosition, offsetOf } from '../web/src/lib/error-position.js';
import { histogram } from '../web/src/lib/histogram.js';
import { DOWNLOAD_FORMATS, syncUrl } from '../web/src/lib/query-url.js';
import { loadVotableMessage, xmlRpcCall } from '../web/src/lib/samp-xmlrpc.js';
import { resolveFormat } from '../votable/formats.js';

describe('errorPosition / offsetOf', () => {
  it("reads the service's 'line L, column C' and maps it to an offset in the query", () => {
    const msg = 'ADQL error: line 2, column 3: no column nme in the tables of this query (did you mean name?)';
    const pos = errorPosition(msg);
    expect(pos).toEqual({ line: 2, column: 3 });
    const q = 'SELECT TOP 5 name,\n  nme\nFROM csc2.master_source';
    expect(q.slice(offsetOf(q, pos!))).toMatch(/^nme/);
  });

  it('gives nothing for a message without a position, and clamps positions past the text', () => {
    expect(errorPosition('the database does not answer')).toBeUndefined();
    expect(offsetOf('ab\ncd', { line: 9, column: 9 })).toBe(5);
    expect(offsetOf('ab\ncd', { line: 1, column: 0 })).toBe(0);
  });
});

describe('histogram', () => {
  it('counts every finite value once, in bins that cover min..max, and reports the rest as skipped', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(null), fc.constant(Number.NaN)), { maxLength: 300 }), (values) => {
        const h = histogram(values);
        const finite = values.filter((v) => v !== null && Number.isFinite(v)) as number[];
        expect(h.skipped).toBe(values.length - finite.length);
        expect(h.counts.reduce((a, b) => a + b, 0)).toBe(finite.length);
        if (finite.length > 0) {
          expect(h.edges.length).toBe(h.counts.length + 1);
          expect(h.edges[0]).toBeLessThanOrEqual(Math.min(...finite));
          expect(h.edges[h.edges.length - 1]).toBeGreaterThanOrEqual(Math.max(...finite));
          expect(h.counts.length).toBeLessThanOrEqual(200);
        }
      }),
    );
  });

  it('puts a constant column in one bin', () => {
    expect(histogram([3, 3, 3])).toEqual({ edges: [2.5, 3.5], counts: [3], skipped: 0 });
  });
});

describe('plottable columns', () => {
  const f = (name: string, datatype: string, ucd?: string): FieldInfo => ({ name, datatype, ...(ucd ? { ucd } : {}) });

  it('finds the main position by UCD before names', () => {
    const fields = [f('ra_pnt', 'double', 'pos.eq.ra'), f('ra', 'double', 'pos.eq.ra;meta.main'), f('dec', 'double', 'pos.eq.dec;meta.main')];
    expect(positionColumns(fields)).toEqual({ ra: 1, dec: 2 });
    expect(positionColumns([f('RA', 'double'), f('Dec', 'double')])).toEqual({ ra: 0, dec: 1 });
    expect(positionColumns([f('name', 'char')])).toBeUndefined();
  });

  it('pairs the ml.source_class probabilities with their uncertainties', () => {
    const fields = [f('name', 'char'), f('p_agn', 'double'), f('e_p_agn', 'double'), f('p_hm_star', 'double'), f('predicted_prob', 'double')];
    expect(classColumns(fields)).toEqual([
      { label: 'AGN', prob: 1, error: 2 },
      { label: 'HM-STAR', prob: 3 },
    ]);
  });
});

describe('SAMP Web Profile XML-RPC', () => {
  it('writes a well-formed methodCall with the table.load.votable message, escaping the URL', () => {
    const url = 'http://xtap.test/tap/sync?LANG=ADQL&QUERY=SELECT+1<2';
    const body = xmlRpcCall('samp.webhub.notifyAll', ['key-1', loadVotableMessage(url, 'result')]);
    expect(XMLValidator.validate(body)).toBe(true);
    const parsed = new XMLParser().parse(body) as { methodCall: { methodName: string; params: { param: Array<{ value: unknown }> } } };
    expect(parsed.methodCall.methodName).toBe('samp.webhub.notifyAll');
    expect(body).toContain('<member><name>samp.mtype</name><value><string>table.load.votable</string></value></member>');
    expect(body).toContain('QUERY=SELECT+1&lt;2');
  });
});

describe('download URLs', () => {
  it('offers only formats the service accepts, as GET /sync URLs that carry the query and MAXREC', () => {
    for (const d of DOWNLOAD_FORMATS) expect(resolveFormat(d.format), d.format).toBeDefined();
    const u = new URL(syncUrl('http://xtap.test/tap', TAP_EXAMPLES[0]!.query, 'csv', 50));
    expect(u.pathname).toBe('/tap/sync');
    expect(u.searchParams.get('QUERY')).toBe(TAP_EXAMPLES[0]!.query);
    expect(u.searchParams.get('RESPONSEFORMAT')).toBe('csv');
    expect(u.searchParams.get('MAXREC')).toBe('50');
  });
});

describe('ADQL vocabulary', () => {
  it("reads function names from TAPRegExt forms", () => {
    expect(functionNames(['csc_cone_distance(ra DOUBLE, dec DOUBLE, ra0 DOUBLE, dec0 DOUBLE) -> DOUBLE', 'CONTAINS', 'ivo_hasword(a TEXT, b TEXT) -> INTEGER'])).toEqual([
      'csc_cone_distance',
      'ivo_hasword',
    ]);
  });
});
