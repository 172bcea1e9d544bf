/** DataLink product endpoints of event files (DataLink §3.2 access_url targets): light curve and spectrum as
 *  VOTables, E–t and dEdT maps as PNG previews. Each reads the stored events (ml.event) or representation
 *  (ml.event_representation) of one event_file_id; the binning maths is ml/representations'. */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Queryable } from '../../db/index.js';
import { loadStoredEvents } from '../../ingest/index.js';
import { dedtMap, etMap, lightCurve, spectrum } from '../../ml/representations/index.js';
import { EVENT_MAP_SHAPE, LIGHT_CURVE_COLUMNS, SPECTRUM_COLUMNS } from '../../schema/ml/index.js';
import type { ColumnMeta } from '../../schema/index.js';
import { encodeVotable } from '../../votable/votable-encoder.js';
import type { VotableInfo, VotableTimesys } from '../../votable/index.js';
import { DaliError } from '../errors.js';
import { renderMapPng } from './png.js';

export const PRODUCTS_PATH = '/tap/products';
/** Most bins a light curve or spectrum may have (keeps a typo like bin=0.001 on a 100 ks file from running away). */
export const MAX_PRODUCT_BINS = 200_000;
/** Default spectrum: 300 eV to 11 keV in 107 bins of 100 eV. */
export const DEFAULT_SPECTRUM = { eMinEv: 300, eMaxEv: 11_000, bins: 107 } as const;
const { timeBins: MAP_ROWS, energyBins: MAP_COLS } = EVENT_MAP_SHAPE;

export interface ProductDeps {
  db: Queryable;
}

interface EventFileMeta {
  id: string;
  gti: Array<[number, number]>;
  timesys: string | null;
  mjdref: number | null;
  nEvents: number;
}

