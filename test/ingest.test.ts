import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { IngestError, ingestCsc2, runSourceClassifier, silentProgress } from '../ingest/index.js';
import { MW_KEYS } from '../models/source-classifier/features.js';
import { prepareDatabase, readSampleManifest } from '../server/bootstrap.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const SAMPLE = join(process.cwd(), 'data', 'sample');
const TABLES = ['master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];
// Counted independently from the CSV files: NGC 3532 has 389 distinct sources/detections in one ObsID; IC 2395
// 102 sources each detected in two ObsIDs with pointings 2″ apart (one stack); the VOTable one more source.
const SAMPLE_COUNTS = { master_source: 492, stack_source: 491, observation_source: 593, master_stack_assoc: 491, stack_observation_assoc: 593 };

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await db.query(`SELECT count(*) FROM csc2.${t}`)).rows[0]?.[0]);
  return out;
}

describe.each(testDatabases())('CSC2 ingest on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  const { log, lines } = testLogger();
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-ingest-'));

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await prepareDatabase(db, { sampleDir: SAMPLE, loadSample: 'auto' }, log);
  });
  afterAll(async () => drop());

  it('loads the bundled sample at first start, every table of the hierarchy filled', async () => {
    expect(await counts(db)).toEqual(SAMPLE_COUNTS);
  });

  it('keeps the hierarchy consistent: every detection joins back to its master source', async () => {
    const r = await db.query(`
      SELECT count(*) FROM csc2.master_source m
      JOIN csc2.master_stack_assoc a ON a.name = m.name
      JOIN csc2.stack_source s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id
      JOIN csc2.stack_observation_assoc so ON so.detect_stack_id = s.detect_stack_id AND so.region_id = s.region_id
      JOIN csc2.observation_source o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id`);
    expect(r.rows[0]?.[0]).toBe(593n);
    const orphans = await db.query(`
      SELECT count(*) FROM csc2.observation_source o WHERE NOT EXISTS (
        SELECT 1 FROM csc2.stack_observation_assoc so WHERE so.obsid = o.obsid AND so.obi = o.obi AND so.region_id = o.region_id)`);
    expect(orphans.rows[0]?.[0]).toBe(0n);
  });

  it('stores converted values: sexagesimal positions, trimmed text, booleans, healpix index', async () => {
    const r = await db.queryObjects<Record<string, unknown>>(
      `SELECT name, ra, dec, likelihood_class, var_flag, hpx14, flux_aper90_b FROM csc2.master_source WHERE name = '2CXO J110507.4-585105'`,
    );
    expect(r).toHaveLength(1);
    const row = r[0] ?? {};
    expect(row.ra).toBeCloseTo((11 + 5 / 60 + 7.45 / 3600) * 15, 9);
    expect(row.dec).toBeCloseTo(-(58 + 51 / 60 + 5.47 / 3600), 9);
    expect(row.likelihood_class).toBe('TRUE');
    expect(row.var_flag).toBe(false);
    expect(row.flux_aper90_b).toBe(9.993e-16);
    expect(typeof row.hpx14).toBe('bigint');
    const obs = await db.queryObjects<Record<string, unknown>>(
      `SELECT obsid, datamode, ra_pnt, gti_obs, flux_aper90_b FROM csc2.observation_source WHERE obsid = 8941 AND region_id = 67`,
    );
    expect(obs).toEqual([{ obsid: 8941, datamode: 'VFAINT', ra_pnt: expect.closeTo((11 + 5 / 60 + 6.21 / 3600) * 15, 9), gti_obs: '2008-10-23T21:44:43', flux_aper90_b: 9.993e-16 }]);
    const vot = await db.queryObjects<Record<string, unknown>>(`SELECT name, significance FROM csc2.master_source WHERE name = '2CXO J004307.5-092302'`);
    expect(vot).toHaveLength(1);
  });

  it('is idempotent: loading the same files again leaves the same row counts', async () => {
    const manifest = readSampleManifest(SAMPLE);
    const reports = await ingestCsc2(db, { files: manifest.csc2.map((f) => join(SAMPLE, f)), table: 'auto', log, progress: silentProgress });
    expect(reports.map((r) => r.stored.master_source)).toEqual([0, 0, 0]);
    expect(await counts(db)).toEqual(SAMPLE_COUNTS);
  });

  it('a file with one corrupt row changes nothing and names the row and column', async () => {
    const text = readFileSync(join(SAMPLE, 'ngc3532_conesearch_per.csv'), 'utf8').split('\n');
    // row 200: a new source name (would be inserted) with a corrupt flux
    const cells = (text[200] ?? '').split(',');
    cells[1] = '2CXO J999999.9-999999';
    cells[17] = '9.9e-16x';
    text[200] = cells.join(',');
    const bad = join(tmp, 'corrupt.csv');
    writeFileSync(bad, text.join('\n'));
    const good = join(tmp, 'good.csv');
    copyFileSync(join(SAMPLE, 'ic2395_conesearch_per.csv'), good);
    const before = await counts(db);
    const err = await ingestCsc2(db, { files: [good, bad], table: 'auto', log, progress: silentProgress }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect(err).toMatchObject({ code: 'BAD_VALUE', file: bad, row: 200, column: 'flux_aper90_b' });
    expect((err as Error).message).toContain('"9.9e-16x" is not a number');
    expect(await counts(db)).toEqual(before);
  });

  it('a NUL byte in a value is refused with file, row and column, and changes nothing', async () => {
    const text = readFileSync(join(SAMPLE, 'ngc3532_conesearch_per.csv'), 'utf8').split('\n');
    const cells = (text[150] ?? '').split(',');
    cells[1] = '2CXO J999999.8-999999\u0000x';
    text[150] = cells.join(',');
    const bad = join(tmp, 'nul.csv');
    writeFileSync(bad, text.join('\n'));
    const before = await counts(db);
    const err = await ingestCsc2(db, { files: [bad], table: 'auto', log, progress: silentProgress }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_VALUE', file: bad, row: 150, column: 'name' });
    expect((err as Error).message).toMatch(/row 150, column name: the value contains a NUL byte \(U\+0000\) at character 22/);
    expect(await counts(db)).toEqual(before);
  });

  it('a key repeated inside one file with different values is an error and changes nothing; identical repeats are reported', async () => {
    const text = readFileSync(join(SAMPLE, 'ngc3532_conesearch_per.csv'), 'utf8').split('\n');
    const dup = join(tmp, 'dup.csv');
    const changed = (text[5] ?? '').split(',');
    changed[17] = '1.5e-15'; // flux_aper90_b
    writeFileSync(dup, [...text.slice(0, 11), changed.join(','), ...text.slice(11)].join('\n'));
    const before = await counts(db);
    const err = await ingestCsc2(db, { files: [dup], table: 'auto', log, progress: silentProgress }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DUPLICATE_KEY', file: dup, row: 11, column: 'flux_aper90_b' });
    // File, both rows, the column and both values.
    expect((err as Error).message).toMatch(
      /dup\.csv, row 11, column flux_aper90_b: "csc2"\."master_source" key name = 2CXO J\S+ occurs on rows 5 and 11 with different values: flux_aper90_b is "[-0-9.e]+" on row 5 and "1\.5e-15" on row 11; a file must hold each record once/,
    );
    expect(await counts(db)).toEqual(before);

    writeFileSync(dup, [...text.slice(0, 11), text[5], ...text.slice(11)].join('\n'));
    const again = await ingestCsc2(db, { files: [dup], table: 'auto', log, progress: silentProgress }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'DUPLICATE_KEY', file: dup, row: 11 });
    expect((again as Error).message).toMatch(/occurs again \(first at row 5\) on an identical line; a file must hold each record once/);
    expect(await counts(db)).toEqual(before);

    // The same source found by two search positions (rows differing only in usrid, as CSC cone searches write):
    // stored once and reported.
    const header = (text[0] ?? '').split(',');
    const usrid = header.indexOf('usrid');
    const other = (text[5] ?? '').split(',');
    other[usrid] = '999';
    writeFileSync(dup, [...text.slice(0, 11), other.join(','), ...text.slice(11)].join('\n'));
    const [report] = await ingestCsc2(db, { files: [dup], table: 'auto', log, progress: silentProgress });
    expect(report?.warnings.join('\n')).toMatch(/1 "csc2"."observation_source" key\(s\) occur on more than one row with identical values and were stored once \(e.g. .*rows 5 and 11\)/);
    expect(await counts(db)).toEqual(before);

    const m = join(tmp, 'm-dup.csv');
    writeFileSync(m, 'name,ra,dec,significance\n2CXO J000003.0+000001,0.01,0.0003,5.5\n2CXO J000004.0+000001,0.02,0.0003,5\n2CXO J000003.0+000001,0.01,0.0003,6\n');
    await expect(ingestCsc2(db, { files: [m], table: 'master_source', log, progress: silentProgress })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
      row: 3,
      column: 'significance',
      message: expect.stringContaining('"csc2"."master_source" key name = 2CXO J000003.0+000001 occurs on rows 1 and 3 with different values: significance is "5.5" on row 1 and "6" on row 3'),
    });
    expect(await counts(db)).toEqual(before);
  });

  it('rejects columns foreign to an explicitly named table', async () => {
    const f = join(tmp, 'master.csv');
    writeFileSync(f, 'name,ra,dec,obi\n2CXO J000000.0+000000,1,2,3\n');
    await expect(ingestCsc2(db, { files: [f], table: 'master_source', log, progress: silentProgress })).rejects.toMatchObject({
      code: 'UNKNOWN_COLUMN',
      column: 'obi',
    });
  });

  it('loads a master-only file with --table master_source and reports range errors', async () => {
    const f = join(tmp, 'm.csv');
    writeFileSync(f, 'name,ra,dec,significance\n2CXO J000001.0+000001,0.004,0.0003,5.5\n');
    await ingestCsc2(db, { files: [f], table: 'master_source', log, progress: silentProgress });
    const r = await db.query(`SELECT significance FROM csc2.master_source WHERE name = '2CXO J000001.0+000001'`);
    expect(r.rows).toEqual([[5.5]]);
    writeFileSync(f, 'name,ra,dec\n2CXO J000002.0+000001,361,0\n');
    await expect(ingestCsc2(db, { files: [f], table: 'master_source', log, progress: silentProgress })).rejects.toMatchObject({
      code: 'BAD_VALUE', row: 1, column: 'ra',
    });
    await db.exec(`DELETE FROM ml.source_class WHERE name = '2CXO J000001.0+000001'`);
    await db.exec(`DELETE FROM csc2.master_source WHERE name = '2CXO J000001.0+000001'`);
  });

  it('loads the sample counterparts (Gaia G, 2MASS J, WISE W1) for the NGC 3532 sources', async () => {
    const r = await db.query(`SELECT count(*), count(gmag), count(jmag), count(w1mag), count(bpmag) FROM ml.mw_counterpart`);
    // 373 MUWCLASS rows, all of them CSC2 sources of the NGC 3532 file; the file has no BP magnitudes
    expect(r.rows[0]?.[0]).toBe(373n);
    expect(Number(r.rows[0]?.[1])).toBeGreaterThan(100);
    expect(r.rows[0]?.[4]).toBe(0n);
    const one = await db.queryObjects<{ gmag: number; jmag: number }>(`SELECT gmag, jmag FROM ml.mw_counterpart WHERE name = '2CXO J110355.5-584754'`);
    expect(one).toEqual([{ gmag: 10.676302, jmag: 10.019000053405762 }]);
  });

  it('classifies every master source on ingest, with probabilities summing to 1 and provenance', async () => {
    const r = await db.queryObjects<{ n: bigint; bad: bigint; mw: bigint; runs: bigint }>(`
      SELECT count(*) AS n,
             count(*) FILTER (WHERE abs(p_agn + p_cv + p_hm_star + p_lm_star + p_hmxb + p_lmxb + p_ns + p_yso - 1) > 1e-6) AS bad,
             count(*) FILTER (WHERE feature_set = 'xray+mw') AS mw,
             count(DISTINCT run_id) AS runs
      FROM ml.source_class WHERE model_id = 'source-classifier'`);
    expect(r[0]?.n).toBe(492n);
    expect(r[0]?.bad).toBe(0n);
    // every NGC 3532 source with counterpart photometry is classified by the X-ray+MW network; all-NULL rows
    // ("cross-matched, nothing found") are missing photometry, classified from the X-ray features alone
    const withMw = await db.query(
      `SELECT count(DISTINCT name) FROM ml.mw_counterpart WHERE num_nonnulls(${MW_KEYS.map((k) => `"${k}"`).join(', ')}) > 0`,
    );
    expect(Number(withMw.rows[0]?.[0])).toBeLessThan(373);
    expect(r[0]?.mw).toBe(withMw.rows[0]?.[0]);
    const run = await db.queryObjects<{ model_id: string; activity: string; n_rows: bigint }>(
      `SELECT r.model_id, r.activity, r.n_rows FROM ml.inference_run r JOIN ml.source_class s ON s.run_id = r.run_id WHERE s.name = '2CXO J110507.4-585105'`,
    );
    expect(run).toHaveLength(1);
    expect(run[0]).toMatchObject({ model_id: 'source-classifier', activity: 'ingest' });
    const model = await db.query(`SELECT version, onnx_sha256 FROM ml.model WHERE model_id = 'source-classifier'`);
    expect(model.rows).toHaveLength(1);
    expect(String(model.rows[0]?.[1])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a classifier whose model does not match its card fails the ingest and changes nothing', async () => {
    const dir = join(tmp, 'bad-model');
    cpSync(join(process.cwd(), 'models', 'source-classifier'), dir, { recursive: true });
    const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as { inputs: Array<{ name: string }> };
    const first = card.inputs[0];
    if (first) first.name = 'not_the_input';
    writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
    const f = join(tmp, 'one.csv');
    writeFileSync(f, 'name,ra,dec,flux_aper90_b\n2CXO J000003.0+000001,0.0125,0.0003,1e-14\n');
    const before = await counts(db);
    const classes = (await db.query('SELECT count(*) FROM ml.source_class')).rows[0]?.[0];
    await expect(ingestCsc2(db, { files: [f], table: 'master_source', log, progress: silentProgress, modelDir: dir })).rejects.toMatchObject({
      name: 'IngestError', code: 'MODEL_MISMATCH',
    });
    expect(await counts(db)).toEqual(before);
    expect((await db.query('SELECT count(*) FROM ml.source_class')).rows[0]?.[0]).toBe(classes);
  });

  it('models run with a new model version adds rows for it and keeps the old version', async () => {
    const dir = join(tmp, 'v2-model');
    cpSync(join(process.cwd(), 'models', 'source-classifier'), dir, { recursive: true });
    const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as { version: string };
    const oldVersion = card.version;
    card.version = `${oldVersion}-test2`;
    writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
    const added = await runSourceClassifier(db, { log, progress: silentProgress, modelDir: dir, mcDraws: 4 });
    expect(added).toBe(492);
    const byVersion = await db.query(`SELECT model_version, count(*) FROM ml.source_class GROUP BY 1 ORDER BY 1`);
    expect(byVersion.rows).toEqual([[oldVersion, 492n], [`${oldVersion}-test2`, 492n]]);
    expect(await runSourceClassifier(db, { log, progress: silentProgress, modelDir: dir, mcDraws: 4 })).toBe(0);
    // the run also re-estimated the field priors for the new version (ml/prior-shift); they go with its rows
    const fields = await db.query(`SELECT count(*) FROM ml.field_class_prior WHERE model_version = '${oldVersion}-test2'`);
    expect(fields.rows[0]?.[0]).toBe(3n);
    for (const table of ['source_class_field_prior', 'field_class_prior', 'source_class']) {
      await db.exec(`DELETE FROM ml.${table} WHERE model_version = '${oldVersion}-test2'`);
    }
  });

  it('logs what it skipped and derived', () => {
    const warnings = lines().filter((l) => l.level === 40 || l.level === 'warn').map((l) => String(l.msg));
    const derived = warnings.map((w) => /derived (\d+) stack detection\(s\) from observation pointings/.exec(w)?.[1]).filter(Boolean);
    expect(new Set(derived)).toEqual(new Set(['389', '102']));
    expect(warnings.some((w) => w.includes('csc2.observation_source column(s) obsid'))).toBe(true);
  });
});
