/** Sync errors are errors (issue 9, point 5): a query that fails in the database before its first row is
 *  answered with the DALI error document and its HTTP status, in every output format and on both read paths
 *  (cursor, binary COPY); a failure after rows were sent keeps HTTP 200 and the trailing QUERY_STATUS=ERROR. */
import { spawn, spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../db/index.js';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { parseVotable } from '../votable/decoder.js';
import { encodeVotable } from '../votable/votable-encoder.js';
import { openTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

const FORMATS = ['csv', 'tsv', 'votable/td', 'votable/b2'];

/** Fail in the database at their first row (none can be rejected by the translator alone). */
const FAILING_AT_FIRST_ROW: Array<[string, string, RegExp]> = [
  ['division by zero', 'SELECT TOP 5 name, 1 / (ra - ra) AS x FROM csc2.master_source', /division by zero/],
  ['a bad CAST', 'SELECT TOP 5 CAST(name AS INTEGER) AS n FROM csc2.master_source', /invalid input syntax for type integer/],
  ['a bad CAST in the WHERE clause', "SELECT name FROM csc2.master_source WHERE CAST(name AS INTEGER) > 3", /invalid input syntax for type integer/],
];

/** An upload of n rows, one long text each, so the result spans many cursor batches and COPY chunks. */
async function bigUpload(n: number): Promise<Buffer> {
  const fields: EncoderColumn[] = [
    { name: 'id', datatype: 'int', description: 'row number' },
    { name: 'filler', datatype: 'char', arraysize: '*', description: 'filler' },
  ];
  const rows: Row[] = Array.from({ length: n }, (_, i) => [i + 1, 'x'.repeat(60)]);
  const parts: Uint8Array[] = [];
  for await (const p of encodeVotable({}, fields, [rows], { serialization: 'TABLEDATA' })) parts.push(p);
  return Buffer.concat(parts);
}

const hasPyvo = spawnSync('/usr/bin/python3', ['-c', 'import pyvo'], { timeout: 60_000 }).status === 0;
if (!hasPyvo && process.env.XTAP_REQUIRE_TOOLS === '1') throw new Error('pyvo is required (XTAP_REQUIRE_TOOLS=1): apt-get install python3-pyvo');

/** For each query: 'raised' when pyvo raises DALQueryError, else what it got. */
const PYVO_RAISES = `
import sys, pyvo
service = pyvo.dal.TAPService(sys.argv[1])
for q in sys.argv[2:]:
    for fmt in (None, "votable/td"):
        try:
            t = service.search(q) if fmt is None else service.run_sync(q, responseformat=fmt)
            print("no error:", len(t))
            break
        except pyvo.dal.DALQueryError:
            pass
    else:
        print("raised")
`;

function runPython(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/python3', ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

for (const backend of testDatabases()) {
  describe(`sync errors on ${backend.name}`, () => {
    let t: TestApp;
    let upload: Buffer;
    beforeAll(async () => {
      t = await openTestApp(backend);
      upload = await bigUpload(20_000);
    });
    afterAll(async () => t?.close());

    for (const [what, query, message] of FAILING_AT_FIRST_ROW) {
      it.each(FORMATS)(`${what} → HTTP 400 with the DALI error document (RESPONSEFORMAT=%s)`, async (fmt) => {
        const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: fmt });
        expect(r.status).toBe(400);
        expect(r.headers['content-type']).toMatch(/^application\/x-votable\+xml/);
        expect(r.text).toMatch(new RegExp(`<INFO name="QUERY_STATUS" value="ERROR">[^<]*${message.source}`));
        expect(r.text.match(/QUERY_STATUS/g)).toHaveLength(1);
      });
    }

    it('strings passed to dbo.cone_distance → HTTP 400, not an empty table', async () => {
      const r = await request(t.app.callback())
        .get('/tap/sync')
        .query({ LANG: 'ADQL', QUERY: "SELECT TOP 3 name FROM csc2.master_source WHERE dbo.cone_distance('a', 'b', ra, dec) < 1" });
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">/);
    });

    it.skipIf(!hasPyvo)('pyvo raises DALQueryError for each of them against a listening server', async () => {
      const server: Server = await new Promise((resolve) => {
        const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tap`;
        const queries = [...FAILING_AT_FIRST_ROW.map((f) => f[1]), "SELECT TOP 3 name FROM csc2.master_source WHERE dbo.cone_distance('a', 'b', ra, dec) < 1"];
        const out = await runPython(PYVO_RAISES, [url, ...queries]);
        expect(out.trim().split('\n')).toEqual(queries.map(() => 'raised'));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a query with no rows at all is still HTTP 200 with an empty table', async () => {
      const r = await request(t.app.callback())
        .get('/tap/sync')
        .query({ LANG: 'ADQL', QUERY: "SELECT name FROM csc2.master_source WHERE name = 'nothing'", RESPONSEFORMAT: 'votable/b2' });
      expect(r.status).toBe(200);
      expect(r.text).toContain('<INFO name="QUERY_STATUS" value="OK"/>');
      expect(parseVotable(r.text)[0]?.rows).toEqual([]);
    });

    it.each(['votable/td', 'votable/b2'])('a failure after the first rows keeps HTTP 200 and the trailing ERROR (%s)', async (fmt) => {
      const r = await request(t.app.callback())
        .post('/tap/sync')
        .field('LANG', 'ADQL')
        .field('QUERY', 'SELECT id, filler, 1 / (id - 19000) AS x FROM TAP_UPLOAD.big')
        .field('RESPONSEFORMAT', fmt)
        .field('UPLOAD', 'big,param:big')
        .attach('big', upload, 'big.vot');
      expect([r.status, r.status === 200 ? '' : r.text]).toEqual([200, '']);
      expect(r.text).toContain('<INFO name="QUERY_STATUS" value="OK"/>');
      expect(r.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">[^<]*division by zero/);
      const rows = parseVotable(r.text)[0]?.rows.length ?? 0;
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(19_000);
    });

    it.each(['csv', 'tsv'])('a failure after the first rows sends the rows before it, then aborts the transfer (%s; docs/errors.md)', async (fmt) => {
      const server: Server = await new Promise((resolve) => {
        const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        const form = new FormData();
        form.set('LANG', 'ADQL');
        form.set('QUERY', 'SELECT id, filler, 1 / (id - 19000) AS x FROM TAP_UPLOAD.big');
        form.set('RESPONSEFORMAT', fmt);
        form.set('UPLOAD', 'big,param:big');
        form.set('big', new Blob([upload]), 'big.vot');
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tap/sync`, { method: 'POST', body: form });
        expect(res.status).toBe(200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let got = 0;
        const read = async (): Promise<void> => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            got += value.length;
          }
        };
        await expect(read()).rejects.toThrow();
        expect(got).toBeGreaterThan(0);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  });
}
