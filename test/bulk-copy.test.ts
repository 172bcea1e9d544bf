/** The bulk download path (binary COPY → BINARY2 and TABLEDATA, COPY csv → CSV/TSV) on a real PostgreSQL: the same document as the cursor path and
 *  the small-result path for every supported type (through an upload table and ADQL expressions), inline literals
 *  that stay values, valid for votlint and astropy, and a client that disconnects midway cancels the COPY or the
 *  cursor (checked in pg_stat_activity). Runs on the test
 *  PostgreSQL (embedded, or DATABASE_URL's). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { Db, Row } from '../db/index.js';
import { createApp } from '../server/app.js';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { parseVotable } from '../votable/decoder.js';
import { encodeVotable } from '../votable/votable-encoder.js';
import { openTestApp, type TestApp } from './helpers/app.js';
import { testDatabases, testServerUrl } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const pgBackend = testDatabases().find((d) => d.name === 'pg');

const c = (name: string, datatype: EncoderColumn['datatype'], extra: Partial<EncoderColumn> = {}): EncoderColumn => ({ name, datatype, description: name, ...extra });

/** An upload table with one column per type the transcoder handles. */
const UPLOAD_COLUMNS: EncoderColumn[] = [
  c('id', 'int'),
  c('flag', 'boolean'),
  c('s', 'short'),
  c('ub', 'unsignedByte'),
  c('big', 'long'),
  c('f', 'float'),
  c('ra', 'double', { unit: 'deg', ucd: 'pos.eq.ra' }),
  c('dec', 'double', { unit: 'deg', ucd: 'pos.eq.dec' }),
  c('name', 'char', { arraysize: '*' }),
  c('c8', 'char', { arraysize: '8' }),
  c('uname', 'unicodeChar', { arraysize: '*' }),
  c('t', 'char', { arraysize: '*', xtype: 'timestamp' }),
  c('dv', 'double', { arraysize: '*' }),
  c('f3', 'float', { arraysize: '3' }),
  c('iv', 'int', { arraysize: '*' }),
  c('lv', 'long', { arraysize: '2*' }),
  c('sv', 'short', { arraysize: '*' }),
  c('bv', 'boolean', { arraysize: '*' }),
  c('poly', 'double', { arraysize: '*', xtype: 'polygon', unit: 'deg' }),
];

const UPLOAD_ROWS: Row[] = [
  [1, true, 7, 200, 9007199254740993n, 1.5, 10.5, -20.25, '2CXO J000000.0+000000', 'abcdefgh', 'é😀日本', '2020-01-01T12:34:56.789', [1.5, NaN, Infinity, -Infinity, null], [1, 2, 3], [1, null, 3], [1n, -2n], [1, -1], [true, false, null], [10, 20, 11, 20, 11, 21]],
  [2, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [3, false, -32768, 0, -9223372036854775807n, NaN, Infinity, -Infinity, '', '', '', '1999-12-31T23:59:59', [], [NaN, -0, 3], [], [], [], [], []],
  [4, true, 32767, 255, 0n, -0, NaN, 0, "it's <&> \\ $1 '; DROP TABLE x; --", 'ééééé', 'ǅ\u00a0\u2028', '2000-02-29T00:00:00.000001', [-0], [Infinity, 1, 2], [2147483647], [9223372036854775807n], [32767], [true], [0, 0, 1, 0, 1, 1]],
];

async function votable(fields: EncoderColumn[], rows: Row[]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of encodeVotable({}, fields, [rows], { serialization: 'TABLEDATA' })) parts.push(p);
  return Buffer.concat(parts);
}

/** request_date differs by the second between two requests; everything else must match byte for byte. */
const normalize = (doc: string): string => doc.replace(/<INFO name="request_date" value="[^"]*"\/>/, '<INFO name="request_date"/>');

