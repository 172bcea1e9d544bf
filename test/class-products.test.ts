/** Classification products users can check, through the real app on the bundled sample: the comparison of xtap's
 *  classes with MUWCLASS's published classification of NGC 3532 (ml.published_class, view ml.class_comparison) and
 *  the per-field prior-shift correction (ml.field_class_prior, ml.source_class_field_prior), queried by ADQL over
 *  /tap/sync; bad inputs refused with clear errors and nothing changed. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/program.js';
import { IngestError, ingestCsc2, ingestPublishedClasses, runFieldPriors, silentProgress } from '../ingest/index.js';
import { estimateFieldPriors } from '../ml/prior-shift.js';
import { MIN_FIELD_SOURCES, SOURCE_CLASSES, classColumnStem } from '../schema/ml/index.js';
import { adjustFieldPriors } from '../ingest/ml/field-prior.js';
import { parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const SAMPLE = join(process.cwd(), 'data', 'sample');
const CARD = JSON.parse(readFileSync(join(process.cwd(), 'models', 'source-classifier', 'card.json'), 'utf8')) as { version: string; training: { class_prior: number[] } };
const STEMS = SOURCE_CLASSES.map(classColumnStem);

describe.each(testDatabases())('classification products on $name', (backend) => {
  let t: TestApp;
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-clfprod-'));
  const log = testLogger().log;

  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  async function adql(query: string): Promise<{ fields: string[]; rows: unknown[][] }> {
    const res = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: query, MAXREC: '100000' });
    expect(res.status, res.text).toBe(200);
    const [table] = parseVotable(res.text);
    return { fields: table.fields.map((f) => f.name), rows: table.rows };
  }

  async function counts(): Promise<number[]> {
    const r = await t.db.query(
      'SELECT (SELECT count(*) FROM csc2.master_source), (SELECT count(*) FROM ml.published_class), (SELECT count(*) FROM ml.source_class), ' +
        '(SELECT count(*) FROM ml.field_class_prior), (SELECT count(*) FROM ml.source_class_field_prior), (SELECT count(*) FROM ml.inference_run)',
    );
    return (r.rows[0] ?? []).map(Number);
  }

  it("puts xtap's class next to MUWCLASS's published class for every NGC 3532 source both classified", async () => {
    const { fields, rows } = await adql('SELECT name, reference, model_version, xtap_class, xtap_prob, published_class, published_prob, published_ct, published_confident, agree FROM ml.class_comparison ORDER BY name');
    expect(fields).toEqual(['name', 'reference', 'model_version', 'xtap_class', 'xtap_prob', 'published_class', 'published_prob', 'published_ct', 'published_confident', 'agree']);
    // 373 published rows, 2 of them MUWCLASS training sources without a class; all 371 others are in the mirror
    expect(rows).toHaveLength(371);
    for (const [name, reference, version, xtap, , published, , ct, confident, agree] of rows) {
      expect(String(name)).toMatch(/^2CXO J\d{6}\.\d[+-]\d{6}X?$/);
      expect([reference, version]).toEqual(['2022ApJ...941..104Y', CARD.version]);
      expect(SOURCE_CLASSES).toContain(xtap);
      expect(SOURCE_CLASSES).toContain(published);
      expect(Number(agree)).toBe(xtap === published ? 1 : 0);
      expect(Number(confident)).toBe(Number(ct) >= 2 ? 1 : 0);
    }
    const untouched = await t.db.query("SELECT count(*) FROM ml.published_class WHERE published_class IS NULL AND true_class = 'LM-STAR'");
    expect(untouched.rows[0]?.[0]).toBe(2n);
  });

  it('gives the agreement figures by one ADQL query, consistent with the rows', async () => {
    const { rows } = await adql(
      'SELECT model_version, published_confident, COUNT(*) AS n, SUM(agree) AS n_agree, AVG(agree) AS agreement FROM ml.class_comparison GROUP BY model_version, published_confident ORDER BY published_confident',
    );
    expect(rows).toHaveLength(2);
    const all = (await adql('SELECT agree, published_ct FROM ml.class_comparison')).rows;
    for (const [, confident, n, nAgree, agreement] of rows) {
      const subset = all.filter((r) => (Number(r[1]) >= 2 ? 1 : 0) === Number(confident));
      expect(Number(n)).toBe(subset.length);
      expect(Number(nAgree)).toBe(subset.filter((r) => Number(r[0]) === 1).length);
      expect(Number(agreement)).toBeCloseTo(Number(nAgree) / Number(n), 9);
    }
  });

  it('publishes the new tables and the view in TAP_SCHEMA with units, UCDs and descriptions', async () => {
    const tables = await adql("SELECT table_name, table_type FROM TAP_SCHEMA.tables WHERE table_name IN ('ml.published_class', 'ml.class_comparison', 'ml.field_class_prior', 'ml.source_class_field_prior') ORDER BY table_name");
    expect(tables.rows).toEqual([['ml.class_comparison', 'view'], ['ml.field_class_prior', 'table'], ['ml.published_class', 'table'], ['ml.source_class_field_prior', 'table']]);
    const cols = await adql("SELECT column_name, ucd, description, datatype FROM TAP_SCHEMA.columns WHERE table_name = 'ml.class_comparison'");
    expect(cols.rows).toHaveLength(14);
    for (const [name, ucd, description] of cols.rows) {
      expect(String(ucd), String(name)).not.toBe('');
      expect(String(description).length, String(name)).toBeGreaterThan(10);
    }
    // the view's PostgreSQL column types are the declared ones (smallint for short, double precision for double)
    const types = await t.db.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'ml' AND table_name = 'class_comparison' AND column_name IN ('agree', 'published_confident', 'xtap_prob', 'xtap_is_confident') ORDER BY column_name");
    expect(types.rows).toEqual([['agree', 'smallint'], ['published_confident', 'smallint'], ['xtap_is_confident', 'boolean'], ['xtap_prob', 'double precision']]);
  });

  it('estimates field priors per ObsID that sum to 1, with adjusted probabilities and provenance', async () => {
    const priorSum = STEMS.map((s) => `prior_${s}`).join(' + ');
    const { rows } = await adql(
      `SELECT f.field_id, f.obsid, f.n_sources, f.status, f.converged, f.likelihood_ratio, ${priorSum} AS prior_sum, r.model_version, r.agent, r.parameters ` +
        'FROM ml.field_class_prior AS f JOIN ml.inference_run AS r ON r.run_id = f.run_id ORDER BY f.obsid',
    );
    expect(rows.map((r) => [r[0], Number(r[1]), Number(r[2]), r[3]])).toEqual([
      ['obsid:8941', 8941, 389, 'adjusted'],
      ['obsid:21137', 21137, 102, 'adjusted'],
      ['obsid:24613', 24613, 102, 'adjusted'],
    ]);
    for (const [, , , , converged, lr, sum, version, agent, parameters] of rows) {
      expect(converged).toBe(true);
      expect(Number(lr)).toBeGreaterThanOrEqual(0);
      expect(Number(sum)).toBeCloseTo(1, 9);
      expect(version).toBe(CARD.version);
      expect(String(agent)).toContain('em-prior-shift');
      expect(JSON.parse(String(parameters))).toMatchObject({ method: 'em-prior-shift', field: 'obsid', trainingPrior: CARD.training.class_prior });
    }
    const perSource = await adql(
      `SELECT a.field_id, COUNT(*) AS n, MIN(${STEMS.map((s) => `p_adj_${s}`).join(' + ')}) AS lo, MAX(${STEMS.map((s) => `p_adj_${s}`).join(' + ')}) AS hi ` +
        'FROM ml.source_class_field_prior AS a GROUP BY a.field_id ORDER BY a.field_id',
    );
    expect(perSource.rows.map((r) => [r[0], Number(r[1])])).toEqual([['obsid:21137', 102], ['obsid:24613', 102], ['obsid:8941', 389]]);
    for (const r of perSource.rows) {
      expect(Number(r[2])).toBeCloseTo(1, 9);
      expect(Number(r[3])).toBeCloseTo(1, 9);
    }
  });

  it('stores exactly what the EM module gives on the field\'s own ml.source_class rows, and never changes those', async () => {
    const p = STEMS.map((s) => `c.p_${s}`).join(', ');
    const src = await t.db.query(
      `SELECT c.name, ${p} FROM ml.source_class c WHERE c.name IN (SELECT a.name FROM csc2.master_stack_assoc a JOIN csc2.stack_observation_assoc s ` +
        'ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id WHERE s.obsid = 8941) ORDER BY c.name',
    );
    const em = estimateFieldPriors(src.rows.map((r) => r.slice(1).map(Number)), CARD.training.class_prior);
    const stored = await t.db.query(`SELECT ${STEMS.map((s) => `prior_${s}`).join(', ')}, iterations FROM ml.field_class_prior WHERE field_id = 'obsid:8941'`);
    stored.rows[0]?.slice(0, 8).forEach((v, i) => expect(Number(v)).toBeCloseTo(em.priors[i] ?? -1, 12));
    expect(Number(stored.rows[0]?.[8])).toBe(em.iterations);
    const adjusted = await t.db.query(`SELECT adjusted_class, ${STEMS.map((s) => `p_adj_${s}`).join(', ')} FROM ml.source_class_field_prior WHERE field_id = 'obsid:8941' ORDER BY name`);
    adjusted.rows.forEach((row, i) => {
      const want = em.posteriors[i] ?? [];
      row.slice(1).forEach((v, c) => expect(Number(v)).toBeCloseTo(want[c] ?? -1, 12));
      expect(row[0]).toBe(SOURCE_CLASSES[want.indexOf(Math.max(...want))]);
    });
    // ml.source_class keeps the model's own probabilities: they differ from the adjusted ones in this shifted field
    const changed = await t.db.query(
      "SELECT count(*) FROM ml.source_class c JOIN ml.source_class_field_prior a ON a.name = c.name AND a.model_version = c.model_version WHERE a.field_id = 'obsid:8941' AND abs(c.p_agn - a.p_adj_agn) > 1e-6",
    );
    expect(Number(changed.rows[0]?.[0])).toBeGreaterThan(0);
  });

  it('xtap models run field-prior recomputes every field in place: same priors, new provenance, no duplicates', async () => {
    const before = await t.db.query('SELECT field_id, prior_lmxb, run_id FROM ml.field_class_prior ORDER BY field_id');
    const [, , , fields, sources] = await counts();
    const report = await runFieldPriors(t.db, { log, progress: silentProgress });
    expect(report).toMatchObject({ modelVersion: CARD.version, fields: 3, adjustedFields: 3, sourceRows: 593 });
    const after = await t.db.query('SELECT field_id, prior_lmxb, run_id FROM ml.field_class_prior ORDER BY field_id');
    expect(after.rows.map((r) => [r[0], Number(r[1])])).toEqual(before.rows.map((r) => [r[0], Number(r[1])]));
    for (const r of after.rows) expect(r[2]).toBe(report.runId);
    const now = await counts();
    expect([now[3], now[4]]).toEqual([fields, sources]);
    const run = await t.db.queryObjects<{ activity: string; n_rows: bigint }>('SELECT activity, n_rows FROM ml.inference_run WHERE run_id = $1', [report.runId]);
    expect(run).toEqual([{ activity: 'models-run', n_rows: 596n }]);
  });

  it(`leaves a field with fewer than ${MIN_FIELD_SOURCES} classified sources unadjusted, saying so`, async () => {
    const rollback = new Error('rollback');
    const err = await t.db
      .transaction(async (tx) => {
        // a made-up ObsID 99999 that re-observed 5 of the IC 2395 detections
        const pick = 'FROM csc2.stack_observation_assoc WHERE obsid = 21137 ORDER BY detect_stack_id, region_id LIMIT 5';
        await tx.query(`INSERT INTO csc2.observation_source (obsid, obi, region_id) SELECT 99999, 1, region_id ${pick}`);
        await tx.query(`INSERT INTO csc2.stack_observation_assoc (detect_stack_id, region_id, obsid, obi) SELECT detect_stack_id, region_id, 99999, 1 ${pick}`);
        const names = (await tx.query(
          'SELECT DISTINCT a.name FROM csc2.master_stack_assoc a JOIN csc2.stack_observation_assoc s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id WHERE s.obsid = 99999',
        )).rows.map((r) => String(r[0]));
        expect(names).toHaveLength(5);
        const report = await adjustFieldPriors(tx, { names, activity: 'ingest', log, progress: silentProgress });
        expect(report).toMatchObject({ fields: 3, adjustedFields: 2 });
        const field = await tx.queryObjects<Record<string, unknown>>("SELECT n_sources, status, converged, prior_agn, training_prior_agn FROM ml.field_class_prior WHERE field_id = 'obsid:99999'");
        expect(field).toEqual([{ n_sources: 5, status: 'too-few-sources', converged: null, prior_agn: null, training_prior_agn: CARD.training.class_prior[0] }]);
        const rows = await tx.query("SELECT count(*) FROM ml.source_class_field_prior WHERE field_id = 'obsid:99999'");
        expect(rows.rows[0]?.[0]).toBe(0n);
        throw rollback;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(rollback);
  });

  it('refuses bad published classifications with the file, row and column, and changes nothing', async () => {
    const before = await counts();
    const csv = (name: string, text: string) => {
      const file = join(tmp, name);
      writeFileSync(file, text);
      return file;
    };
    const good = csv('ok.csv', 'name,Class,Class_prob\n2CXO J110355.5-584754,AGN,0.5\n');
    const cases: Array<[Parameters<typeof ingestPublishedClasses>[1], string, RegExp]> = [
      [{ files: [good], reference: 'Yang 2022', log, progress: silentProgress }, 'BAD_REFERENCE', /not a 19-character ADS bibcode/],
      [{ files: [csv('noclass.csv', 'name,Class_prob\n2CXO J110355.5-584754,0.5\n')], reference: '2022ApJ...941..104Y', log, progress: silentProgress }, 'NO_CLASS_COLUMN', /no class column/],
      [{ files: [csv('noname.csv', 'source,Class\nx,AGN\n')], reference: '2022ApJ...941..104Y', log, progress: silentProgress }, 'NO_NAME_COLUMN', /no source name column/],
      [{ files: [good, csv('badp.csv', 'name,Class,P_AGN\n2CXO J110355.5-584754,AGN,1.7\n')], reference: '2022ApJ...941..104Y', log, progress: silentProgress }, 'BAD_VALUE', /badp\.csv, row 1, column P_AGN: 1\.7 is outside the valid range \[0, 1\]/],
      [{ files: [csv('empty.csv', 'name,Class\n')], reference: '2022ApJ...941..104Y', log, progress: silentProgress }, 'EMPTY_FILE', /no rows/],
      [{ files: [join(tmp, 'missing.csv')], reference: '2022ApJ...941..104Y', log, progress: silentProgress }, 'NO_FILE', /not found/],
    ];
    for (const [req, code, message] of cases) {
      const err = await ingestPublishedClasses(t.db, req).catch((e: unknown) => e);
      expect(err, code).toBeInstanceOf(IngestError);
      expect((err as IngestError).code).toBe(code);
      expect((err as Error).message).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  it('loads another published classification next to the first, kept apart by its reference', async () => {
    const file = join(tmp, 'other.csv');
    writeFileSync(file, 'CSCv2_name,class,P_AGN,P_YSO\n2CXO J110355.5-584754,AGN,0.9,0.1\n2CXO J000000.0+000000,YSO,0.2,0.8\n');
    const [report] = await ingestPublishedClasses(t.db, { files: [file], reference: '2099A&A...123..456Z', catalogue: 'test', log, progress: silentProgress });
    expect(report).toMatchObject({ rows: 2, stored: 2, notInMirror: 1 });
    const { rows } = await adql("SELECT reference, published_class, agree FROM ml.class_comparison WHERE name = '2CXO J110355.5-584754' ORDER BY reference");
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['2022ApJ...941..104Y', 'LM-STAR'], ['2099A&A...123..456Z', 'AGN']]);
    await t.db.query("DELETE FROM ml.published_class WHERE reference = '2099A&A...123..456Z'");
  });

  it('an ingest whose model card lacks training.class_prior fails and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-card-'));
    const src = join(process.cwd(), 'models', 'source-classifier');
    copyFileSync(join(src, 'model.onnx'), join(dir, 'model.onnx'));
    const card = JSON.parse(readFileSync(join(src, 'card.json'), 'utf8')) as { training: Record<string, unknown> };
    delete card.training.class_prior;
    writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
    const before = await counts();
    const err = await ingestCsc2(t.db, { files: [join(SAMPLE, 'umlcaxs_obs_example.vot')], table: 'auto', log, progress: silentProgress, modelDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe('MODEL_MISMATCH');
    expect((err as Error).message).toMatch(/training\.class_prior must be one positive number per class, summing to 1/);
    expect(await counts()).toEqual(before);
  });

  it('answers an ADQL error on the view with a DALI error document', async () => {
    const res = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: 'SELECT nonsense FROM ml.class_comparison' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('QUERY_STATUS');
    expect(res.text).toMatch(/nonsense/);
  });
});

describe('xtap command line for the classification products (usage errors, no database)', () => {
  it('ingest published-class needs --reference; models run lists field-prior', async () => {
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      expect(await runCli(['ingest', 'published-class', join(SAMPLE, 'muwclass_ngc3532_class.csv')])).toBe(2);
      expect(stderr.join('')).toMatch(/required option '--reference <bibcode>' not specified/);
      expect(await runCli(['models', 'run', 'nonsense'])).toBe(2);
      const stdout: string[] = [];
      const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout.push(String(chunk));
        return true;
      });
      try {
        expect(await runCli(['models', 'run', '--help'])).toBe(0);
      } finally {
        out.mockRestore();
      }
      expect(stdout.join('')).toMatch(/source-classifier, field-prior, event-encoder/);
    } finally {
      spy.mockRestore();
    }
  });
});
