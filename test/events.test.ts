/** Event-file ingest end to end on each backend: the bundled sample loaded by prepareDatabase, row counts, maps,
 *  embeddings, provenance, idempotency, corrupt files and model/card mismatches changing nothing, `models run`
 *  adding a version, TAP_SCHEMA metadata, ml.embedding_distance and the DataLink rows of event files. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { readEventList } from '../fits/index.js';
import { IngestError, ingestEvents, runEventEncoder, silentProgress } from '../ingest/index.js';
import { dedtMap, etMap } from '../ml/representations/index.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { linksFor } from '../server/datalink/links.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const SAMPLE = join(process.cwd(), 'data', 'sample');
const MODEL_DIR = join(process.cwd(), 'models', 'event-encoder');
const FILES = ['stingray_chandra_test.fits', 'stingray_chandra_noener_test.fits', 'astropy_chandra_time.fits'];
// From shared/data/events/EVENTS_INFO.md (sha256 of the files, rows of the EVENTS HDUs).
const IDS = { stingray: '9d2b1cb26d5d53a6', noener: '000eb7727e3e6d68', astropy: 'dac07f9c06f24b75' };
const N_EVENTS = 4612 + 4612 + 2;

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['event_file', 'event', 'event_representation']) out[t] = Number((await db.query(`SELECT count(*) FROM ml.${t}`)).rows[0]?.[0]);
  // Other models (the source classifier) share ml.model and ml.inference_run: count the encoder's rows only.
  out.model = Number((await db.query("SELECT count(*) FROM ml.model WHERE model_id = 'event-encoder'")).rows[0]?.[0]);
  out.inference_run = Number((await db.query("SELECT count(*) FROM ml.inference_run WHERE model_id = 'event-encoder'")).rows[0]?.[0]);
  return out;
}

/** A copy of a real file with different bytes (OBJECT renamed in the EVENTS header), so it is a new event file. */
function variantFile(dir: string): string {
  const buf = Buffer.from(readFileSync(join(SAMPLE, FILES[0])));
  const at = buf.indexOf("OBJECT  = 'M82", 2880);
  buf.write("OBJECT  = 'M83", at, 'latin1');
  const out = join(dir, 'variant.fits');
  writeFileSync(out, buf);
  return out;
}

function modelDirWithCard(dir: string, edit: (card: Record<string, unknown>) => void): string {
  copyFileSync(join(MODEL_DIR, 'model.onnx'), join(dir, 'model.onnx'));
  const card = JSON.parse(readFileSync(join(MODEL_DIR, 'card.json'), 'utf8')) as Record<string, unknown>;
  edit(card);
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 2));
  return dir;
}

