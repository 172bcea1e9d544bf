/** DataLink product endpoints of event files (server/products) on each backend, through a Koa app that has only
 *  these routes: light curves whose bins add up to the events, spectra, PNG previews of the right size. */
import Router from '@koa/router';
import Koa from 'koa';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { registerProductRoutes } from '../server/products/index.js';
import { linksFor } from '../server/datalink/links.js';
import { PLOT_MARGIN } from '../server/products/png.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { parseVotable } from '../votable/index.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const STINGRAY = '9d2b1cb26d5d53a6';
const ASTROPY = 'dac07f9c06f24b75';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Runs a Python snippet on a FITS file with astropy (Debian python3-astropy); returns its stdout as JSON. */
function astropy(bytes: Buffer, script: string): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'xtap-products-'));
  try {
    const file = join(dir, 'product.fits');
    writeFileSync(file, bytes);
    const code = `import json, sys\nfrom astropy.io import fits\nh = fits.open(sys.argv[1])\n${script}`;
    const r = spawnSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`astropy failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Collects a binary body (supertest only buffers images and text by itself). */
function binaryParser(res: request.Response, cb: (err: Error | null, body: unknown) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
}

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
    ['etmap', 16],
    ['dedt', 16],
    ['etmap.png', 4],
    ['dedt.png', 8],
  ])('%s (scale %i) is a PNG with axes, tick labels, title and a colour bar', async (name, scale) => {
    const res = await request(app.callback()).get(`/tap/products/${name}?event_file=${STINGRAY}&scale=${scale}`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.type).toBe('image/png');
    const body = res.body as Buffer;
    expect([...body.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(Number(res.headers['content-length'])).toBe(body.length);
    const png = PNG.sync.read(body);
    const m = PLOT_MARGIN;
    const pw = 24 * scale;
    const ph = 16 * scale;
    expect(png.width).toBeGreaterThanOrEqual(m.left + pw + m.right);
    expect(png.height).toBe(m.top + ph + m.bottom);
    const dark = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const o = (y * png.width + x) * 4;
        if (png.data[o] + png.data[o + 1] + png.data[o + 2] < 3 * 128) n++;
      }
      return n;
    };
    // title band, x tick labels + label below the plot, y tick labels left of it, colour bar and its labels right of it
    expect(dark(0, 0, png.width, m.top - 2)).toBeGreaterThan(50);
    expect(dark(m.left, m.top + ph + 5, m.left + pw, png.height)).toBeGreaterThan(40);
    expect(dark(0, m.top, m.left - 6, m.top + ph)).toBeGreaterThan(40);
    expect(dark(m.left + pw + 10, m.top, png.width, m.top + ph)).toBeGreaterThan(40);
    // the colour bar runs from viridis dark purple (bottom) to yellow (top)
    const bx = m.left + pw + 14 + 7;
    const at = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
    expect(at(bx, m.top + ph - 1)).toEqual([68, 1, 84]);
    expect(at(bx, m.top)).toEqual([253, 231, 37]);
  });

  it('light curve as OGIP FITS opens in astropy: RATE (TIME, TIMEDEL, RATE, ERROR) and GTI', async () => {
    const res = await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=100&RESPONSEFORMAT=fits`).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/fits');
    const out = astropy(res.body as Buffer, `r = h['RATE']\nprint(json.dumps({'cols': r.columns.names, 'n': len(r.data), 'counts': int(r.data['COUNTS'].sum()), 'timedel': r.header['TIMEDEL'], 'clas': r.header['HDUCLAS1'], 'units': r.columns.units, 'gti': len(h['GTI'].data), 'rate0': float(r.data['RATE'][0]), 'c0': int(r.data['COUNTS'][0]), 'dt0': float(r.data['TIMEDEL'][0])}))`);
    expect(out.cols).toEqual(['TIME', 'TIMEDEL', 'RATE', 'ERROR', 'FRACEXP', 'COUNTS']);
    expect(out.n).toBe(Math.ceil(945.336 / 100));
    expect(out.timedel).toBe(100);
    expect(out.clas).toBe('LIGHTCURVE');
    expect(out.gti).toBe(1);
    expect((out.units as string[])[2]).toBe('count/s');
    expect(out.rate0 as number).toBeCloseTo((out.c0 as number) / (out.dt0 as number), 6);
    const vot = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=100`)).text)[0];
    expect(out.counts).toBe(vot.rows.reduce((s, r) => s + Number(r[4]), 0));
  });

  it('spectrum as OGIP PHA type I opens in astropy: 1024 PI channels, counts of every event, EXPOSURE, BACKSCAL, RESPFILE', async () => {
    const res = await request(app.callback()).get(`/tap/products/spectrum?event_file=${STINGRAY}&RESPONSEFORMAT=application/fits`).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/fits');
    const out = astropy(res.body as Buffer, `s = h['SPECTRUM']\nk = s.header\nprint(json.dumps({'cols': s.columns.names, 'n': len(s.data), 'first': int(s.data['CHANNEL'][0]), 'sum': int(s.data['COUNTS'].sum()), 'exposure': k['EXPOSURE'], 'backscal': k['BACKSCAL'], 'resp': k['RESPFILE'], 'anc': k['ANCRFILE'], 'chantype': k['CHANTYPE'], 'clas': [k['HDUCLASS'], k['HDUCLAS1'], k['HDUCLAS3'], k['HDUCLAS4']], 'poisserr': bool(k['POISSERR'])}))`);
    expect(out.cols).toEqual(['CHANNEL', 'COUNTS']);
    expect(out.n).toBe(1024);
    expect(out.first).toBe(1);
    expect(out.sum).toBeGreaterThan(4500);
    expect(out.sum).toBeLessThanOrEqual(4612);
    expect(out.exposure as number).toBeCloseTo(945.336, 2);
    expect(out.backscal).toBe(1);
    expect([out.resp, out.anc]).toEqual(['none', 'none']);
    expect(out.chantype).toBe('PI');
    expect(out.clas).toEqual(['OGIP', 'SPECTRUM', 'COUNT', 'TYPE:I']);
    expect(out.poisserr).toBe(true);
  });

  it('maps as FITS images carry WCS-style axis keywords', async () => {
    const res = await request(app.callback()).get(`/tap/products/etmap?event_file=${STINGRAY}&RESPONSEFORMAT=fits`).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    const out = astropy(res.body as Buffer, `k = h[0].header\nprint(json.dumps({'shape': list(h[0].data.shape), 'sum': float(h[0].data.sum()), 'ax': [[k['CTYPE%d' % i], k['CUNIT%d' % i], k['CRVAL%d' % i], k['CDELT%d' % i], k['CRPIX%d' % i]] for i in (1, 2)]}))`);
    expect(out.shape).toEqual([16, 24]);
    expect(out.sum).toBeGreaterThan(1000);
    const ax = out.ax as Array<[string, string, number, number, number]>;
    expect(ax[0].slice(0, 2)).toEqual(['TIME', 's']);
    expect(ax[1][0]).toBe('LOG10_E');
    expect(ax[1][2] - ax[1][3] / 2).toBeCloseTo(Math.log10(500), 6);
    expect(ax[1][2] + 15.5 * ax[1][3]).toBeCloseTo(Math.log10(7000), 6);
    const dedt = await request(app.callback()).get(`/tap/products/dedt?event_file=${STINGRAY}&RESPONSEFORMAT=fits`).buffer(true).parse(binaryParser);
    const d = astropy(dedt.body as Buffer, `print(json.dumps({'shape': list(h[0].data.shape), 'sum': float(h[0].data.sum()), 'lag': len(h['LAG_EDGES'].data), 'c1': h[0].header['CTYPE1']}))`);
    expect(d).toEqual({ shape: [16, 24], sum: expect.closeTo(1, 3), lag: 24, c1: 'LAG_BIN' });
  });

  it('event list: the original FITS file byte for byte, or (RESPONSEFORMAT=votable) a redirect to the TAP query', async () => {
    const res = await request(app.callback()).get(`/tap/products/events?event_file=${STINGRAY}`).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/fits');
    expect((res.body as Buffer).equals(readFileSync(join(process.cwd(), 'data', 'sample', 'stingray_chandra_test.fits')))).toBe(true);
    const vot = await request(app.callback()).get(`/tap/products/events?event_file=${STINGRAY}&RESPONSEFORMAT=votable`);
    expect(vot.status).toBe(303);
    expect(decodeURIComponent(vot.headers.location.replace(/\+/g, ' '))).toContain(`FROM ml.event WHERE event_file_id = '${STINGRAY}'`);
    const frame = await db.query('SELECT timedel FROM ml.event_file WHERE event_file_id = $1', [STINGRAY]);
    expect(Number(frame.rows[0][0])).toBeCloseTo(0.44104, 5); // TIMEDEL of the EVENTS extension
  });

  it('source -> events: a master source in the field of an event file gets its own light curve and spectrum (aperture)', async () => {
    // No real CSC2 row of the M82 field is bundled: a source placed in the field exists only inside this test.
    const name = '2CXO J095623.6+694253TEST';
    const c = (await db.query('SELECT ra_centroid, dec_centroid FROM ml.event_file WHERE event_file_id = $1', [STINGRAY])).rows[0];
    await db.query('INSERT INTO csc2.master_source (name, ra, dec, err_ellipse_r0) VALUES ($1, $2, $3, 1.2)', [name, Number(c[0]), Number(c[1])]);
    try {
      const links = await linksFor([name], { db, baseUrl: 'http://xtap.test' });
      // the M82 list and its copy without energies cover the field; the Mrk 1434 file does not
      const mine = links.filter((l) => l.localSemantics?.startsWith('source-') && l.accessUrl?.includes(`event_file=${STINGRAY}`));
      expect(mine.map((l) => l.localSemantics)).toEqual(['source-light-curve', 'source-spectrum', 'source-spectrum']);
      expect(mine.every((l) => l.accessUrl?.includes('source=2CXO'))).toBe(true);
      expect(links.some((l) => l.accessUrl?.includes(`event_file=${ASTROPY}`))).toBe(false);
      const q = `event_file=${STINGRAY}&source=${encodeURIComponent(name)}&radius=40`;
      const lc = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?${q}&bin=100`)).text)[0];
      const inAperture = Number(info(lc, 'events_in_band'));
      expect(inAperture).toBeGreaterThan(0);
      expect(inAperture).toBeLessThan(4612);
      expect(info(lc, 'source')).toBe(name);
      const wider = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&source=${encodeURIComponent(name)}&radius=120&bin=100`)).text)[0];
      expect(Number(info(wider, 'events_in_band'))).toBeGreaterThan(inAperture);
      const pha = await request(app.callback()).get(`/tap/products/spectrum?${q}&RESPONSEFORMAT=fits`).buffer(true).parse(binaryParser);
      const out = astropy(pha.body as Buffer, `print(json.dumps({'sum': int(h['SPECTRUM'].data['COUNTS'].sum())}))`);
      expect(out.sum).toBeGreaterThan(0);
      expect(out.sum).toBeLessThanOrEqual(inAperture);
      // the same aperture by position
      const byPos = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&ra=${Number(c[0])}&dec=${Number(c[1])}&radius=40&bin=100`)).text)[0];
      expect(Number(info(byPos, 'events_in_band'))).toBe(inAperture);
    } finally {
      await db.query('DELETE FROM csc2.master_source WHERE name = $1', [name]);
    }
    // a catalogue source far from every event file: no aperture links
    const far = String((await db.query('SELECT name FROM csc2.master_source ORDER BY name LIMIT 1')).rows[0][0]);
    expect((await linksFor([far], { db, baseUrl: 'http://xtap.test' })).filter((l) => l.localSemantics?.startsWith('source-'))).toEqual([]);
  });

  it('energies in keV: spectrum edges and columns, light-curve band', async () => {
    const kev = parseVotable((await request(app.callback()).get(`/tap/products/spectrum?event_file=${ASTROPY}&edges=5,7,9&eunit=keV`)).text)[0];
    expect(kev.fields.find((f) => f.name === 'energy')?.unit).toBe('keV');
    expect(kev.rows.map((r) => [Number(r[1]), Number(r[2]), Number(r[3])])).toEqual([
      [5, 7, 1],
      [7, 9, 1],
    ]);
    const ev = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=9000&emin=500&emax=7000`)).text)[0];
    const k = parseVotable((await request(app.callback()).get(`/tap/products/lightcurve?event_file=${STINGRAY}&bin=9000&emin=0.5&emax=7&eunit=keV`)).text)[0];
    expect(info(k, 'events_in_band')).toBe(info(ev, 'events_in_band'));
  });

  it.each([
    [`/tap/products/lightcurve?event_file=${STINGRAY}`, 400, /bin is required/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=-5`, 400, /bin=-5/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=0.001`, 400, /more than/],
    ['/tap/products/lightcurve?bin=900', 400, /event_file is required/],
    ['/tap/products/spectrum?event_file=nope', 404, /no event file "nope"/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&edges=3,2`, 400, /increase strictly/],
    [`/tap/products/etmap.png?event_file=${STINGRAY}&scale=1000`, 400, /scale/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=900&RESPONSEFORMAT=text/csv`, 400, /RESPONSEFORMAT=text\/csv is not offered.*application\/x-votable\+xml.*application\/fits/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&RESPONSEFORMAT=png`, 400, /allowed: application\/x-votable\+xml/],
    [`/tap/products/etmap?event_file=${STINGRAY}&RESPONSEFORMAT=votable`, 400, /allowed: image\/png/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&emin=7&emax=0.5&eunit=keV`, 400, /emax \(0.5 keV\) must exceed emin \(7 keV\)/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=900&emin=2000&emax=1000`, 400, /emax \(1000 eV\) must exceed emin/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&eunit=MeV`, 400, /eunit=MeV/],
    [`/tap/products/lightcurve?event_file=${STINGRAY}&bin=900&ra=10&dec=10`, 400, /lies outside the field of event file 9d2b1cb26d5d53a6/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&ra=10`, 400, /give both ra and dec/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&source=nobody`, 404, /no CSC2 master source named "nobody"/],
    [`/tap/products/spectrum?event_file=${STINGRAY}&radius=5`, 400, /radius needs a position/],
  ])('%s → %i', async (url, status, message) => {
    const res = await request(app.callback()).get(url);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(message);
  });
});
