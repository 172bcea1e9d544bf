/** Event-file ingest: FITS event lists → ml.event_file, ml.event and, through the event encoder, ml.event_representation
 *  (E–t map, dEdT map, embedding, anomaly score) with the ml.model card and an ml.inference_run provenance row, all in
 *  the caller's transaction. Also re-runs a (new) encoder version over the stored files (`xtap models run
 *  event-encoder`). The maths lives in ml/representations and models/event-encoder; this module owns I/O and rows. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { Queryable, Row } from '../db/index.js';
import { FitsError, readEventList, readFits } from '../fits/index.js';
import type { EventList, FitsHdu } from '../fits/index.js';
import { EVENT_FEATURES_VERSION, dedtMap, etMap } from '../ml/representations/index.js';
import type { EncoderInput } from '../models/event-encoder/encode.js';
import { EventEncoderMismatchError, encodeEvents, loadEventEncoder } from '../models/event-encoder/encode.js';
import type { EventEncoder } from '../models/event-encoder/encode.js';
import { copyColumns, insertRow, sqlTableName } from '../schema/index.js';
import { EVENT_MAP_SHAPE, event, eventFile, eventRepresentation } from '../schema/ml/index.js';
import { IngestError } from './errors.js';
import { beginRun, endRun, nowUtc, registerModel } from './ml/provenance.js';
import type { Run } from './ml/provenance.js';
import type { Progress } from './progress.js';

/** Per-source rule: RMS radius of the events around their centroid at most this → match a master source. */
export const PER_SOURCE_MAX_RMS_ARCSEC = 30;
/** Match radius around the event centroid for the nearest csc2.master_source. */
export const SOURCE_MATCH_RADIUS_ARCSEC = 10;
const COPY_BATCH = 10_000;

export interface EventFileReport {
  file: string;
  eventFileId: string;
  events: number;
  inBand: number;
  /** false when the file (same bytes) was already stored. */
  isNew: boolean;
  /** false when a representation for this model version already existed. */
  isEncoded: boolean;
  anomalyScore: number | null;
  obsid: number | null;
  hasCsc2Observation: boolean;
  csc2Name: string | null;
}

export interface EventIngestOptions {
  log: Logger;
  progress: Progress;
  /** Directory of model.onnx + card.json (default models/event-encoder). */
  modelDir?: string;
}

/** TIMEDEL when it is a usable frame time (finite, > 0, below 10 s — ACIS frames are ≤ 10 s), else 0. */
function validFrameTime(timedel: number | null): number {
  return timedel !== null && Number.isFinite(timedel) && timedel > 0 && timedel < 10 ? timedel : 0;
}

/** The stable id of a file: first 16 hex digits of the SHA-256 of its bytes. */
export function eventFileId(sha256Hex: string): string {
  return sha256Hex.slice(0, 16);
}

/** Loads the encoder, turning a mismatch into an IngestError that names the card. */
export async function loadEncoderForIngest(modelDir?: string): Promise<EventEncoder> {
  try {
    return await loadEventEncoder(modelDir);
  } catch (err) {
    if (err instanceof EventEncoderMismatchError) throw new IngestError('MODEL_MISMATCH', err.message, { file: `${err.modelDir}/card.json` }, { cause: err });
    throw err;
  }
}

/** Registers the encoder's card in ml.model (once per version; a reused version with another model file is refused). */
export async function registerEncoderModel(tx: Queryable, enc: EventEncoder): Promise<void> {
  const c = enc.card;
  const card = JSON.parse(enc.cardText) as { training?: { data?: unknown }; evaluation?: { test?: Record<string, unknown> } };
  const test = card.evaluation?.test ?? {};
  // Test-set figures: AUCs, 4-kind accuracy, and the published anomaly threshold with its steady false-positive rate.
  const metrics = Object.fromEntries(
    Object.entries(test).filter(([k]) => (k.startsWith('auc_') && !k.includes('by_')) || ['accuracy_4class', 'threshold', 'steady_fpr_at_threshold', 'tpr_at_threshold', 'ci95'].includes(k)),
  );
  await registerModel(tx, {
    modelId: c.model_id, version: c.version, task: c.task, sha256: c.model_sha256, trainingData: card.training?.data ?? null,
    metrics, cardText: enc.cardText, cardPath: `${enc.modelDir}/card.json`,
  });
}

