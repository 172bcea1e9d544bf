/** DataLink product endpoints of event files (DataLink §3.2 access_url targets): light curve (VOTable or OGIP
 *  FITS), spectrum (VOTable or OGIP PHA type I FITS), E–t and dEdT maps (PNG with axes and colour bar, or FITS
 *  image). Each reads the stored events (ml.event) or representation (ml.event_representation) of one
 *  event_file_id; RESPONSEFORMAT picks the format (params.ts), the binning maths is ml/representations'. */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Queryable } from '../../db/index.js';
import { loadStoredEvents } from '../../ingest/index.js';
import { lightCurve, spectrum } from '../../ml/representations/index.js';
import { LIGHT_CURVE_COLUMNS, SPECTRUM_COLUMNS } from '../../schema/ml/index.js';
import type { ColumnMeta } from '../../schema/index.js';
import { encodeVotable } from '../../votable/votable-encoder.js';
import type { VotableInfo, VotableTimesys } from '../../votable/index.js';
import { DaliError } from '../errors.js';
import { apertureMask, apertureParam } from './aperture.js';
import type { Aperture } from './aperture.js';
import { dedtMapProduct, etMapProduct } from './maps.js';
import { channelCounts, lightCurveFits, mapFits, phaFits, piChannel } from './ogip.js';
import type { ObservationKeywords } from './ogip.js';
import { energyBand, energyUnit, FITS_FORMAT, numberParam as numParam, param as qParam, PNG_FORMAT, responseFormat, VOTABLE_FORMAT } from './params.js';
import type { Query } from './params.js';
import { renderPlotPng } from './png.js';

export const PRODUCTS_PATH = '/tap/products';
/** Most bins a light curve or spectrum may have (keeps a typo like bin=0.001 on a 100 ks file from running away). */
export const MAX_PRODUCT_BINS = 200_000;
/** Default spectrum: 300 eV to 11 keV in 107 bins of 100 eV. */
export const DEFAULT_SPECTRUM = { eMinEv: 300, eMaxEv: 11_000, bins: 107 } as const;
const TABLE_FORMATS = [{ key: 'votable' as const, ...VOTABLE_FORMAT }, { key: 'fits' as const, ...FITS_FORMAT }];
const MAP_FORMATS = [{ key: 'png' as const, ...PNG_FORMAT }, { key: 'fits' as const, ...FITS_FORMAT }];

export interface ProductDeps {
  db: Queryable;
}

interface EventFileMeta extends ObservationKeywords {
  id: string;
  gti: Array<[number, number]>;
  nEvents: number;
  exposure: number | null;
  gtiTotal: number | null;
  timedel: number | null;
}

function param(ctx: { query: Query }, name: string): string | undefined {
  return qParam(ctx.query, name);
}

