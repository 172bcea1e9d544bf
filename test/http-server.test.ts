/** The HTTP listener (server/http-server.ts) on a real socket: request heads up to XTAP_REQUEST_MAX_HEADER_BYTES
 *  are served (Node's own limit is 16 KB), a bigger one gets 431 and a malformed request 400, each with a DALI
 *  error document (Node alone answers a bare status line). */
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../server/http-server.js';
import { parseVotableDocument } from '../votable/decoder.js';
import { openTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

/** Sends `raw` on a new socket and returns everything the server wrote until it closed. */
function exchange(port: number, raw: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(parts).toString('utf8');
      const head = all.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(all)?.[1]), headers: all.slice(0, head), body: all.slice(head + 4) });
    });
    s.write(raw);
  });
}

describe.each(testDatabases())('HTTP listener limits ($name)', (backend) => {
  let t: TestApp;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await openTestApp(backend, { XTAP_REQUEST_MAX_HEADER_BYTES: String(48 * 1024) });
    server = createHttpServer(t.app, { maxHeaderBytes: t.config.requestMaxHeaderBytes });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('serves a GET whose query string is over 16 KB (Node default) but within the limit', async () => {
    const query = `SELECT TOP 1 name FROM csc2.master_source WHERE name <> '${'x'.repeat(20_000)}'`;
    const target = `/tap/sync?${new URLSearchParams({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: 'csv' })}`;
    const r = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/name\r?\n2CXO J/);
  });

  it('answers a head over the limit with 431 and a DALI error naming the limit', async () => {
    const r = await exchange(port, `GET /tap/availability HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${'y'.repeat(60 * 1024)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(r.headers).toMatch(/Content-Type: application\/x-votable\+xml/);
    const doc = parseVotableDocument(r.body);
    expect(doc.resources[0]?.infos.find((i) => i.name === 'QUERY_STATUS')).toMatchObject({ value: 'ERROR' });
    expect(r.body).toMatch(/larger than this service accepts \(49152 bytes, XTAP_REQUEST_MAX_HEADER_BYTES\)/);
  });

  it('answers a malformed request with 400 and a DALI error', async () => {
    const r = await exchange(port, 'GET /tap/availability HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">malformed HTTP request \(HPE_[A-Z_]+\)<\/INFO>/);
  });
});