describe.skipIf(!pgBackend)('bulk COPY path on PostgreSQL', () => {
  let t: TestApp;
  let cursorApp: Koa;
  let smallApp: Koa;
  let copies = 0;
  const dir = mkdtempSync(join(tmpdir(), 'xtap-bulk-'));
  let upload: Buffer;

  beforeAll(async () => {
    if (!pgBackend) return;
    // Small results (TOP/MAXREC ≤ XTAP_SMALL_RESULT_ROWS) skip COPY; off here so every query below takes it.
    t = await openTestApp(pgBackend, { XTAP_SMALL_RESULT_ROWS: '0' });
    const db: Db = t.db;
    const copyOut = db.copyOut.bind(db);
    // Count bulk reads without changing them: the document comparisons below must know which path ran.
    db.copyOut = (sql, opts) => {
      copies++;
      return copyOut(sql, opts);
    };
    const config = loadConfig({ XTAP_RESULTS_DIR: dir, XTAP_BASE_URL: 'http://xtap.test', XTAP_BULK_COPY: '0', XTAP_SMALL_RESULT_ROWS: '0' });
    cursorApp = createApp({ db, config, log: testLogger().log, startedAt: new Date('2026-01-01T00:00:00Z') });
    const smallConfig = loadConfig({ XTAP_RESULTS_DIR: dir, XTAP_BASE_URL: 'http://xtap.test' });
    smallApp = createApp({ db, config: smallConfig, log: testLogger().log, startedAt: new Date('2026-01-01T00:00:00Z') });
    upload = await votable(UPLOAD_COLUMNS, UPLOAD_ROWS);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  async function sync(app: Koa, query: string, extra: Record<string, string> = {}, withUpload = false): Promise<string> {
    let req = request(app.callback()).post('/tap/sync').field('LANG', 'ADQL').field('QUERY', query);
    for (const [k, v] of Object.entries(extra)) req = req.field(k, v);
    if (withUpload) req = req.field('UPLOAD', 't,param:t').attach('t', upload, 't.vot');
    const r = await req.buffer(true).parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => cb(null, Buffer.concat(parts).toString('utf8')));
    });
    expect(r.status, r.body as string).toBe(200);
    return r.body as string;
  }

  /** Runs a query on both paths, checks that the bulk one took COPY, and returns the (identical) document. */
  async function both(query: string, extra: Record<string, string> = {}, withUpload = false): Promise<string> {
    const before = copies;
    const bulk = await sync(t.app, query, extra, withUpload);
    expect(copies, 'the bulk path ran COPY').toBe(before + 1);
    const cursor = await sync(cursorApp, query, extra, withUpload);
    expect(copies, 'the cursor app did not').toBe(before + 1);
    expect(normalize(bulk)).toBe(normalize(cursor));
    return bulk;
  }

  it('writes the same document as the cursor path for every supported type', async () => {
    const doc = await both(
      `SELECT *, POINT(ra, dec) AS p, CIRCLE(ra, dec, 0.5) AS circ, ra * 2 AS ra2, CAST(id AS BIGINT) AS idl, name || '→x' AS nx,
         'it''s \\ $1 ''; DROP TABLE csc2.master_source; --' AS lit
       FROM TAP_UPLOAD.t ORDER BY id`,
      {},
      true,
    );
    const table = parseVotable(doc)[0];
    expect(table?.serialization).toBe('BINARY2');
    expect(table?.rows.length).toBe(4);
    const row = table?.rows[3] as Row;
    expect(row[8]).toBe("it's <&> \\ $1 '; DROP TABLE x; --");
    expect(row[row.length - 1]).toBe("it's \\ $1 '; DROP TABLE csc2.master_source; --");
    expect(table?.rows[0]?.[11]).toBe('2020-01-01T12:34:56.789');
    expect(table?.rows[0]?.[10]).toBe('é😀日本');

    // Valid for the VO's tools, on both paths' (identical) bytes. astropy reads char as ASCII, so it gets the
    // columns without UTF-8 chars; votlint gets them without geometry, since STILTS rejects infinite/NaN
    // geometry values and misreads a BINARY2 variable array with xtype="polygon" followed by another
    // variable-length column.
    const file = join(dir, 'bulk.vot');
    const forAstropy = await both('SELECT id, flag, s, ub, big, f, ra, dec, name, uname, t, dv, f3, iv, lv, sv, bv, poly, POINT(ra, dec) AS p FROM TAP_UPLOAD.t ORDER BY id', {}, true);
    writeFileSync(file, forAstropy);
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sys; from astropy.io.votable import parse; t = parse(sys.argv[1]).get_first_table().to_table(); print(len(t), len(t.colnames), t["name"][3], t["big"][0])', file], { encoding: 'utf8', timeout: 120_000 });
    if (py.error === undefined && !/No module named/.test(py.stderr)) expect(py.stdout.trim()).toBe("4 19 it's <&> \\ $1 '; DROP TABLE x; -- 9007199254740993");
    const forVotlint = await both("SELECT id, flag, s, ub, big, f, ra, dec, name, c8, uname, t, dv, f3, iv, lv, sv, bv, name || '→x' AS nx FROM TAP_UPLOAD.t ORDER BY id", {}, true);
    writeFileSync(file, forVotlint);
    const lint = spawnSync('stilts', ['votlint', `votable=${file}`], { encoding: 'utf8', timeout: 120_000 });
    if (lint.error === undefined) expect(lint.stdout + lint.stderr).toBe('');
  });

  it('casts each column to the type its FIELD implies (aggregates, char(n) padding): still the same document', async () => {
    // AVG of an integer is numeric in PostgreSQL and double in ADQL; CAST AS CHAR(n) is bpchar with padding.
    await both('SELECT COUNT(*) AS n, AVG(id) AS a, SUM(s) AS ss, MAX(f) AS mf, MIN(name) AS mn FROM TAP_UPLOAD.t', {}, true);
    const padded = await both('SELECT id, CAST(name AS CHAR(30)) AS c30, CAST(id AS CHAR(3)) AS i3, name AS n, name AS n2 FROM TAP_UPLOAD.t ORDER BY id', {}, true);
    expect(parseVotable(padded)[0]?.rows.length).toBe(4);
  });

  it('writes the same document for the catalogue, with MAXREC overflow and with filters on literals', async () => {
    await both('SELECT TOP 100 * FROM csc2.master_source ORDER BY name');
    const over = await both('SELECT name, ra, dec, var_flag, acis_num FROM csc2.master_source ORDER BY name', { MAXREC: '3' });
    expect(over).toContain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
    expect(parseVotable(over)[0]?.rows.length).toBe(3);
    const lit = await both("SELECT name FROM csc2.master_source WHERE name LIKE '2CXO J%' AND name <> 'x''; DROP TABLE csc2.master_source; --' ORDER BY name", { MAXREC: '5' });
    expect(parseVotable(lit)[0]?.rows.length).toBeGreaterThan(0);
  });

  it('small results (fetched whole in one round trip) give the same document as the COPY path, OVERFLOW included', async () => {
    for (const [query, extra] of [
      ['SELECT TOP 100 * FROM csc2.master_source ORDER BY name', {}],
      ['SELECT name, ra, dec, var_flag, acis_num FROM csc2.master_source ORDER BY name', { MAXREC: '3' }],
      ["SELECT name FROM csc2.master_source WHERE name <> 'x''; DROP TABLE csc2.master_source; --' ORDER BY name", { MAXREC: '5' }],
    ] as Array<[string, Record<string, string>]>) {
      const bulk = await both(query, extra);
      const before = copies;
      const small = await sync(smallApp, query, extra);
      expect(copies, 'the small path ran no COPY').toBe(before);
      expect(normalize(small)).toBe(normalize(bulk));
    }
    const r = await request(smallApp.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 3 name, 1 / 0 AS x FROM csc2.master_source' });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">[^<]*division by zero/);
  });

  it('TABLEDATA from binary COPY is byte-identical to the cursor path: every type, edge values, MAXREC; votlint-valid', async () => {
    const all = await both('SELECT * FROM TAP_UPLOAD.t ORDER BY id', { RESPONSEFORMAT: 'votable/td' }, true);
    expect(parseVotable(all)[0]?.serialization).toBe('TABLEDATA');
    expect(parseVotable(all)[0]?.rows.length).toBe(4);
    const edge = await both(
      `SELECT id, ra * 1e14 AS a, ra * 1e20 AS b, ra * 1e-6 AS c, dec * 1e-9 AS d, CAST(ra * 1e16 AS REAL) AS e, CAST(0.1 AS REAL) AS r, ra * -0.0 AS z,
         CAST(id AS BIGINT) * -1152921504606846975 AS big, 'a<b>&c' || name AS q, 'line1\nline2\ttab\\' AS nl, '' AS empty, flag, t
       FROM TAP_UPLOAD.t ORDER BY id`,
      { RESPONSEFORMAT: 'votable/td' },
      true,
    );
    expect(edge).toContain('<TD>0.1</TD>');
    await both('SELECT TOP 100 * FROM csc2.master_source ORDER BY name', { RESPONSEFORMAT: 'votable/td' });
    const over = await both('SELECT name, ra, dec, var_flag, acis_num FROM csc2.master_source ORDER BY name', { MAXREC: '3', RESPONSEFORMAT: 'votable/td' });
    expect(over).toContain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
    const file = join(dir, 'td.vot');
    writeFileSync(file, await both("SELECT id, flag, s, ub, big, f, ra, dec, name, c8, uname, t, dv, f3, iv, lv, sv, bv, name || '→x' AS nx FROM TAP_UPLOAD.t ORDER BY id", { RESPONSEFORMAT: 'votable/td' }, true));
    const lint = spawnSync('stilts', ['votlint', `votable=${file}`], { encoding: 'utf8', timeout: 120_000 });
    if (lint.error === undefined) expect(lint.stdout + lint.stderr).toBe('');
  });

  it('CSV and TSV from COPY csv are byte-identical to the cursor path: every type, edge values, MAXREC', async () => {
    for (const fmt of ['csv', 'tsv']) {
      const all = await both('SELECT * FROM TAP_UPLOAD.t ORDER BY id', { RESPONSEFORMAT: fmt }, true);
      expect(all.split(fmt === 'csv' ? '\r\n' : '\n').length).toBeGreaterThan(4);
      // Exponents where PostgreSQL and JavaScript differ (1e15…1e21, 1e-5…1e-7), -0, text that needs quoting.
      const edge = await both(
        `SELECT id, ra * 1e14 AS a, ra * 1e20 AS b, ra * 1e-6 AS c, dec * 1e-9 AS d, CAST(ra * 1e16 AS REAL) AS e, ra * -0.0 AS z,
           'a,b "q" ' || name AS q, 'line1\nline2\ttab\\' AS nl, '' AS empty, flag
         FROM TAP_UPLOAD.t ORDER BY id`,
        { RESPONSEFORMAT: fmt },
        true,
      );
      expect(edge).toContain(fmt === 'csv' ? '"line1\nline2\ttab\\"' : 'line1\\nline2\\ttab\\\\');
      await both('SELECT TOP 100 * FROM csc2.master_source ORDER BY name', { RESPONSEFORMAT: fmt });
      const over = await both('SELECT name, ra, dec, var_flag, acis_num FROM csc2.master_source ORDER BY name', { MAXREC: '3', RESPONSEFORMAT: fmt });
      expect(over.trimEnd().split(/\r?\n/).length).toBe(4);
    }
  });

  it('exponent-form doubles of every magnitude (16–17 digits, integer-valued ≥ 2^53, e±300) are byte-identical in CSV, TSV and TABLEDATA', async () => {
    const query = `SELECT name, ra * 1e16 AS a16, ra * 1e17 + dec AS a17, FLOOR(ra * 1e6) * 1e15 AS i21, dec * 1e21 AS e21, ra * 1e-5 AS m5,
        dec * 1e-7 AS m7, ra * 1e-300 AS m300, dec * 1e250 AS p250, CAST(ra * 1e-8 AS REAL) AS r8, CAST(dec * 1e20 AS REAL) AS r20, ra / 3e14 AS q
      FROM csc2.master_source ORDER BY name`;
    for (const fmt of ['csv', 'tsv', 'votable/td']) {
      const doc = await both(query, { RESPONSEFORMAT: fmt, MAXREC: '2000' });
      expect(doc.match(/e[+-]\d/g)?.length ?? 0).toBeGreaterThan(100);
    }
  });

  it('answers a failure before the first row with HTTP 400 and the error document, as the cursor path does', async () => {
    // A failure after the first rows (trailing ERROR) is tested on both paths in sync-errors.test.ts.
    for (const app of [t.app, cursorApp]) {
      const r = await request(app.callback())
        .post('/tap/sync')
        .field('LANG', 'ADQL')
        .field('QUERY', 'SELECT id, 1 / (id - 3) AS x FROM TAP_UPLOAD.t ORDER BY id')
        .field('UPLOAD', 't,param:t')
        .attach('t', upload, 't.vot');
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">[^<]*division by zero/);
    }
  });

  it('falls back to the cursor for types it does not transcode (bit)', async () => {
    const before = copies;
    const bits = await votable([c('id', 'int'), c('b', 'bit')], [[1, true], [2, false]]);
    const saved = upload;
    upload = bits;
    try {
      const doc = await sync(t.app, 'SELECT id, b FROM TAP_UPLOAD.t ORDER BY id', {}, true);
      expect(parseVotable(doc)[0]?.rows.length).toBe(2);
      expect(copies, 'the FIELD types said no, so no COPY ran').toBe(before);
      expect(normalize(doc)).toBe(normalize(await sync(cursorApp, 'SELECT id, b FROM TAP_UPLOAD.t ORDER BY id', {}, true)));
    } finally {
      upload = saved;
    }
  });

  it.each([
    ['votable/b2', 'the COPY'],
    ['votable/td', 'the COPY (TABLEDATA)'],
    ['votable/b', 'the cursor'],
  ])('cancels the query when the client disconnects after the first bytes (%s: %s)', async (fmt) => {
    const server: Server = await new Promise((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const pg = (await import('pg')).default;
    const dbName = (await t.db.query('SELECT current_database()')).rows[0]?.[0] as string;
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      const { port } = server.address() as AddressInfo;
      const abort = new AbortController();
      const body = new URLSearchParams({
        LANG: 'ADQL',
        MAXREC: '100000000',
        RESPONSEFORMAT: fmt,
        // A large cross join: minutes of output if nobody stops it.
        QUERY: 'SELECT a.name, b.name AS bn, c.ra FROM csc2.master_source AS a CROSS JOIN csc2.master_source AS b CROSS JOIN csc2.master_source AS c',
      });
      const res = await fetch(`http://127.0.0.1:${port}/tap/sync`, { method: 'POST', body, signal: abort.signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let got = 0;
      while (got < 200_000) {
        const { value, done } = await reader.read();
        if (done) break;
        got += value.length;
      }
      expect(got).toBeGreaterThanOrEqual(200_000);
      const running = async () =>
        ((await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%CROSS JOIN%' AND query NOT LIKE '%pg_stat_activity%' AND state <> 'idle'", [dbName])).rows[0]?.n ?? -1);
      expect(await running()).toBeGreaterThan(0);
      abort.abort();
      const deadline = Date.now() + 5000;
      let n = await running();
      while (n > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        n = await running();
      }
      expect(n).toBe(0);
    } finally {
      await admin.end();
      await new Promise((r) => server.close(r));
    }
  });
});
