import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases())('service basics on $name', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  it('answers VOSI availability as available', async () => {
    const r = await request(t.app.callback()).get('/tap/availability');
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/xml');
    expect(r.text).toContain('<vosi:available>true</vosi:available>');
    expect(r.text).toContain('<vosi:upSince>2026-01-01T00:00:00Z</vosi:upSince>');
  });

  it('refuses POST on availability with 405', async () => {
    const r = await request(t.app.callback()).post('/tap/availability');
    expect(r.status).toBe(405);
  });

  it('reports health with the database kind', async () => {
    const r = await request(t.app.callback()).get('/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', database: backend.name });
  });

  it('answers unknown paths with a DALI error document and 404', async () => {
    const r = await request(t.app.callback()).get('/tap/nope');
    expect(r.status).toBe(404);
    expect(r.type).toBe('application/x-votable+xml');
    expect(r.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">no such resource: \/tap\/nope<\/INFO>/);
  });

  it('tags every response with a request id', async () => {
    const r = await request(t.app.callback()).get('/health').set('X-Request-Id', 'abc-123');
    expect(r.headers['x-request-id']).toBe('abc-123');
  });
});

describe.each(testDatabases())('VOTable version on request ($name)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  it.each([
    ['votable/td', '1.4'],
    ['application/x-votable+xml;serialization=TABLEDATA;version=1.5', '1.5'],
    ['votable/td; version="1.5"', '1.5'],
  ])('RESPONSEFORMAT=%s gives VOTable %s', async (fmt, version) => {
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 1 name FROM csc2.master_source', RESPONSEFORMAT: fmt });
    expect(r.status).toBe(200);
    expect(r.text).toContain(`<VOTABLE version="${version}"`);
  });

  it('rejects a VOTable version it does not write', async () => {
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT TOP 1 name FROM csc2.master_source', RESPONSEFORMAT: 'votable;version=1.2' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('VOTable version 1.2 is not offered');
  });
});

describe.each(testDatabases())('ADQL errors over HTTP ($name)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  it.each([
    ['SELECT distance FROM csc2.master_source', /ADQL error: line 1, column 8: DISTANCE is a reserved word.*write "distance" to use it as a column name/],
    ['SELECT rra FROM csc2.master_source', /ADQL error: line 1, column 8: .*rra.*did you mean ra/i],
    ['SELECT ra\nFROM csc2.master_source\nWHERE', /ADQL error: line 3, column 6: /],
  ])('%j → 400 with a positioned message', async (query, message) => {
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: query });
    expect(r.status).toBe(400);
    expect(r.type).toBe('application/x-votable+xml');
    expect(r.text).toMatch(message);
  });
});