function numberParam(ctx: { query: Query }, name: string, check: (n: number) => boolean, what: string): number | undefined {
  return numParam(ctx.query, name, check, what);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function sendFits(ctx: { type: string; body: unknown; set: (k: string, v: string) => void }, bytes: Uint8Array, fileName: string): void {
  ctx.type = FITS_FORMAT.mime;
  ctx.set('Content-Disposition', `inline; filename="${fileName}"`);
  ctx.body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function eventFile(db: Queryable, ctx: { query: Record<string, string | string[] | undefined> }): Promise<EventFileMeta> {
  const id = param(ctx, 'event_file');
  if (id === undefined) throw new DaliError('MISSING_PARAMETER', 'event_file is required: an ml.event_file.event_file_id, e.g. event_file=9d2b1cb26d5d53a6');
  const r = await db.query(
    'SELECT event_file_id, gti, timesys, mjdref, n_events, telescope, instrument, object, obsid, tstart, tstop, exposure, gti_total, timedel FROM ml.event_file WHERE event_file_id = $1',
    [id],
  );
  const row = r.rows[0];
  if (!row) throw new DaliError('NOT_FOUND', `no event file "${id}" in ml.event_file`);
  const flat = Array.isArray(row[1]) ? (row[1] as unknown[]).map(Number) : [];
  const gti: Array<[number, number]> = [];
  for (let k = 0; k + 1 < flat.length; k += 2) gti.push([flat[k], flat[k + 1]]);
  return {
    id, eventFileId: id, gti, timesys: str(row[2]), mjdref: num(row[3]), nEvents: Number(row[4]), telescope: str(row[5]), instrument: str(row[6]), object: str(row[7]),
    obsid: num(row[8]), tstart: num(row[9]), tstop: num(row[10]), exposure: num(row[11]), gtiTotal: num(row[12]), timedel: num(row[13]),
  };
}

function votableBody(description: string, infos: VotableInfo[], columns: ReadonlyArray<ColumnMeta>, rows: unknown[][], timesys?: VotableTimesys): Readable {
  return Readable.from(encodeVotable({ description, infos, timesys, coosys: false }, columns, [rows], { serialization: 'TABLEDATA' }));
}

/** Energy band filter (emin/emax in eunit, eV by default) of the light curve; both optional. */
function bandFilter(band: { eMinEv?: number; eMaxEv?: number }): (e: number) => boolean {
  const lo = band.eMinEv;
  const hi = band.eMaxEv;
  return (e) => (lo === undefined || e >= lo) && (hi === undefined || e <= hi);
}

/** INFOs saying which aperture the events come from (none: the whole file). */
function apertureInfos(a: Aperture | null): VotableInfo[] {
  if (!a) return [{ name: 'aperture', value: 'none: every event of the file' }];
  return [
    { name: 'aperture', value: `circle ra=${a.ra} dec=${a.dec} radius=${a.radiusArcsec} arcsec` },
    ...(a.source ? [{ name: 'source', value: a.source }] : []),
  ];
}

async function storedMap(db: Queryable, id: string, column: 'et_map' | 'dedt_map'): Promise<number[] | null> {
  // The maps do not depend on the model version; take the most recently registered one.
  const r = await db.query(
    `SELECT r.${column} FROM ml.event_representation r JOIN ml.model m ON m.model_id = r.model_id AND m.version = r.model_version ` +
      'WHERE r.event_file_id = $1 ORDER BY m.registered_at DESC, r.model_version DESC LIMIT 1',
    [id],
  );
  const v = r.rows[0]?.[0];
  return Array.isArray(v) ? v.map(Number) : null;
}

const EVENT_FORMATS = [{ key: 'fits' as const, ...FITS_FORMAT }, { key: 'votable' as const, ...VOTABLE_FORMAT }];

/** Adds GET /tap/products/{events,lightcurve,spectrum,etmap[.png],dedt[.png]} to the router. */
export function registerProductRoutes(router: Router, deps: ProductDeps): void {
  router.get(`${PRODUCTS_PATH}/events`, async (ctx) => {
    const format = responseFormat(ctx.query, EVENT_FORMATS);
    const file = await eventFile(deps.db, ctx);
    if (format.key === 'votable') {
      // The events as a table are a TAP query on ml.event (streamed, MAXREC-aware): send the client there.
      const adql = `SELECT * FROM ml.event WHERE event_file_id = '${file.id}' ORDER BY seq`;
      ctx.status = 303;
      ctx.redirect(`/tap/sync?${new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: adql }).toString()}`);
      return;
    }
    const r = await deps.db.query('SELECT file_name, bytes FROM xtap.event_file_bytes WHERE event_file_id = $1', [file.id]);
    const row = r.rows[0];
    if (!row) throw new DaliError('NOT_FOUND', `the original FITS file of event file ${file.id} was not kept (ingested before xtap stored event files); re-ingest it, or use RESPONSEFORMAT=votable`);
    const bytes = row[1] as Uint8Array;
    sendFits(ctx, bytes, String(row[0]));
  });

  router.get(`${PRODUCTS_PATH}/lightcurve`, async (ctx) => {
    const format = responseFormat(ctx.query, TABLE_FORMATS);
    const file = await eventFile(deps.db, ctx);
    const bin = numberParam(ctx, 'bin', (n) => n > 0, 'must be a bin width in seconds > 0, e.g. bin=900 (15 min) or bin=9000 (2.5 h)');
    if (bin === undefined) throw new DaliError('MISSING_PARAMETER', 'bin is required: the bin width in seconds, e.g. bin=900 (15 min) or bin=9000 (2.5 h)');
    const bins = file.gti.reduce((s, [a, b]) => s + Math.max(1, Math.ceil((b - a) / bin)), 0);
    if (bins > MAX_PRODUCT_BINS) throw new DaliError('BAD_PARAMETER', `bin=${bin} gives ${bins} bins, more than ${MAX_PRODUCT_BINS}; choose a wider bin`);
    const band = energyBand(ctx.query);
    const keep = bandFilter(band);
    const aperture = await apertureParam(deps.db, ctx.query);
    const events = await loadStoredEvents(deps.db, file.id);
    const mask = aperture ? await apertureMask(deps.db, file.id, aperture) : null;
    const times: number[] = [];
    for (let i = 0; i < events.time.length; i++) if ((!mask || mask[i]) && keep(events.energyEv[i])) times.push(events.time[i]);
    const lc = lightCurve(times, bin, file.gti);
    if (format.key === 'fits') {
      sendFits(ctx, lightCurveFits(lc, bin, file.gti, file, band), `lc_${file.id}_${bin}s.fits`);
      return;
    }
    const rows = Array.from(lc.counts, (c, k) => [(lc.tStart[k] + lc.tStop[k]) / 2, lc.tStart[k], lc.tStop[k], lc.exposure[k], BigInt(c), lc.rate[k], lc.rateError[k]]);
    const infos: VotableInfo[] = [
      { name: 'event_file_id', value: file.id },
      { name: 'bin_seconds', value: String(bin) },
      { name: 'events_in_band', value: String(times.length) },
      { name: 'events_outside_gti', value: String(lc.outsideGti) },
      { name: 'mjdref', value: String(file.mjdref ?? '') },
      ...apertureInfos(aperture),
    ];
    const timesys: VotableTimesys | undefined =
      file.mjdref !== null ? { ID: 'sys_met', timescale: file.timesys ?? 'TT', timeorigin: String(file.mjdref + 2400000.5), refposition: 'TOPOCENTER', fields: ['time', 'time_start', 'time_stop'] } : undefined;
    ctx.type = 'application/x-votable+xml';
    ctx.body = votableBody(`Light curve of event file ${file.id}, ${bin} s bins within the good time intervals`, infos, LIGHT_CURVE_COLUMNS, rows, timesys);
  });

  router.get(`${PRODUCTS_PATH}/spectrum`, async (ctx) => {
    const format = responseFormat(ctx.query, TABLE_FORMATS);
    const file = await eventFile(deps.db, ctx);
    if (format.key === 'fits') {
      // PHA type I: every PI channel, no energy binning (XSPEC/Sherpa group and filter themselves).
      const aperture = await apertureParam(deps.db, ctx.query);
      const mask = aperture ? await apertureMask(deps.db, file.id, aperture) : null;
      const r = await deps.db.query('SELECT pi_channel, energy FROM ml.event WHERE event_file_id = $1 ORDER BY seq', [file.id]);
      let fromEnergy = 0;
      const channels = r.rows.filter((_, i) => !mask || mask[i] === 1).map((row) => {
        if (row[0] === null) fromEnergy++;
        return piChannel(row[0] === null ? null : Number(row[0]), row[1] === null ? Number.NaN : Number(row[1]));
      });
      const { counts } = channelCounts(channels);
      const exposure = file.gtiTotal ?? file.exposure ?? 0;
      sendFits(ctx, phaFits(counts, file, { exposure, piFromEnergy: fromEnergy > 0 }), `pha_${file.id}.pi`);
      return;
    }
    const unit = energyUnit(ctx.query);
    let edges: number[];
    const given = param(ctx, 'edges');
    if (given !== undefined) {
      edges = given.split(',').map((s) => Number(s.trim()) * unit.ev);
      if (edges.some((e) => !Number.isFinite(e))) throw new DaliError('BAD_PARAMETER', `edges=${given}: a comma-separated list of energies in ${unit.name}`);
    } else {
      const band = energyBand(ctx.query);
      const lo = band.eMinEv ?? DEFAULT_SPECTRUM.eMinEv;
      const hi = band.eMaxEv ?? DEFAULT_SPECTRUM.eMaxEv;
      const n = numberParam(ctx, 'bins', (x) => Number.isInteger(x) && x >= 1, 'must be a positive integer') ?? DEFAULT_SPECTRUM.bins;
      if (!(hi > lo)) throw new DaliError('BAD_PARAMETER', `emax (${hi / unit.ev} ${unit.name}) must exceed emin (${lo / unit.ev} ${unit.name})`);
      edges = Array.from({ length: n + 1 }, (_, k) => (k === n ? hi : lo + ((hi - lo) * k) / n));
    }
    if (edges.length - 1 > MAX_PRODUCT_BINS) throw new DaliError('BAD_PARAMETER', `at most ${MAX_PRODUCT_BINS} bins`);
    for (let k = 1; k < edges.length; k++) {
      if (!(edges[k] > edges[k - 1])) throw new DaliError('BAD_PARAMETER', `edges must increase strictly (edge ${k}: ${edges[k]} after ${edges[k - 1]})`);
    }
    if (edges.length < 2) throw new DaliError('BAD_PARAMETER', 'a spectrum needs at least 2 edges');
    const aperture = await apertureParam(deps.db, ctx.query);
    const events = await loadStoredEvents(deps.db, file.id);
    const mask = aperture ? await apertureMask(deps.db, file.id, aperture) : null;
    const s = spectrum(mask ? events.energyEv.filter((_, i) => mask[i] === 1) : events.energyEv, edges);
    const e = (v: number) => v / unit.ev;
    const rows = Array.from(s.counts, (c, k) => [e((edges[k] + edges[k + 1]) / 2), e(edges[k]), e(edges[k + 1]), BigInt(c), 1 + Math.sqrt(c + 0.75)]);
    const infos: VotableInfo[] = [
      { name: 'event_file_id', value: file.id },
      { name: 'underflow', value: String(s.underflow) },
      { name: 'overflow', value: String(s.overflow) },
      { name: 'invalid_energy', value: String(s.invalid) },
      ...apertureInfos(aperture),
    ];
    ctx.type = 'application/x-votable+xml';
    const columns = SPECTRUM_COLUMNS.map((c) => (c.unit === 'eV' ? { ...c, unit: unit.name } : c));
    ctx.body = votableBody(`Counts spectrum of event file ${file.id} (photon or PI-derived energies, no response applied)`, infos, columns, rows);
  });

  const mapRoute = (name: 'etmap' | 'dedt', column: 'et_map' | 'dedt_map') => {
    const handler = async (ctx: Parameters<Parameters<Router['get']>[1]>[0]) => {
      const format = responseFormat(ctx.query as Query, MAP_FORMATS);
      const file = await eventFile(deps.db, ctx as { query: Query });
      const scale = numberParam(ctx as { query: Query }, 'scale', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'must be an integer 1..64 (pixels per cell)') ?? 16;
      const events = await loadStoredEvents(deps.db, file.id);
      // E–t from the events (counts); dEdT from the stored representation when there is one (it is costly).
      const map = name === 'etmap' ? etMapProduct(events) : dedtMapProduct(events, await storedMap(deps.db, file.id, column), file.timedel ?? 0);
      const what = name === 'etmap' ? 'E-t map' : 'dEdT map';
      if (format.key === 'fits') {
        const tables = map.xEdgesSeconds
          ? [{ extname: 'LAG_EDGES', columns: [
              { name: 'LAG_MIN', tform: '1D', unit: 's', values: map.xEdgesSeconds.slice(0, -1) },
              { name: 'LAG_MAX', tform: '1D', unit: 's', values: map.xEdgesSeconds.slice(1) },
            ], nrows: map.xEdgesSeconds.length - 1 }]
          : [];
        const bytes = mapFits(map.values, map.width, map.height, map.axes, file, { bunit: map.bunit, title: `${what} of event file ${file.id}`, tables });
        sendFits(ctx, bytes, `${name}_${file.id}.fits`);
        return;
      }
      const png = renderPlotPng(map.values, map.height, map.width, {
        title: `${what} ${file.object ?? ''} ${file.id}`.replace(/\s+/g, ' '),
        x: map.x,
        y: map.y,
        colorbarLabel: map.colorbarLabel,
        scale,
        scaling: map.scaling,
      });
      ctx.type = 'image/png';
      ctx.set('Content-Length', String(png.length));
      ctx.body = png;
    };
    router.get(`${PRODUCTS_PATH}/${name}`, handler);
    router.get(`${PRODUCTS_PATH}/${name}.png`, handler);
  };
  mapRoute('etmap', 'et_map');
  mapRoute('dedt', 'dedt_map');
}
