import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVotable, parseVotableDocument } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

const SOURCE = '2CXO J110507.4-585105';
const CORE = 'http://www.ivoa.net/rdf/datalink/core';

describe.each(testDatabases())('DataLink on $name', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  async function links(query: string) {
    const r = await request(t.app.callback()).get(`/tap/links?${query}`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/x-votable+xml');
    expect(r.headers['content-type']).toContain('content=datalink');
    const [table] = parseVotable(r.text);
    if (!table) throw new Error('no table');
    const names = table.fields.map((f) => f.name);
    return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])) as Record<string, unknown>);
  }

  it('lists detections and ML products of a source, one of access_url/service_def/error_message per row', async () => {
    const rows = await links(`ID=${encodeURIComponent(SOURCE)}`);
    expect(rows.map((r) => [r.semantics, r.local_semantics])).toEqual(
      expect.arrayContaining([
        [`${CORE}#this`, null],
        [`${CORE}#progenitor`, 'stack-detections'],
        [`${CORE}#progenitor`, 'observation-detections'],
        [`${CORE}#derivation`, 'classification'],
        [`${CORE}#documentation`, 'model-card'],
      ]),
    );
    for (const r of rows) {
      expect(r.ID).toBe(SOURCE);
      expect([r.access_url, r.service_def, r.error_message].filter((v) => v !== null)).toHaveLength(1);
    }
  });

  it('each access_url is a TAP query that returns the linked rows', async () => {
    const rows = await links(`ID=${encodeURIComponent(SOURCE)}`);
    const obs = rows.find((r) => r.local_semantics === 'observation-detections');
    const url = new URL(String(obs?.access_url));
    expect(url.origin).toBe('http://xtap.test');
    const r = await request(t.app.callback()).get(`${url.pathname}${url.search}`);
    expect(r.status).toBe(200);
    const [table] = parseVotable(r.body instanceof Buffer ? r.body : Buffer.from(r.text));
    const obsid = table?.fields.findIndex((f) => f.name === 'obsid') ?? -1;
    expect(table?.rows.map((row) => row[obsid])).toEqual([8941]);
    const cls = rows.find((x) => x.local_semantics === 'classification');
    const c = new URL(String(cls?.access_url));
    const r2 = await request(t.app.callback()).get(`${c.pathname}${c.search}`);
    const [ct] = parseVotable(r2.body instanceof Buffer ? r2.body : Buffer.from(r2.text));
    expect(ct?.rows).toHaveLength(1);
  });

  it('answers an unknown ID with a NotFoundFault row and serves several IDs at once', async () => {
    const rows = await links(`ID=${encodeURIComponent('2CXO NOPE')}&ID=${encodeURIComponent(SOURCE)}`);
    const missing = rows.filter((r) => r.ID === '2CXO NOPE');
    expect(missing).toHaveLength(1);
    expect(String(missing[0]?.error_message)).toMatch(/^NotFoundFault: /);
    expect(rows.filter((r) => r.ID === SOURCE).length).toBeGreaterThanOrEqual(5);
  });

  it('rejects a request without ID with a DALI error', async () => {
    const r = await request(t.app.callback()).get('/tap/links');
    expect(r.status).toBe(400);
    expect(r.text).toContain('QUERY_STATUS" value="ERROR">ID is required');
  });

  it('query results carrying source names advertise the DataLink service', async () => {
    const r = await request(t.app.callback())
      .get('/tap/sync')
      .query({ LANG: 'ADQL', QUERY: `SELECT name, ra FROM csc2.master_source WHERE name = '${SOURCE}'`, RESPONSEFORMAT: 'votable/td' });
    const doc = parseVotableDocument(r.text);
    const meta = doc.resources.find((x) => x.type === 'meta');
    expect(meta?.utype).toBe('adhoc:service');
    expect(meta?.params.find((p) => p.name === 'accessURL')?.value).toBe('http://xtap.test/tap/links');
    expect(meta?.params.find((p) => p.name === 'standardID')?.value).toBe('ivo://ivoa.net/std/DataLink#links-1.1');
    expect(meta?.groups[0]?.params[0]?.ref).toBe('name');
  });
});