function beginEncoderRun(tx: Queryable, enc: EventEncoder, activity: 'ingest' | 'models-run', input: string): Promise<Run> {
  const parameters = {
    max_events: enc.card.max_events, features_version: EVENT_FEATURES_VERSION, encoder_time_axis: 'good-time clock (file GTIs)',
    et_map: `counts, ${EVENT_MAP_SHAPE.timeBins}x${EVENT_MAP_SHAPE.energyBins}, 0.5-7 keV`,
    dedt_map: activity === 'ingest' ? "continuous lags, method auto, normalize 'sum', frame time = TIMEDEL" : "continuous lags, method auto, normalize 'sum', frame time = ml.event_file.timedel",
  };
  return beginRun(tx, { modelId: enc.card.model_id, version: enc.card.version }, activity, input, 'xtap ingest/events.ts with onnxruntime-node (CPU)', parameters);
}

/** Computes and inserts one representation row; returns the anomaly score, or undefined if the row existed. */
/** `frameTime` (s): the file's TIMEDEL, so the dEdT map spreads frame-quantised lags (0 = times taken as exact). */
async function writeRepresentation(tx: Queryable, enc: EventEncoder, run: Run, id: string, events: EncoderInput, frameTime: number): Promise<{ inserted: boolean; anomalyScore: number | null; inBand: number }> {
  const et = etMap(events, { normalize: 'none' });
  const dedt = dedtMap(events, { method: 'auto', frameTime });
  const code = await encodeEvents(enc, events);
  const span = et.used > 0 ? et.tmax - et.tmin : null;
  const p = code.kindProbabilities;
  const insert = insertRow(
    eventRepresentation,
    {
      event_file_id: id, model_id: enc.card.model_id, model_version: enc.card.version, run_id: run.runId,
      features_version: EVENT_FEATURES_VERSION, n_events_in_band: et.used, n_events_encoded: code.encoded,
      tmin: et.used > 0 ? et.tmin : null, duration: span, et_map: Array.from(et.data), dedt_map: Array.from(dedt.data),
      dedt_method: dedt.method, embedding: code.embedding ? Array.from(code.embedding) : null, anomaly_score: code.anomalyScore,
      p_steady: p?.steady ?? null, p_flare: p?.flare ?? null, p_dip: p?.dip ?? null, p_periodic: p?.periodic ?? null,
      is_in_training_domain: code.isInTrainingDomain,
    },
    'ON CONFLICT (event_file_id, model_id, model_version) DO NOTHING',
  );
  const r = await tx.query(insert.sql, insert.params);
  const inserted = r.rowCount > 0;
  if (inserted) run.rows += 1;
  return { inserted, anomalyScore: code.anomalyScore, inBand: et.used };
}

export interface SkyWcs {
  crval: [number, number];
  crpix: [number, number];
  cdelt: [number, number];
}

/** The TAN sky WCS of the x/y columns (TCTYPn = RA---TAN / DEC--TAN, TCRVLn, TCRPXn, TCDLTn), if complete. */
export function skyWcs(hdu: FitsHdu): SkyWcs | null {
  const table = hdu.table;
  const x = table?.findColumn('x');
  const y = table?.findColumn('y');
  if (!x || !y) return null;
  const h = hdu.header;
  const nums = (k: string) => [h.number(`${k}${x.index}`), h.number(`${k}${y.index}`)] as const;
  const ctype = [h.string(`TCTYP${x.index}`) ?? '', h.string(`TCTYP${y.index}`) ?? ''];
  if (!/TAN/.test(ctype[0]) || !/TAN/.test(ctype[1])) return null;
  const [v1, v2] = nums('TCRVL');
  const [p1, p2] = nums('TCRPX');
  const [d1, d2] = nums('TCDLT');
  if (v1 === undefined || v2 === undefined || p1 === undefined || p2 === undefined || d1 === undefined || d2 === undefined) return null;
  return { crval: [v1, v2], crpix: [p1, p2], cdelt: [d1, d2] };
}