function param(ctx: { query: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = ctx.query[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function numberParam(ctx: { query: Record<string, string | string[] | undefined> }, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const s = param(ctx, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || !check(n)) throw new DaliError('BAD_PARAMETER', `${name}=${s}: ${what}`);
  return n;
}

async function eventFile(db: Queryable, ctx: { query: Record<string, string | string[] | undefined> }): Promise<EventFileMeta> {
  const id = param(ctx, 'event_file');
  if (id === undefined) throw new DaliError('MISSING_PARAMETER', 'event_file is required: an ml.event_file.event_file_id, e.g. event_file=9d2b1cb26d5d53a6');
  const r = await db.query('SELECT event_file_id, gti, timesys, mjdref, n_events FROM ml.event_file WHERE event_file_id = $1', [id]);
  const row = r.rows[0];
  if (!row) throw new DaliError('NOT_FOUND', `no event file "${id}" in ml.event_file`);
  const flat = Array.isArray(row[1]) ? (row[1] as unknown[]).map(Number) : [];
  const gti: Array<[number, number]> = [];
  for (let k = 0; k + 1 < flat.length; k += 2) gti.push([flat[k], flat[k + 1]]);
  return { id, gti, timesys: row[2] === null ? null : String(row[2]), mjdref: row[3] === null ? null : Number(row[3]), nEvents: Number(row[4]) };
}

function votableBody(description: string, infos: VotableInfo[], columns: ReadonlyArray<ColumnMeta>, rows: unknown[][], timesys?: VotableTimesys): Readable {
  return Readable.from(encodeVotable({ description, infos, timesys, coosys: false }, columns, [rows], { serialization: 'TABLEDATA' }));
}

/** Energy band filter (eV) of the light curve; both optional. */
function bandFilter(ctx: { query: Record<string, string | string[] | undefined> }): (e: number) => boolean {
  const lo = numberParam(ctx, 'emin', (n) => n >= 0, 'must be a non-negative energy in eV');
  const hi = numberParam(ctx, 'emax', (n) => n > 0, 'must be a positive energy in eV');
  if (lo !== undefined && hi !== undefined && !(hi > lo)) throw new DaliError('BAD_PARAMETER', `emax (${hi}) must exceed emin (${lo})`);
  return (e) => (lo === undefined || e >= lo) && (hi === undefined || e <= hi);
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

/** Adds GET /tap/products/{lightcurve,spectrum,etmap.png,dedt.png} to the router. */
export function registerProductRoutes(router: Router, deps: ProductDeps): void {
  router.get(`${PRODUCTS_PATH}/lightcurve`, async (ctx) => {
    const file = await eventFile(deps.db, ctx);
    const bin = numberParam(ctx, 'bin', (n) => n > 0, 'must be a bin width in seconds > 0, e.g. bin=900 (15 min) or bin=9000 (2.5 h)');
    if (bin === undefined) throw new DaliError('MISSING_PARAMETER', 'bin is required: the bin width in seconds, e.g. bin=900 (15 min) or bin=9000 (2.5 h)');
    const bins = file.gti.reduce((s, [a, b]) => s + Math.max(1, Math.ceil((b - a) / bin)), 0);
    if (bins > MAX_PRODUCT_BINS) throw new DaliError('BAD_PARAMETER', `bin=${bin} gives ${bins} bins, more than ${MAX_PRODUCT_BINS}; choose a wider bin`);
    const keep = bandFilter(ctx);
    const events = await loadStoredEvents(deps.db, file.id);
    const times: number[] = [];
    for (let i = 0; i < events.time.length; i++) if (keep(events.energyEv[i])) times.push(events.time[i]);
    const lc = lightCurve(times, bin, file.gti);
    const rows = Array.from(lc.counts, (c, k) => [(lc.tStart[k] + lc.tStop[k]) / 2, lc.tStart[k], lc.tStop[k], lc.exposure[k], BigInt(c), lc.rate[k], lc.rateError[k]]);
    const infos: VotableInfo[] = [
      { name: 'event_file_id', value: file.id },
      { name: 'bin_seconds', value: String(bin) },
      { name: 'events_in_band', value: String(times.length) },
      { name: 'events_outside_gti', value: String(lc.outsideGti) },
      { name: 'mjdref', value: String(file.mjdref ?? '') },
    ];
    const timesys: VotableTimesys | undefined =
      file.mjdref !== null ? { ID: 'sys_met', timescale: file.timesys ?? 'TT', timeorigin: String(file.mjdref + 2400000.5), refposition: 'TOPOCENTER', fields: ['time', 'time_start', 'time_stop'] } : undefined;
    ctx.type = 'application/x-votable+xml';
    ctx.body = votableBody(`Light curve of event file ${file.id}, ${bin} s bins within the good time intervals`, infos, LIGHT_CURVE_COLUMNS, rows, timesys);
  });

  router.get(`${PRODUCTS_PATH}/spectrum`, async (ctx) => {
    const file = await eventFile(deps.db, ctx);
    let edges: number[];
    const given = param(ctx, 'edges');
    if (given !== undefined) {
      edges = given.split(',').map((s) => Number(s.trim()));
      if (edges.some((e) => !Number.isFinite(e))) throw new DaliError('BAD_PARAMETER', `edges=${given}: a comma-separated list of energies in eV`);
    } else {
      const lo = numberParam(ctx, 'emin', (n) => n >= 0, 'must be an energy in eV') ?? DEFAULT_SPECTRUM.eMinEv;
      const hi = numberParam(ctx, 'emax', (n) => n > 0, 'must be an energy in eV') ?? DEFAULT_SPECTRUM.eMaxEv;
      const n = numberParam(ctx, 'bins', (x) => Number.isInteger(x) && x >= 1, 'must be a positive integer') ?? DEFAULT_SPECTRUM.bins;
      if (!(hi > lo)) throw new DaliError('BAD_PARAMETER', `emax (${hi}) must exceed emin (${lo})`);
      edges = Array.from({ length: n + 1 }, (_, k) => (k === n ? hi : lo + ((hi - lo) * k) / n));
    }
    if (edges.length - 1 > MAX_PRODUCT_BINS) throw new DaliError('BAD_PARAMETER', `at most ${MAX_PRODUCT_BINS} bins`);
    for (let k = 1; k < edges.length; k++) {
      if (!(edges[k] > edges[k - 1])) throw new DaliError('BAD_PARAMETER', `edges must increase strictly (edge ${k}: ${edges[k]} after ${edges[k - 1]})`);
    }
    if (edges.length < 2) throw new DaliError('BAD_PARAMETER', 'a spectrum needs at least 2 edges');
    const events = await loadStoredEvents(deps.db, file.id);
    const s = spectrum(events.energyEv, edges);
    const rows = Array.from(s.counts, (c, k) => [(edges[k] + edges[k + 1]) / 2, edges[k], edges[k + 1], BigInt(c), 1 + Math.sqrt(c + 0.75)]);
    const infos: VotableInfo[] = [
      { name: 'event_file_id', value: file.id },
      { name: 'underflow', value: String(s.underflow) },
      { name: 'overflow', value: String(s.overflow) },
      { name: 'invalid_energy', value: String(s.invalid) },
    ];
    ctx.type = 'application/x-votable+xml';
    ctx.body = votableBody(`Counts spectrum of event file ${file.id} (photon or PI-derived energies, no response applied)`, infos, SPECTRUM_COLUMNS, rows);
  });

  const mapRoute = (name: 'etmap' | 'dedt', column: 'et_map' | 'dedt_map') =>
    router.get(`${PRODUCTS_PATH}/${name}.png`, async (ctx) => {
      const file = await eventFile(deps.db, ctx);
      const scale = numberParam(ctx, 'scale', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'must be an integer 1..64 (pixels per cell)') ?? 16;
      let values = await storedMap(deps.db, file.id, column);
      if (values === null) {
        const events = await loadStoredEvents(deps.db, file.id);
        values = Array.from(column === 'et_map' ? etMap(events, { normalize: 'none' }).data : dedtMap(events).data);
      }
      // E–t map: 24 time rows × 16 energy columns; shown with time along x and energy up the y axis (transposed).
      // dEdT: 24 time-lag rows × 16 energy-lag columns, likewise; log colour scale because pair fractions span decades.
      const transposed = new Float64Array(MAP_ROWS * MAP_COLS);
      for (let r = 0; r < MAP_ROWS; r++) for (let c = 0; c < MAP_COLS; c++) transposed[c * MAP_ROWS + r] = values[r * MAP_COLS + c];
      const png = renderMapPng(transposed, MAP_COLS, MAP_ROWS, { scale, scaling: name === 'dedt' ? 'log' : 'linear' });
      ctx.type = 'image/png';
      ctx.set('Content-Length', String(png.length));
      ctx.body = png;
    });
  mapRoute('etmap', 'et_map');
  mapRoute('dedt', 'dedt_map');
}