describe.each(testDatabases())('event files on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  const { log } = testLogger();
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-events-'));
  const card = JSON.parse(readFileSync(join(MODEL_DIR, 'card.json'), 'utf8')) as { version: string; model_sha256: string; embedding_dim: number };

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await prepareDatabase(db, { sampleDir: SAMPLE, loadSample: 'auto' }, log);
  });
  afterAll(async () => drop());

  it('loads the three sample event files at first start, with one model card and one provenance run', async () => {
    expect(await counts(db)).toEqual({ event_file: 3, event: N_EVENTS, event_representation: 3, model: 1, inference_run: 1 });
    const files = await db.queryObjects<Record<string, unknown>>('SELECT event_file_id, file_name, n_events, obsid, energy_source FROM ml.event_file ORDER BY file_name');
    expect(files).toEqual([
      { event_file_id: IDS.astropy, file_name: FILES[2], n_events: 2n, obsid: 18059, energy_source: 'energy' },
      { event_file_id: IDS.noener, file_name: FILES[1], n_events: 4612n, obsid: 10027, energy_source: 'pi' },
      { event_file_id: IDS.stingray, file_name: FILES[0], n_events: 4612n, obsid: 10027, energy_source: 'energy' },
    ]);
    const run = await db.queryObjects<Record<string, unknown>>("SELECT model_id, model_version, activity, n_rows FROM ml.inference_run WHERE model_id = 'event-encoder'");
    expect(run).toEqual([{ model_id: 'event-encoder', model_version: card.version, activity: 'ingest', n_rows: 3n }]);
    const model = await db.queryObjects<Record<string, unknown>>("SELECT version, onnx_sha256, card FROM ml.model WHERE model_id = 'event-encoder'");
    expect(model[0]?.version).toBe(card.version);
    // ml.model.metrics carries the published anomaly threshold and its test false-positive rate.
    const metrics = await db.queryObjects<Record<string, unknown>>("SELECT metrics FROM ml.model WHERE model_id = 'event-encoder'");
    const m = (typeof metrics[0]?.metrics === 'string' ? JSON.parse(metrics[0].metrics) : metrics[0]?.metrics) as Record<string, unknown>;
    expect(m.threshold).toBe((JSON.parse(readFileSync(join(MODEL_DIR, 'card.json'), 'utf8')) as { anomaly_threshold: number }).anomaly_threshold);
    expect(Number(m.steady_fpr_at_threshold)).toBeLessThanOrEqual(0.05);
    expect(model[0]?.onnx_sha256).toBe(card.model_sha256);
    expect(JSON.parse(String(model[0]?.card)).model_sha256).toBe(card.model_sha256);
  });

  it('stores the observation keywords with their units: MET seconds, TT, MJDREF, nominal pointing, GTIs', async () => {
    const [f] = await db.queryObjects<Record<string, unknown>>(
      `SELECT object, instrument, detnam, datamode, tstart, tstop, exposure, mjdref, timesys, ra_nom, dec_nom, gti, gti_total, gti_source,
              has_csc2_observation, csc2_name, sha256 FROM ml.event_file WHERE event_file_id = '${IDS.stingray}'`,
    );
    expect(f).toMatchObject({ object: 'M82', instrument: 'ACIS', detnam: 'ACIS-7', datamode: 'FAINT', timesys: 'TT', mjdref: 50814, has_csc2_observation: false, csc2_name: null });
    expect(f.tstart).toBeCloseTo(339468247.43077, 4);
    expect(f.tstop).toBeCloseTo(339489554.61932, 4);
    expect(f.exposure).toBeCloseTo(18279.338652893, 6);
    expect(f.ra_nom).toBeCloseTo(149.09885492322, 9);
    expect(f.dec_nom).toBeCloseTo(69.715351594383, 9);
    expect((f.gti as number[]).length).toBe(2);
    expect((f.gti as number[])[0]).toBeCloseTo(339469168.431, 2);
    expect(f.gti_total).toBeCloseTo(945.3, 1);
    expect(f.sha256).toBe('9d2b1cb26d5d53a68a6e6dc5df005ab924e4dccb239cc3d2343b18750ab399b9');
  });

  it('stores every event: times, energies, PI channels and positions as in the file', async () => {
    const list = readEventList(new Uint8Array(readFileSync(join(SAMPLE, FILES[0]))));
    const r = await db.queryObjects<Record<string, unknown>>(
      `SELECT count(*) AS n, min(event_time) AS t0, max(event_time) AS t1, sum(energy) AS e, min(pi_channel) AS pimin, max(pi_channel) AS pimax,
              min(ccd_id) AS ccd FROM ml.event WHERE event_file_id = '${IDS.stingray}'`,
    );
    expect(r[0]).toMatchObject({ n: 4612n, pimin: 12, pimax: 1024, ccd: 7 });
    expect(r[0].t0).toBeCloseTo(339469168.620935, 5);
    expect(r[0].t1).toBeCloseTo(339470113.767191, 5);
    expect(Number(r[0].e) / list.energyEv.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const first = await db.queryObjects<Record<string, unknown>>(`SELECT event_time, energy, x, y FROM ml.event WHERE event_file_id = '${IDS.stingray}' AND seq = 0`);
    expect(first[0].event_time).toBe(list.time[0]);
    expect(Math.fround(Number(first[0].energy))).toBe(list.energyEv[0]); // real: PostgreSQL prints the shortest float4 text
    expect(Math.fround(Number(first[0].x))).toBe(list.x?.[0]);
  });

  it('stores maps and embeddings: E–t counts sum to the in-band events, dEdT fractions to 1, 16-d embeddings', async () => {
    const reps = await db.queryObjects<Record<string, unknown>>(
      'SELECT event_file_id, n_events_in_band, et_map, dedt_map, embedding, anomaly_score, p_steady, p_flare, p_dip, p_periodic, is_in_training_domain, run_id, dedt_method FROM ml.event_representation ORDER BY event_file_id',
    );
    expect(reps.map((r) => r.event_file_id)).toEqual([IDS.noener, IDS.stingray, IDS.astropy]);
    const sum = (a: unknown) => (a as number[]).reduce((s, v) => s + v, 0);
    for (const r of reps) {
      expect((r.et_map as number[]).length).toBe(384);
      expect((r.dedt_map as number[]).length).toBe(384);
      expect(sum(r.et_map)).toBe(Number(r.n_events_in_band));
      expect((r.embedding as number[]).length).toBe(card.embedding_dim);
      expect(Number(r.anomaly_score)).toBeCloseTo(1 - Number(r.p_steady), 6);
      expect(Number(r.p_steady) + Number(r.p_flare) + Number(r.p_dip) + Number(r.p_periodic)).toBeCloseTo(1, 5);
    }
    const [noener, stingray, astropy] = reps;
    expect(stingray.n_events_in_band).toBe(3820n);
    expect(sum(stingray.dedt_map)).toBeCloseTo(1, 4);
    expect(stingray.dedt_method).toBe('exact');
    // The dEdT map of an ingested file uses its TIMEDEL (0.44104 s) as the frame time.
    const m82 = readEventList(new Uint8Array(readFileSync(join(SAMPLE, FILES[0]))));
    const want = dedtMap(m82, { frameTime: m82.header.timedel ?? 0 }).data;
    (stingray.dedt_map as number[]).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    expect(stingray.is_in_training_domain).toBe(true);
    expect(astropy.n_events_in_band).toBe(1n); // 5.9 keV in band, 7.8 keV above it
    expect(sum(astropy.dedt_map)).toBe(0);
    expect(astropy.is_in_training_domain).toBe(false);
    expect(noener.run_id).toBe(stingray.run_id);
    const list = readEventList(new Uint8Array(readFileSync(join(SAMPLE, FILES[0]))));
    expect(stingray.et_map).toEqual(Array.from(etMap(list, { normalize: 'none' }).counts));
  });

  it('ml.embedding_distance: 0 for a file with itself, symmetric, NULL for different lengths', async () => {
    const r = await db.queryObjects<Record<string, unknown>>(
      `SELECT ml.embedding_distance(a.embedding, a.embedding) AS self, ml.embedding_distance(a.embedding, b.embedding) AS ab,
              ml.embedding_distance(b.embedding, a.embedding) AS ba, ml.embedding_distance(a.embedding, ARRAY[1, 2]::real[]) AS bad
       FROM ml.event_representation a, ml.event_representation b WHERE a.event_file_id = '${IDS.stingray}' AND b.event_file_id = '${IDS.astropy}'`,
    );
    expect(r[0].self).toBe(0);
    expect(Number(r[0].ab)).toBeGreaterThan(0);
    expect(r[0].ab).toBeCloseTo(Number(r[0].ba), 10);
    expect(r[0].bad).toBeNull();
    const nearest = await db.queryObjects<Record<string, unknown>>(
      `SELECT b.event_file_id FROM ml.event_representation a JOIN ml.event_representation b ON b.event_file_id <> a.event_file_id
       WHERE a.event_file_id = '${IDS.stingray}' ORDER BY ml.embedding_distance(a.embedding, b.embedding) LIMIT 1`,
    );
    // The same observation with PI-derived energies is the most similar file.
    expect(nearest[0].event_file_id).toBe(IDS.noener);
  });

  it('publishes the tables in TAP_SCHEMA with arraysize, xtype, units and UCDs from the metadata', async () => {
    const r = await db.queryObjects<Record<string, unknown>>(
      "SELECT column_name, arraysize, xtype, unit, ucd FROM tap_schema.columns WHERE table_name = 'ml.event_representation' AND column_name IN ('et_map', 'dedt_map', 'embedding') ORDER BY column_name",
    );
    expect(r).toEqual([
      { column_name: 'dedt_map', arraysize: '16x24', xtype: 'ml:dedt', unit: null, ucd: 'stat.value;src.var' },
      { column_name: 'embedding', arraysize: '16', xtype: 'ml:embedding', unit: null, ucd: 'src.var;stat.fit.param' },
      { column_name: 'et_map', arraysize: '16x24', xtype: 'ml:etmap', unit: 'ct', ucd: 'phot.count;em.energy' },
    ]);
    const t = await db.query("SELECT count(*) FROM tap_schema.columns WHERE table_name = 'ml.event'");
    expect(t.rows[0]?.[0]).toBe(8n);
  });

  it('is idempotent: re-ingesting the same files adds nothing (same event_file_id, no new run)', async () => {
    const before = await counts(db);
    const reports = await ingestEvents(db, { files: FILES.map((f) => join(SAMPLE, f)), log, progress: silentProgress });
    expect(reports.map((r) => [r.eventFileId, r.isNew, r.isEncoded])).toEqual([
      [IDS.stingray, false, false],
      [IDS.noener, false, false],
      [IDS.astropy, false, false],
    ]);
    expect(await counts(db)).toEqual(before);
  });

  it('a corrupt FITS file fails loudly with its name and changes nothing, even after a good file in the same call', async () => {
    const before = await counts(db);
    const good = variantFile(tmp);
    const bad = join(tmp, 'truncated.fits');
    writeFileSync(bad, readFileSync(join(SAMPLE, FILES[0])).subarray(0, 100_000)); // header intact, event data cut
    const err = await ingestEvents(db, { files: [good, bad], log, progress: silentProgress }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe('BAD_FITS');
    expect((err as IngestError).file).toBe(bad);
    expect((err as IngestError).message).toMatch(/TRUNCATED_DATA/);
    expect(await counts(db)).toEqual(before);
  });

  it('a model that does not match its card fails before anything is written', async () => {
    const before = await counts(db);
    const dir = modelDirWithCard(mkdtempSync(join(tmpdir(), 'xtap-badcard-')), (c) => (c.embedding_dim = 8));
    const err = await ingestEvents(db, { files: [variantFile(tmp)], log, progress: silentProgress, modelDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe('MODEL_MISMATCH');
    expect((err as IngestError).message).toMatch(/card\.json/);
    expect(await counts(db)).toEqual(before);
  });

  it('models run adds rows of a new version and leaves the old version untouched; a second run adds nothing', async () => {
    const old = await db.queryObjects<Record<string, unknown>>('SELECT event_file_id, run_id, embedding, anomaly_score FROM ml.event_representation ORDER BY event_file_id');
    const next = `${card.version}-test`; // sorts after card.version
    const dir = modelDirWithCard(mkdtempSync(join(tmpdir(), 'xtap-v2-')), (c) => (c.version = next));
    const r = await runEventEncoder(db, { log, progress: silentProgress, modelDir: dir });
    expect(r).toMatchObject({ modelId: 'event-encoder', modelVersion: next, added: 3, skipped: 0 });
    const versions = await db.queryObjects<Record<string, unknown>>('SELECT model_version, count(*) AS n FROM ml.event_representation GROUP BY model_version ORDER BY model_version');
    expect(versions).toEqual([
      { model_version: card.version, n: 3n },
      { model_version: next, n: 3n },
    ]);
    const still = await db.queryObjects<Record<string, unknown>>(`SELECT event_file_id, run_id, embedding, anomaly_score FROM ml.event_representation WHERE model_version = '${card.version}' ORDER BY event_file_id`);
    expect(still).toEqual(old);
    // Same weights, events read back from ml.event: the same embeddings as at ingest.
    const cmp = await db.queryObjects<Record<string, unknown>>(
      `SELECT max(ml.embedding_distance(a.embedding, b.embedding)) AS d FROM ml.event_representation a JOIN ml.event_representation b
       ON a.event_file_id = b.event_file_id AND a.model_version = '${card.version}' AND b.model_version = '${next}'`,
    );
    expect(Number(cmp[0].d)).toBeLessThan(1e-5);
    const run = await db.queryObjects<Record<string, unknown>>(`SELECT activity, n_rows FROM ml.inference_run WHERE run_id = '${r.runId}'`);
    expect(run).toEqual([{ activity: 'models-run', n_rows: 3n }]);
    const again = await runEventEncoder(db, { log, progress: silentProgress, modelDir: dir });
    expect(again).toMatchObject({ added: 0, skipped: 3, runId: null });
  });

  it('DataLink: an event_file_id gets #this, light curve, spectrum and preview rows; a matched source gets the event list as #progenitor', async () => {
    const ctx = { db, baseUrl: 'http://xtap.test' };
    const rows = await linksFor([IDS.stingray, 'no-such-id'], ctx);
    const mine = rows.filter((r) => r.id === IDS.stingray);
    expect(mine.map((r) => r.localSemantics)).toEqual(['event-list', 'event-list-fits', 'light-curve', 'light-curve', 'light-curve', 'spectrum', 'spectrum', 'et-map', 'dedt-map', 'ml-representation']);
    expect(mine.filter((r) => r.contentType === 'application/fits').map((r) => r.localSemantics)).toEqual(['event-list-fits', 'light-curve', 'spectrum']);
    expect(mine[0].semantics).toBe('http://www.ivoa.net/rdf/datalink/core#this');
    expect(mine.find((r) => r.localSemantics === 'et-map')?.accessUrl).toBe(`http://xtap.test/tap/products/etmap.png?event_file=${IDS.stingray}`);
    expect(mine.every((r) => r.accessUrl && !r.errorMessage)).toBe(true);
    expect(rows.find((r) => r.id === 'no-such-id')?.errorMessage).toMatch(/^NotFoundFault/);
    // Pretend the file were a per-source list of a sample source: the source then links to it.
    const src = String((await db.query('SELECT name FROM csc2.master_source ORDER BY name LIMIT 1')).rows[0]?.[0]);
    await db.query('UPDATE ml.event_file SET csc2_name = $1 WHERE event_file_id = $2', [src, IDS.astropy]);
    try {
      const srcRows = await linksFor([src], ctx);
      const ev = srcRows.filter((r) => r.localSemantics === 'event-list');
      expect(ev).toHaveLength(1);
      expect(ev[0].semantics).toBe('http://www.ivoa.net/rdf/datalink/core#progenitor');
      expect(ev[0].accessUrl).toContain(IDS.astropy);
    } finally {
      await db.query('UPDATE ml.event_file SET csc2_name = NULL WHERE event_file_id = $1', [IDS.astropy]);
    }
  });
});