/** Gnomonic (TAN) de-projection of sky pixel (x, y) to ICRS degrees (FITS WCS paper II, §5.1.3). */
export function tanToRaDec(w: SkyWcs, x: number, y: number): [number, number] {
  const rad = Math.PI / 180;
  const xi = (x - w.crpix[0]) * w.cdelt[0] * rad;
  const eta = (y - w.crpix[1]) * w.cdelt[1] * rad;
  const ra0 = w.crval[0] * rad;
  const dec0 = w.crval[1] * rad;
  const den = Math.cos(dec0) - eta * Math.sin(dec0);
  const ra = ra0 + Math.atan2(xi, den);
  const dec = Math.atan2(Math.sin(dec0) + eta * Math.cos(dec0), Math.hypot(xi, den));
  return [(((ra / rad) % 360) + 360) % 360, dec / rad];
}

interface Centroid {
  ra: number;
  dec: number;
  rRmsArcsec: number;
}

function eventCentroid(hdu: FitsHdu, list: EventList): Centroid | null {
  if (!list.x || !list.y || list.count === 0) return null;
  const w = skyWcs(hdu);
  if (!w) return null;
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < list.count; i++) {
    if (Number.isFinite(list.x[i]) && Number.isFinite(list.y[i])) {
      sx += list.x[i];
      sy += list.y[i];
      n++;
    }
  }
  if (n === 0) return null;
  const mx = sx / n;
  const my = sy / n;
  let s2 = 0;
  for (let i = 0; i < list.count; i++) {
    if (Number.isFinite(list.x[i]) && Number.isFinite(list.y[i])) s2 += (list.x[i] - mx) ** 2 + (list.y[i] - my) ** 2;
  }
  const [ra, dec] = tanToRaDec(w, mx, my);
  return { ra, dec, rRmsArcsec: Math.sqrt(s2 / n) * Math.abs(w.cdelt[0]) * 3600 };
}

const NEAREST_SOURCE_SQL =
  'SELECT name, sep FROM (SELECT name, 3600 * degrees(2 * asin(least(1, sqrt(' +
  'sin(radians(dec - $2) / 2) ^ 2 + cos(radians(dec)) * cos(radians($2)) * sin(radians(ra - $1) / 2) ^ 2)))) AS sep ' +
  'FROM csc2.master_source WHERE dec BETWEEN $2 - $3 / 3600.0 AND $2 + $3 / 3600.0) s WHERE sep <= $3 ORDER BY sep, name LIMIT 1';

function obsidOf(list: EventList): number | null {
  const v = list.header.obsId;
  if (v === null || !/^\s*\d+\s*$/.test(v)) return null;
  const n = Number(v);
  return n <= 2147483647 ? n : null;
}

function fitsProblem(file: string, err: unknown): IngestError {
  if (err instanceof FitsError) return new IngestError('BAD_FITS', `${err.code}: ${err.message}`, { file, column: err.column }, { cause: err });
  return new IngestError('BAD_FITS', err instanceof Error ? err.message : String(err), { file }, { cause: err });
}

/** Rows of ml.event in its column order (copyColumns(event)). */
async function* eventRows(id: string, list: EventList, pi: Float64Array | null, progress: Progress): AsyncGenerator<Row[]> {
  for (let start = 0; start < list.count; start += COPY_BATCH) {
    const end = Math.min(list.count, start + COPY_BATCH);
    const batch: Row[] = [];
    for (let i = start; i < end; i++) {
      const e = list.energyEv[i];
      const p = pi ? pi[i] : Number.NaN;
      batch.push([
        id, i, list.time[i], Number.isFinite(e) ? e : null, Number.isFinite(p) ? Math.round(p) : null,
        list.x && Number.isFinite(list.x[i]) ? list.x[i] : null, list.y && Number.isFinite(list.y[i]) ? list.y[i] : null, list.ccdId ? list.ccdId[i] : null,
      ]);
    }
    progress.advance(end - start);
    yield batch;
  }
}

