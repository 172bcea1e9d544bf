/** Cross-service queries by upload (the README recipe): a result of one xtap instance is uploaded to another, by
 *  URL (TAP_UPLOAD fetched from the first service's /sync) or inline, and joined there. Two instances on two
 *  databases, both listening on real sockets. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

/** What instance A contributes: its 40 first master sources in one field, with positions. */
const A_QUERY = "SELECT TOP 40 name, ra, dec FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.28, -58.85, 0.5)) ORDER BY name";
/** What instance B runs on it: a 1″ positional cross-match against its own catalogue, with B's classification. */
const B_QUERY =
  'SELECT a.name AS a_name, m.name AS b_name, DISTANCE(POINT(a.ra, a.dec), POINT(m.ra, m.dec)) * 3600 AS sep_arcsec, c.predicted_class, c.predicted_prob ' +
  "FROM TAP_UPLOAD.a AS a JOIN csc2.master_source AS m ON 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), CIRCLE('ICRS', a.ra, a.dec, 1.0 / 3600)) " +
  'JOIN ml.source_class AS c ON c.name = m.name ORDER BY a.name';

async function listen(t: TestApp): Promise<{ server: Server; url: string }> {
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.each(testDatabases())('cross-service query by upload on $name', (backend) => {
  let a: TestApp;
  let b: TestApp;
  let aUrl: string;
  let bUrl: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    a = await openTestApp(backend);
    const la = await listen(a);
    servers.push(la.server);
    aUrl = la.url;
    // B may fetch uploads from A although A is on this machine (a public deployment needs no such setting).
    b = await openTestApp(backend, { XTAP_UPLOAD_ALLOW_HOSTS: `127.0.0.1:${new URL(aUrl).port}` });
    const lb = await listen(b);
    servers.push(lb.server);
    bUrl = lb.url;
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await a.close();
    await b.close();
  });

  /** What B's database says directly for the same sources: every name matches itself (same sample on both). */
  async function expectedRows(names: string[]): Promise<unknown[][]> {
    const r = await b.db.query(`SELECT name, predicted_class, predicted_prob FROM ml.source_class WHERE name = ANY($1) ORDER BY name`, [names]);
    return r.rows;
  }

  function check(rows: unknown[][], names: string[], expected: unknown[][]): void {
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r[0]).toBe(names[i]);
      expect(r[1]).toBe(r[0]);
      expect(r[2] as number).toBeLessThan(1e-6);
      expect([r[1], r[3], r[4]]).toEqual(expected[i]);
    });
  }

  it('joins a result of A uploaded to B by URL', async () => {
    const aSync = `${aUrl}/tap/sync?${new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: A_QUERY })}`;
    const [aTable] = parseVotable(new Uint8Array(await (await fetch(aSync)).arrayBuffer()));
    const names = (aTable?.rows ?? []).map((r) => String(r[0]));
    expect(names).toHaveLength(40);
    const res = await fetch(`${bUrl}/tap/sync`, { method: 'POST', body: new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: B_QUERY, UPLOAD: `a,${aSync}` }) });
    expect(res.status).toBe(200);
    const [table] = parseVotable(new Uint8Array(await res.arrayBuffer()));
    check(table?.rows ?? [], names, await expectedRows(names));
  });

  it('joins a result of A uploaded to B inline (multipart)', async () => {
    const aRes = await fetch(`${aUrl}/tap/sync`, { method: 'POST', body: new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: A_QUERY, RESPONSEFORMAT: 'votable' }) });
    const bytes = new Uint8Array(await aRes.arrayBuffer());
    const names = (parseVotable(bytes)[0]?.rows ?? []).map((r) => String(r[0]));
    const form = new FormData();
    form.set('REQUEST', 'doQuery');
    form.set('LANG', 'ADQL');
    form.set('QUERY', B_QUERY);
    form.set('UPLOAD', 'a,param:a');
    form.set('a', new Blob([bytes], { type: 'application/x-votable+xml' }), 'a.vot');
    const res = await fetch(`${bUrl}/tap/sync`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const [table] = parseVotable(new Uint8Array(await res.arrayBuffer()));
    check(table?.rows ?? [], names, await expectedRows(names));
  });
});
