import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeBase64Lines } from '../../votable/base64.js';
import { spread } from '../stats.js';
import { probeDachs } from './dachs.js';
import { renderJson, renderMarkdown, ratios, type Figure, type Results } from './report.js';
import { fieldLayouts, rowCounter, type Format } from './row-count.js';
import { parseSideArgs } from './side-by-side.js';

const FIELDS = '<FIELD name="name" datatype="char" arraysize="*"/><FIELD name="ra" datatype="double"/><FIELD name="flag" datatype="boolean"/><FIELD name="code" datatype="char" arraysize="3"/><FIELD name="n" datatype="short"/>';

/** BINARY2 rows: null mask (1 byte for 5 fields), name (int32 length + bytes), double, boolean, char[3], short. */
function binary2Rows(names: string[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const [i, name] of names.entries()) {
    const b = Buffer.alloc(1 + 4 + name.length + 8 + 1 + 3 + 2);
    let o = 0;
    b[o++] = i % 2 ? 0x40 : 0; // ra NULL on odd rows (value bytes still present)
    o = b.writeInt32BE(name.length, o);
    o += b.write(name, o, 'latin1');
    o = b.writeDoubleBE(i * 1.5, o);
    b[o++] = 0x54;
    o += b.write('abc', o, 'latin1');
    b.writeInt16BE(i, o);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

function binary2Doc(names: string[], status = ''): Buffer {
  const data = binary2Rows(names);
  const b64 = Buffer.from(encodeBase64Lines(data, data.length)).toString('latin1');
  return Buffer.from(`<?xml version="1.0"?><VOTABLE><RESOURCE type="results"><INFO name="QUERY_STATUS" value="OK"/><TABLE>${FIELDS}<DATA><BINARY2><STREAM encoding="base64">\n${b64}</STREAM></BINARY2></DATA></TABLE>${status}</RESOURCE></VOTABLE>\n`, 'latin1');
}

function count(format: Format, doc: Buffer, chunk: number) {
  const c = rowCounter(format);
  for (let i = 0; i < doc.length; i += chunk) c.push(doc.subarray(i, i + chunk));
  return c.end();
}

describe('streamed row counts', () => {
  const names = Array.from({ length: 37 }, (_, i) => `2CXO J${'x'.repeat(i % 7)}${i}`);

  it('reads FIELD layouts, fixed and variable', () => {
    expect(fieldLayouts(FIELDS)).toEqual([
      { size: 1, variable: true },
      { size: 8, variable: false },
      { size: 1, variable: false },
      { size: 3, variable: false },
      { size: 2, variable: false },
    ]);
    expect(() => fieldLayouts('<FIELD name="x" datatype="nonsense"/>')).toThrow(/nonsense/);
  });

  it('counts BINARY2 rows whatever the chunking, with the final QUERY_STATUS', () => {
    const doc = binary2Doc(names, '<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
    for (const size of [1, 2, 3, 7, 76, 77, 1000, doc.length]) expect(count('binary2', doc, size)).toEqual({ rows: 37, status: 'OVERFLOW' });
    expect(count('binary2', binary2Doc([]), 5)).toEqual({ rows: 0, status: undefined });
    // Every padding of the last base64 quantum (stream lengths ≡ 0, 1, 2 mod 3), every chunk size up to a line.
    for (let n = 1; n <= 7; n++) {
      const few = binary2Doc(names.slice(0, n));
      for (let size = 1; size <= 80; size += 3) expect(count('binary2', few, size)).toEqual({ rows: n, status: undefined });
    }
  });

  it('rejects a BINARY2 stream that ends inside a row or is not closed', () => {
    const data = binary2Rows(names).subarray(0, -3);
    const b64 = Buffer.from(encodeBase64Lines(data, data.length)).toString('latin1');
    const cut = Buffer.from(`<VOTABLE><TABLE>${FIELDS}<DATA><BINARY2><STREAM encoding="base64">${b64}</STREAM>`, 'latin1');
    expect(() => count('binary2', cut, 10)).toThrow(/inside a row/);
    expect(() => count('binary2', binary2Doc(names).subarray(0, binary2Doc(names).indexOf('</STREAM>') - 10), 10)).toThrow(/not closed/);
  });

  it('counts TABLEDATA rows across chunk borders and CSV lines after the header', () => {
    const td = Buffer.from(`<TABLEDATA>${'<TR><TD>1</TD></TR>\n'.repeat(25)}<TR class="x"><TD>2</TD></TR></TABLEDATA><TRX/><INFO name="QUERY_STATUS" value="ERROR">x</INFO>`);
    for (const size of [1, 2, 3, 4, 5, 13, td.length]) expect(count('tabledata', td, size)).toEqual({ rows: 26, status: 'ERROR' });
    const csv = Buffer.from(`a,b\n${'1,2\n'.repeat(12)}3,4`);
    for (const size of [1, 4, csv.length]) expect(count('csv', csv, size).rows).toBe(13);
    expect(count('csv', Buffer.from('a,b\n'), 2).rows).toBe(0);
    const tsv = Buffer.from(`a\tb\n${'1\\n\t2\n'.repeat(12)}`);
    for (const size of [1, 3, tsv.length]) expect(count('tsv', tsv, size).rows).toBe(12);
  });
});

const results = (figures: Figure[]): Results => ({
  meta: { started: 's', finished: 'f', command: 'npm run bench', rows: 10, tableRows: 10, reps: 3, facts: [['cores (nproc)', '2']], notes: ['DaCHS skipped: not reachable.'] },
  figures,
  xtapOnly: [{ bench: 'dedt', rows: [{ name: 'fast path', value: 12.5, unit: 'ms', reference: 'r' }] }],
  targets: [
    { text: 'download ≥ 0.7× COPY', figure: 'dl', of: 'vsRaw', op: '>=', limit: 0.7 },
    { text: 'q/s ≥ 3× DaCHS', figure: 'qps', of: 'vsDachs', op: '>=', limit: 3 },
    { text: 'TOP 1 ≤ 2 ms', figure: 'top1', of: 'xtap', op: '<=', limit: 2 },
  ],
});

describe('RESULTS.md and RESULTS.json', () => {
  const dl: Figure = { id: 'dl', what: 'download', unit: 's', better: 'lower', xtap: { label: '', values: [2, 4, 3] }, raw: { label: 'COPY binary', values: [1, 1, 3] } };
  const qps: Figure = { id: 'qps', what: 'cones', unit: 'q/s', better: 'higher', xtap: { label: '', values: [100, 90, 300] }, dachs: { label: '', values: [10, 30, 50] } };

  it('pairs repetitions into speed ratios (> 1: xtap better), whatever the direction of the unit', () => {
    expect(ratios(dl, dl.raw)).toEqual([0.5, 0.25, 1]);
    expect(ratios(qps, qps.dachs)).toEqual([10, 3, 6]);
    expect(ratios(qps, undefined)).toEqual([]);
    expect(spread([0.5, 0.25, 1])).toEqual({ median: 0.5, min: 0.25, max: 1 });
  });

  it('writes medians with ranges, ratios, notes, targets and the xtap-only tables', () => {
    const md = renderMarkdown(results([dl, qps]));
    expect(md).toContain('| download | 3.00 s (2.00–4.00) | — | 1.00 s (1.00–3.00) COPY binary | 0.50× (0.25–1.00) | — |');
    expect(md).toContain('| cones | 100 q/s (90.0–300) | 30.0 q/s (10.0–50.0) | — | — | 6.00× (3.00–10.0) |');
    expect(md).toContain('- DaCHS skipped: not reachable.');
    expect(md).toContain('| download ≥ 0.7× COPY | 0.50 | **no** |');
    expect(md).toContain('| q/s ≥ 3× DaCHS | 6.00 | yes |');
    expect(md).toContain('| TOP 1 ≤ 2 ms | — | not measured |');
    expect(md).toContain('| fast path | 12.5 | ms | r |');
    const json = JSON.parse(renderJson(results([dl, qps]))) as { figures: Array<{ id: string; xtap: { median: number }; vsRaw: number[] }>; targets: Array<{ measured: number | null }> };
    expect(json.figures[0]).toMatchObject({ id: 'dl', xtap: { median: 3, min: 2, max: 4 }, vsRaw: [0.5, 0.25, 1] });
    expect(json.targets.map((t) => t.measured)).toEqual([0.5, 6, null]);
  });
});

describe('side-by-side options and a missing DaCHS', () => {
  it('parses options, keeps ≥ 3 repetitions and rejects unknown ones', () => {
    expect(parseSideArgs(['side-by-side', '--rows', '2e5', '--reps', '1', '--no-dachs', '--clients', '1,8'])).toMatchObject({ rows: 200_000, reps: 3, dachs: false, clients: [1, 8], asyncRows: 100_000 });
    expect(parseSideArgs(['--smoke'])).toMatchObject({ smoke: true, rows: 2000, asyncRows: 1000, ml: false });
    expect(() => parseSideArgs(['--rows', 'many'])).toThrow(/--rows/);
    expect(() => parseSideArgs(['--fast'])).toThrow(/unknown option --fast/);
    // --only rss: the RSS check alone, 10M rows unless told, written next to the single benches, not bench/RESULTS.md
    expect(parseSideArgs(['--only', 'rss', '--db', 'rss_x', '--rss-semi', '2,4'])).toMatchObject({ only: 'rss', rssRows: 10_000_000, dachs: false, out: 'bench/results', db: 'rss_x', rssSemis: [2, 4] });
    expect(parseSideArgs(['--only', 'rss', '--rss-rows', '2e6', '--out', 'x'])).toMatchObject({ rssRows: 2_000_000, out: 'x' });
    expect(parseSideArgs([])).toMatchObject({ db: 'xtap_bench_side', out: 'bench' });
    expect(() => parseSideArgs(['--only', 'cones'])).toThrow(/--only takes rss/);
    expect(() => parseSideArgs(['--db', 'x; DROP'])).toThrow(/--db/);
  });

  it('reports why DaCHS is skipped when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const probe = await probeDachs({ base: `http://127.0.0.1:${port}/tap`, pidFile: '/nonexistent', databaseUrl: 'postgres://x@127.0.0.1/gavo' });
    expect(probe.ok).toBe(false);
    if (!probe.ok) expect(probe.reason).toMatch(/not reachable at http:\/\/127\.0\.0\.1:\d+\/tap .*setup\.sh/);
  });
});