/** Loads event files into the ml tables inside `tx` (the caller's transaction: any failure changes nothing). */
export async function loadEventFiles(tx: Queryable, files: ReadonlyArray<string>, enc: EventEncoder, opts: EventIngestOptions): Promise<EventFileReport[]> {
  await registerEncoderModel(tx, enc);
  const run = await beginEncoderRun(tx, enc, 'ingest', JSON.stringify(files.map((f) => basename(f))));
  const reports: EventFileReport[] = [];
  for (const file of files) {
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (err) {
      throw new IngestError('NO_FILE', 'file not found or not readable', { file }, { cause: err });
    }
    let list: EventList;
    let pi: Float64Array | null = null;
    let centroid: Centroid | null;
    try {
      list = readEventList(buf);
      // The event-list view has no PI (when ENERGY exists) nor the x/y WCS: read those from the same HDU.
      const hdu = readFits(buf).hdu(list.header.hduIndex);
      if (hdu.table?.hasColumn('pi')) pi = hdu.table.float64('pi');
      centroid = eventCentroid(hdu, list);
    } catch (err) {
      throw fitsProblem(file, err);
    }
    const sha = createHash('sha256').update(buf).digest('hex');
    const id = eventFileId(sha);
    const obsid = obsidOf(list);
    const hasObs = obsid !== null && (await tx.query('SELECT 1 FROM csc2.observation_source WHERE obsid = $1 LIMIT 1', [obsid])).rows.length > 0;
    let csc2Name: string | null = null;
    let csc2Sep: number | null = null;
    if (centroid && centroid.rRmsArcsec <= PER_SOURCE_MAX_RMS_ARCSEC) {
      const m = await tx.query(NEAREST_SOURCE_SQL, [centroid.ra, centroid.dec, SOURCE_MATCH_RADIUS_ARCSEC]);
      if (m.rows.length > 0) [csc2Name, csc2Sep] = [String(m.rows[0][0]), Number(m.rows[0][1])];
    }
    const h = list.header;
    const gtiTotal = list.gti.reduce((s, [a, b]) => s + (b - a), 0);
    const existed = (await tx.query('SELECT 1 FROM ml.event_file WHERE event_file_id = $1', [id])).rows.length > 0;
    const insert = insertRow(
      eventFile,
      {
        event_file_id: id, file_name: basename(file), sha256: sha, file_bytes: buf.length, obsid, object: h.object,
        telescope: h.telescope, instrument: h.instrument, detnam: h.detnam, datamode: h.dataMode, grating: h.grating,
        date_obs: h.dateObs, date_end: h.dateEnd, tstart: h.tstart, tstop: h.tstop, exposure: h.exposure, mjdref: h.mjdref,
        timezero: h.timezero, timesys: h.timesys, ra_nom: h.raNom, dec_nom: h.decNom, ra_centroid: centroid?.ra ?? null,
        dec_centroid: centroid?.dec ?? null, r_rms: centroid?.rRmsArcsec ?? null, n_events: list.count,
        energy_source: list.energySource, gti_total: gtiTotal, gti: list.gti.flat(), gti_source: list.gtiSource,
        has_csc2_observation: hasObs, csc2_name: csc2Name, csc2_separation: csc2Sep, warnings: JSON.stringify(list.warnings),
        ingested_at: nowUtc(), timedel: validFrameTime(h.timedel) || null,
      },
      // Same bytes, same rows: a re-ingest only refreshes the name it was given and the CSC2 links (the catalogue may have grown),
      // and fills timedel for files ingested before the column existed.
      'ON CONFLICT (event_file_id) DO UPDATE SET file_name = EXCLUDED.file_name, has_csc2_observation = EXCLUDED.has_csc2_observation, ' +
        'csc2_name = EXCLUDED.csc2_name, csc2_separation = EXCLUDED.csc2_separation, timedel = EXCLUDED.timedel',
    );
    await tx.query(insert.sql, insert.params);
    // The original file, served as the event list in FITS (DataLink); idempotent like the rows.
    await tx.query(
      'INSERT INTO xtap.event_file_bytes (event_file_id, file_name, bytes) VALUES ($1, $2, $3) ON CONFLICT (event_file_id) DO NOTHING',
      [id, basename(file), buf],
    );
    opts.progress.begin(`events ${basename(file)}`, existed ? 0 : list.count);
    if (!existed) {
      await tx.copyIn(sqlTableName(event), copyColumns(event), eventRows(id, list, pi, opts.progress));
    }
    opts.progress.end();
    let rep: { inserted: boolean; anomalyScore: number | null; inBand: number };
    try {
      rep = await writeRepresentation(tx, enc, run, id, list, validFrameTime(list.header.timedel));
    } catch (err) {
      if (err instanceof EventEncoderMismatchError) throw new IngestError('MODEL_MISMATCH', err.message, { file }, { cause: err });
      throw err;
    }
    for (const w of list.warnings) opts.log.warn({ file, warning: w }, 'event file warning');
    reports.push({
      file, eventFileId: id, events: list.count, inBand: rep.inBand, isNew: !existed, isEncoded: rep.inserted,
      anomalyScore: rep.anomalyScore, obsid, hasCsc2Observation: hasObs, csc2Name,
    });
  }
  await endRun(tx, run);
  return reports;
}

