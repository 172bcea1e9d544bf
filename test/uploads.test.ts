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
  let otherPort: number;
  beforeAll(async () => {
    const td = await votable('TABLEDATA');
    const redirect = (res: import('node:http').ServerResponse, to: string) => {
      res.statusCode = 302;
      res.setHeader('location', to);
      res.end();
    };
    files = createServer((req, res) => {
      if (req.url === '/mine.vot') res.end(td);
      else if (req.url === '/big.vot') res.end(Buffer.alloc(300_000, 32));
      else if (req.url === '/hop.vot') redirect(res, '/mine.vot');
      else if (req.url === '/to-loopback.vot') redirect(res, `http://127.0.0.1:${otherPort}/mine.vot`);
      else if (req.url === '/to-localhost.vot') redirect(res, `http://localhost:${otherPort}/mine.vot`);
      else if (req.url === '/to-link-local.vot') redirect(res, 'http://169.254.169.254/latest/meta-data/');
      else if (req.url === '/to-mapped.vot') redirect(res, `http://[::ffff:127.0.0.1]:${otherPort}/mine.vot`);
      else if (req.url === '/to-file.vot') redirect(res, 'file:///etc/passwd');
      else if (req.url === '/loop.vot') redirect(res, '/loop.vot');
      else if (req.url === '/slow.vot') res.write('<?xml version="1.0"?>'); // and never ends
      else {
        res.statusCode = 404;
        res.end();
      }
    }).listen(0, '127.0.0.1');
    await new Promise((r) => files.once('listening', r));
    const port = (files.address() as AddressInfo).port;
    filesUrl = `http://127.0.0.1:${port}`;
    otherPort = port + 1 === 65536 ? port - 1 : port + 1;
    // Only this one test server is allowed; redirects elsewhere on this machine must be refused.
    t = await openTestApp(backend, { XTAP_UPLOAD_ALLOW_HOSTS: `127.0.0.1:${port}`, XTAP_UPLOAD_MAX_BYTES: '200000' });
  });
  afterAll(async () => {
    files.closeAllConnections();
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

  it('follows a redirect within the allowed host', async () => {
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: XMATCH, RESPONSEFORMAT: 'votable/td', UPLOAD: `mine,${filesUrl}/hop.vot` });
    expect(r.status).toBe(200);
    expect(rowsOf(r.text)).toHaveLength(1);
  });

  it.each([
    ['/to-loopback.vot', 'a loopback address'],
    ['/to-localhost.vot', 'a loopback address'],
    ['/to-link-local.vot', 'resolves to 169.254.169.254, a linkLocal address'],
    ['/to-mapped.vot', 'a loopback address'],
    ['/to-file.vot', 'only http and https are fetched'],
    ['/loop.vot', 'redirects more than 3 times'],
  ])('refuses an upload URL redirecting via %s', async (path, message) => {
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT * FROM TAP_UPLOAD.mine', UPLOAD: `mine,${filesUrl}${path}` });
    expect(r.status).toBe(400);
    expect(r.text).toContain(message);
  });

  it('refuses loopback, private and unspecified addresses by default (no allow-list), however written', async () => {
    const strict = await openTestApp(backend);
    try {
      const port = new URL(filesUrl).port;
      const urls = ['http://127.0.0.1:PORT/mine.vot', 'http://localhost:PORT/mine.vot', 'http://[::1]:PORT/mine.vot', 'http://[::ffff:7f00:1]:PORT/mine.vot', 'http://10.0.0.1/x.vot', 'http://0.0.0.0:PORT/x.vot', 'http://2130706433:PORT/x.vot', 'http://0x7f.1:PORT/x.vot'];
      for (const url of urls) {
        const r = await request(strict.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT * FROM TAP_UPLOAD.mine', UPLOAD: `mine,${url.replace('PORT', port)}` });
        expect(r.status, url).toBe(400);
        expect(r.text, url).toMatch(/this service fetches uploads only from public internet addresses/);
      }
    } finally {
      await strict.close();
    }
  });

  it('refuses an upload with more FIELDs than the column limit before parsing it', async () => {
    const fields = Array.from({ length: 1001 }, (_, i) => `<FIELD name="c${i}" datatype="int"/>`).join('');
    const doc = `<?xml version="1.0"?><VOTABLE version="1.4"><RESOURCE><TABLE>${fields}<DATA><TABLEDATA/></DATA></TABLE></RESOURCE></VOTABLE>`;
    const r = await request(t.app.callback())
      .post('/tap/sync')
      .field('LANG', 'ADQL')
      .field('QUERY', 'SELECT * FROM TAP_UPLOAD.mine')
      .field('UPLOAD', 'mine,param:mine')
      .attach('mine', Buffer.from(doc), 'mine.vot');
    expect(r.status).toBe(413);
    expect(r.text).toContain('UPLOAD mine has more than 1000 FIELDs; the column limit is 1000');
  });

  it('gives up on an upload URL that does not finish within the upload time limit', async () => {
    const port = new URL(filesUrl).port;
    const quick = await openTestApp(backend, { XTAP_UPLOAD_ALLOW_HOSTS: `127.0.0.1:${port}`, XTAP_UPLOAD_TIMEOUT_S: '1' });
    try {
      const r = await request(quick.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT * FROM TAP_UPLOAD.mine', UPLOAD: `mine,${filesUrl}/slow.vot` });
      expect(r.status).toBe(400);
      expect(r.text).toContain('did not answer within the upload time limit of 1 s');
    } finally {
      await quick.close();
    }
  });

  it('refuses a NUL byte in an uploaded text value, naming row and column', async () => {
    const doc = '<?xml version="1.0"?><VOTABLE version="1.4"><RESOURCE><TABLE><FIELD name="label" datatype="char" arraysize="*"/><DATA><TABLEDATA><TR><TD>ok</TD></TR><TR><TD>a&#0;b</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>';
    const r = await request(t.app.callback())
      .post('/tap/sync')
      .field('LANG', 'ADQL')
      .field('QUERY', 'SELECT * FROM TAP_UPLOAD.mine')
      .field('UPLOAD', 'mine,param:mine')
      .attach('mine', Buffer.from(doc), 'mine.vot');
    expect(r.status).toBe(400);
    expect(r.text).toContain('UPLOAD mine row 2, column "label": the value contains a NUL byte (U+0000)');
  });

  it('refuses more uploaded tables than the limit', async () => {
    const upload = Array.from({ length: 11 }, (_, i) => `t${i},param:x`).join(';');
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT * FROM TAP_UPLOAD.t0', UPLOAD: upload });
    expect(r.status).toBe(413);
    expect(r.text).toContain('UPLOAD names 11 tables; the limit is 10 tables per request');
  });

  it('refuses a body over the total request limit even when every part is under the upload limit', async () => {
    const small = await openTestApp(backend, { XTAP_UPLOAD_MAX_BYTES: '100000', XTAP_REQUEST_MAX_BYTES: '250000' });
    try {
      let req = request(small.app.callback()).post('/tap/sync').field('LANG', 'ADQL').field('QUERY', 'SELECT * FROM TAP_UPLOAD.mine');
      for (let i = 0; i < 4; i++) req = req.attach(`f${i}`, Buffer.alloc(90_000, 32), `f${i}.vot`);
      const r = await req;
      expect(r.status).toBe(413);
      expect(r.text).toMatch(/the request body is \d+ bytes; the limit is 250000 bytes/);
    } finally {
      await small.close();
    }
  });

  it('refuses more multipart parts than the limit', async () => {
    const small = await openTestApp(backend, { XTAP_REQUEST_MAX_PARTS: '5' });
    try {
      let req = request(small.app.callback()).post('/tap/sync').field('LANG', 'ADQL').field('QUERY', 'SELECT 1 AS x FROM csc2.master_source');
      for (let i = 0; i < 6; i++) req = req.field(`X${i}`, 'y');
      const r = await req;
      expect(r.status).toBe(413);
      expect(r.text).toContain('the request has more than 5 parts; the limit is 5 parts');
    } finally {
      await small.close();
    }
  });
});
