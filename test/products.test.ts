/** DataLink product endpoints of event files (server/products) on each backend, through a Koa app that has only
 *  these routes: light curves whose bins add up to the events, spectra, PNG previews of the right size. */
import Router from '@koa/router';
import Koa from 'koa';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { registerProductRoutes } from '../server/products/index.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { parseVotable } from '../votable/index.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const STINGRAY = '9d2b1cb26d5d53a6';
const ASTROPY = 'dac07f9c06f24b75';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function info(table: ReturnType<typeof parseVotable>[number], name: string): string | undefined {
  return [...table.resource.infos, ...table.infos].find((i) => i.name === name)?.value;
}

describe.each(testDatabases())('event-file products on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let app: Koa;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, testLogger().log);
    app = new Koa();
    const router = new Router();
    registerProductRoutes(router, { db });
    app.use(router.routes());
  });
  afterAll(async () => drop());

  it.each([[9000], [900], [100], [7.3]])('light curve with bin=%s s: bins add up to the events in the GTIs', async (bin) => {
    const res = await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=${bin}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/x-votable+xml');
    const [table] = parseVotable(res.text);
    expect(table.fields.map((f) => f.name)).toEqual(['time', 'time_start', 'time_stop', 'exposure', 'counts', 'rate', 'rate_error']);
    expect(table.fields.find((f) => f.name === 'time')?.unit).toBe('s');
    const total = table.rows.reduce((s, r) => s + Number(r[4]), 0);
    expect(total + Number(info(table, 'events_outside_gti'))).toBe(4612);
    expect(total).toBeGreaterThan(4600);
    // GTI of 945.3 s: ceil(945.3 / bin) bins.
    expect(table.rows).toHaveLength(Math.ceil(945.336 / bin));
    const exposure = table.rows.reduce((s, r) => s + Number(r[3]), 0);
    expect(exposure).toBeCloseTo(945.336, 2);
    const r0 = table.rows[0];
    expect(Number(r0[5])).toBeCloseTo(Number(r0[4]) / Number(r0[3]), 9);
    expect(res.text).toContain('timescale="TT"');
  });

  it('light curve in an energy band counts only those events', async () => {
    const all = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=9000`)).text)[0];
    const band = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=9000&emin=500&emax=7000`)).text)[0];
    expect(Number(info(band, 'events_in_band'))).toBeLessThan(Number(info(all, 'events_in_band')));
    expect(Number(band.rows[0][4])).toBeLessThan(Number(all.rows[0][4]));
  });

  it('spectrum: default bins count every event (with under/overflow), custom edges too', async () => {
    const res = await request(app.callback()).get(`/tap/products/spectrum?event_file=${STINGRAY}`);
    expect(res.status).toBe(200);
    const [t] = parseVotable(res.text);
    expect(t.rows).toHaveLength(107);
    const total = t.rows.reduce((s, r) => s + Number(r[3]), 0);
    expect(total + Number(info(t, 'underflow')) + Number(info(t, 'overflow')) + Number(info(t, 'invalid_energy'))).toBe(4612);
    const custom = parseVotable((await request(app.callback()).get(`/tap/products/spectrum?event_file=${ASTROPY}&edges=5000,7000,9000`)).text)[0];
    expect(custom.rows.map((r) => [Number(r[1]), Number(r[2]), Number(r[3])])).toEqual([
      [5000, 7000, 1],
      [7000, 9000, 1],
    ]);
  });

  it.each([
    ['etmap', 16, 384, 256],
    ['dedt', 16, 384, 256],
    ['etmap', 4, 96, 64],
  ])('%s.png (scale %i) is a %i x %i PNG', async (name, scale, width, height) => {
    const res = await request(app.callback()).get(`/tap/products/${name}.png?event_file=${STINGRAY}&scale=${scale}`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.type).toBe('image/png');
    const body = res.body as Buffer;
    expect(Buffer.isBuffer(body)).toBe(true);
    expect([...body.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(body.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect(body.readUInt32BE(16)).toBe(width);
    expect(body.readUInt32BE(20)).toBe(height);
    expect(Number(res.headers['content-length'])).toBe(body.length);
  });

  it.each([
    [`/tap/products/lightcurve?event_file=${STINGRAY}`, 400, /bin is required/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=-5`, 400, /bin=-5/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=0.001`, 400, /more than/],
    ['/tap/products/lightcurve?bin=900', 400, /event_file is required/],
    ['/tap/products/spectrum?event_file=nope', 404, /no event file "nope"/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&edges=3,2`, 400, /increase strictly/],
    [`/tap/products/etmap.png?event_file=${STINGRAY}&scale=1000`, 400, /scale/],
  ])('%s → %i', async (url, status, message) => {
    const res = await request(app.callback()).get(url);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(message);
  });
});