export interface ModelRunReport {
  modelId: string;
  modelVersion: string;
  runId: string | null;
  /** Event files that got a representation of this version (those that had one are left untouched). */
  added: number;
  skipped: number;
}

/** Runs the current encoder version over every stored event file that has no row of this version yet; rows of
 *  other versions are never touched. */
export async function runEncoderOverStoredFiles(tx: Queryable, enc: EventEncoder, opts: EventIngestOptions): Promise<ModelRunReport> {
  await registerEncoderModel(tx, enc);
  const todo = await tx.query(
    'SELECT f.event_file_id FROM ml.event_file f WHERE NOT EXISTS (SELECT 1 FROM ml.event_representation r ' +
      'WHERE r.event_file_id = f.event_file_id AND r.model_id = $1 AND r.model_version = $2) ORDER BY f.event_file_id',
    [enc.card.model_id, enc.card.version],
  );
  const total = Number((await tx.query('SELECT count(*) FROM ml.event_file')).rows[0]?.[0] ?? 0);
  const ids = todo.rows.map((r) => String(r[0]));
  const base = { modelId: enc.card.model_id, modelVersion: enc.card.version, skipped: total - ids.length };
  if (ids.length === 0) return { ...base, runId: null, added: 0 };
  const run = await beginEncoderRun(tx, enc, 'models-run', JSON.stringify({ table: 'ml.event', event_file_id: ids }));
  opts.progress.begin(`${enc.card.model_id} ${enc.card.version}`, ids.length);
  for (const id of ids) {
    const events = await loadStoredEvents(tx, id);
    const frame = await tx.query('SELECT timedel FROM ml.event_file WHERE event_file_id = $1', [id]);
    const timedel = frame.rows[0]?.[0];
    await writeRepresentation(tx, enc, run, id, events, validFrameTime(timedel === null || timedel === undefined ? null : Number(timedel)));
    opts.progress.advance(1);
  }
  opts.progress.end();
  await endRun(tx, run);
  return { ...base, runId: run.runId, added: run.rows };
}

/** The time (s) and energy (eV) of a stored event file, in file order, with the file's GTIs (the encoder's clock). */
export async function loadStoredEvents(db: Queryable, id: string): Promise<{ time: Float64Array; energyEv: Float32Array; gti: Array<[number, number]> }> {
  const g = await db.query('SELECT gti FROM ml.event_file WHERE event_file_id = $1', [id]);
  const flat = (Array.isArray(g.rows[0]?.[0]) ? (g.rows[0][0] as unknown[]) : []).map(Number);
  const gti: Array<[number, number]> = [];
  for (let k = 0; k + 1 < flat.length; k += 2) gti.push([flat[k], flat[k + 1]]);
  const r = await db.query('SELECT event_time, energy FROM ml.event WHERE event_file_id = $1 ORDER BY seq', [id]);
  const time = new Float64Array(r.rows.length);
  const energyEv = new Float32Array(r.rows.length);
  r.rows.forEach((row, i) => {
    time[i] = Number(row[0]);
    energyEv[i] = row[1] === null ? Number.NaN : Number(row[1]);
  });
  return { time, energyEv, gti };
}
