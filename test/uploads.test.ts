import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col } from '../schema/index.js';
import { encodeVotable, parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

async function votable(serialization: 'TABLEDATA' | 'BINARY' | 'BINARY2'): Promise<Buffer> {
  const fields = [
    col('label', 'char', '', 'meta.id', 'my label'),
    col('RA (deg)', 'double', 'deg', 'pos.eq.ra', 'right ascension'),
    col('dec', 'double', 'deg', 'pos.eq.dec', 'declination'),
    col('n', 'long', '', '', 'a long'),
    col('when', 'char', '', 'time.epoch', 'a timestamp', { xtype: 'timestamp' }),
  ];
  const rows = [
    ['near', 166.281041667, -58.851519444, 9007199254740993n, '2008-10-23T21:44:43'],
    ['nowhere', 10, 10, null, null],
  ];
  const chunks: Uint8Array[] = [];
  for await (const c of encodeVotable({}, fields, [rows], { serialization })) chunks.push(c);
  return Buffer.concat(chunks);
}

const XMATCH =
  'SELECT u.label, u."RA (deg)", u.n, u."when", m.name FROM TAP_UPLOAD.mine AS u JOIN csc2.master_source AS m ' +
  'ON 1 = CONTAINS(POINT(m.ra, m.dec), CIRCLE(u."RA (deg)", u.dec, 2.0/3600))';

describe.each(testDatabases())('TAP_UPLOAD on $name', (backend) => {
  let t: TestApp;
  let files: Server;
  let filesUrl: string;
  beforeAll(async () => {
    t = await openTestApp(backend, { XTAP_UPLOAD_ALLOW_PRIVATE: '1', XTAP_UPLOAD_MAX_BYTES: '200000' });
    const td = await votable('TABLEDATA');
    files = createServer((req, res) => {
      if (req.url === '/mine.vot') res.end(td);
      else if (req.url === '/big.vot') res.end(Buffer.alloc(300_000, 32));
      else {
        res.statusCode = 404;
        res.end();
      }
    }).listen(0, '127.0.0.1');
    await new Promise((r) => files.once('listening', r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    files.close();
    await t.close();
  });

  const rowsOf = (body: Buffer | string) => {
    const [table] = parseVotable(body);
    return table?.rows ?? [];
  };

  it.each(['TABLEDATA', 'BINARY', 'BINARY2'] as const)('joins an inline %s upload with master_source, types and delimited names intact', async (ser) => {
    const r = await request(t.app.callback())
      .post('/tap/sync')
      .field('LANG', 'ADQL')
      .field('QUERY', XMATCH)
      .field('RESPONSEFORMAT', 'votable/td')
      .field('UPLOAD', 'mine,param:mine')
      .attach('mine', await votable(ser), 'mine.vot');
    expect(r.status).toBe(200);
    expect(rowsOf(r.text)).toEqual([['near', 166.281041667, 9007199254740993n, '2008-10-23T21:44:43', '2CXO J110507.4-585105']]);
    expect(r.text).toMatch(/<FIELD [^>]*name="RA \(deg\)"/);
    expect(r.text).toMatch(/<FIELD [^>]*name="when"[^>]*xtype="timestamp"/);
  });

  it('fetches an upload by http URL', async () => {
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: XMATCH, RESPONSEFORMAT: 'votable/td', UPLOAD: `mine,${filesUrl}/mine.vot` });
    expect(r.status).toBe(200);
    expect(rowsOf(r.text)).toHaveLength(1);
  });

  it('drops upload tables after the query and never lists them in TAP_SCHEMA', async () => {
    const left = await t.db.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'tap_upload'`);
    expect(left.rows[0]?.[0]).toBe(0n);
    const listed = await t.db.query(`SELECT count(*) FROM tap_schema.tables WHERE schema_name ILIKE 'tap_upload'`);
    expect(listed.rows[0]?.[0]).toBe(0n);
  });

  it.each([
    [{ UPLOAD: '1bad,param:x' }, 400, 'must be a regular ADQL identifier'],
    [{ UPLOAD: 'select,param:x' }, 400, 'not a reserved word'],
    [{ UPLOAD: 'mine' }, 400, 'must be "table_name,URI"'],
    [{ UPLOAD: 'mine,param:nothere' }, 400, 'has no multipart part named "nothere"'],
    [{ UPLOAD: 'mine,ftp://example.org/x.vot' }, 400, 'is not supported: use param:'],
    [{ UPLOAD: 'mine,URL/nope.vot' }, 400, 'answered HTTP 404'],
    [{ UPLOAD: 'mine,URL/big.vot' }, 413, 'larger than the upload limit of 200000 bytes'],
  ] as const)('rejects %j with %i', async (params, status, message) => {
    const upload = params.UPLOAD.replace('URL', filesUrl);
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT * FROM TAP_UPLOAD.mine', UPLOAD: upload });
    expect(r.status).toBe(status);
    expect(r.type).toBe('application/x-votable+xml');
    expect(r.text).toContain(message);
  });

  it('rejects an upload that is not a VOTable', async () => {
    const r = await request(t.app.callback())
      .post('/tap/sync')
      .field('LANG', 'ADQL')
      .field('QUERY', 'SELECT * FROM TAP_UPLOAD.mine')
      .field('UPLOAD', 'mine,param:mine')
      .attach('mine', Buffer.from('ra,dec\n1,2\n'), 'mine.csv');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/UPLOAD mine is not a readable VOTable: /);
  });

  it('refuses upload URLs on private networks unless allowed', async () => {
    const strict = await openTestApp(backend);
    try {
      const r = await request(strict.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT * FROM TAP_UPLOAD.mine', UPLOAD: `mine,${filesUrl}/mine.vot` });
      expect(r.status).toBe(400);
      expect(r.text).toContain('points to a private network address');
    } finally {
      await strict.close();
    }
  });
});
