/** Runs the source classifier (models/source-classifier) over CSC2 master sources inside the caller's transaction
 *  and upserts ml.source_class rows for the model's version, with an ml.inference_run provenance row. Inputs: the
 *  master_source X-ray columns and nh_gal, the source's observation_source rows (through master_stack_assoc ->
 *  stack_observation_assoc; the X-ray features are their averages when any is usable, since 2.2.2) and, when a source
 *  has one, its ml.mw_counterpart photometry. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { refreshPlannerStatistics } from '../../db/index.js';
import type { Queryable } from '../../db/index.js';
import { CLASSES, ModelCardMismatchError, classifySources, loadSourceClassifier } from '../../models/source-classifier/classify.js';
import type { SourceClassification } from '../../models/source-classifier/classify.js';
import { MW_KEYS } from '../../models/source-classifier/features.js';
import type { CscRow, MwPhotometry, SourceInput } from '../../models/source-classifier/features.js';
import { OBSERVATION_COLUMNS, SHARED_DETECTION } from '../../models/source-classifier/observation-averages.js';
import { copyColumns, quoteIdent } from '../../schema/index.js';
import { classColumnStem } from '../../schema/ml/index.js';
import { sqlTableName } from '../../schema/index.js';
import { sourceClass } from '../../schema/ml/source-class.js';
import { createStage, upsertFromStage } from '../staging.js';
import { IngestError } from '../errors.js';
import type { Progress } from '../progress.js';
import { beginRun, endRun, registerModel } from './provenance.js';

export const SOURCE_CLASSIFIER_ID = 'source-classifier';
export const DEFAULT_MODEL_DIR = join(process.cwd(), 'models', 'source-classifier');
/** Monte-Carlo draws per source (the card documents the procedure). */
export const DEFAULT_MC_DRAWS = 100;
export const CLASSIFY_SEED = 20241125;
/** Sources read, classified (× mcDraws rows through the model) and written per round. */
const BATCH = 10000;

/** master_source columns the features read: X-ray fluxes, variability and the sightline's Galactic N_H (av_gal). */
const X_RAY_COLUMNS = ['name', ...['s', 'm', 'h', 'b'].flatMap((b) => [`flux_aper90_${b}`, `flux_aper90_lolim_${b}`, `flux_aper90_hilim_${b}`]), 'kp_intra_prob_b', 'var_inter_prob_b', 'nh_gal'];
const MW_COLUMNS = MW_KEYS.flatMap((k) => [k, `e_${k}`]);
const SOURCE_CLASS_COLUMNS = copyColumns(sourceClass);

export interface ClassifyRequest {
  /** Master source names to classify, or 'missing': every source without a row of the current model version. */
  names: ReadonlyArray<string> | 'missing';
  activity: 'ingest' | 'models-run';
  /** What the run used, for provenance (file names, "all sources"). */
  input: string;
  log: Logger;
  progress: Progress;
  mcDraws?: number;
  modelDir?: string;
}

/** The source classifier of modelDir; a card that does not match its model is an IngestError MODEL_MISMATCH. */
export async function loadModel(modelDir: string) {
  try {
    return await loadSourceClassifier(modelDir);
  } catch (err) {
    if (err instanceof ModelCardMismatchError) throw new IngestError('MODEL_MISMATCH', err.message, { file: join(modelDir, 'card.json') }, { cause: err });
    throw err;
  }
}

/** A counterpart row whose magnitudes are all NULL means "cross-matched, nothing found". */
const NO_PHOTOMETRY_SQL = MW_KEYS.map((k) => `k.${quoteIdent(k)} IS NULL`).join(' AND ');
/** One counterpart per source: rows with photometry before "nothing found" rows, then the first origin alphabetically
 *  (deterministic when several were loaded). The last column says whether the source has any ml.mw_counterpart row
 *  (= was cross-matched); since model 2.0.0 the classifier treats "cross-matched, nothing found" (mw = {}) and "not
 *  cross-matched" (mw = null) alike, as missing photometry (X-ray-only network): the flag is kept for provenance. */
/** The source's distinct observation detections as a JSON array of observation_source rows (OBSERVATION_COLUMNS), each
 *  with `shared_detection` = the detection is associated with more than one master source (MUWCLASS drops those);
 *  NULL when the source has none (master-only ingests). Part of the batch's one query, not a query per source. */
export const OBSERVATIONS_SQL =
  `(SELECT json_agg(json_build_object(${OBSERVATION_COLUMNS.map((c) => `'${c}', o.${quoteIdent(c)}`).join(', ')}, '${SHARED_DETECTION}', ` +
  `(SELECT count(DISTINCT a2.name) > 1 FROM csc2.stack_observation_assoc so2 JOIN csc2.master_stack_assoc a2 ` +
  `ON a2.detect_stack_id = so2.detect_stack_id AND a2.region_id = so2.region_id ` +
  `WHERE so2.obsid = o.obsid AND so2.obi = o.obi AND so2.region_id = o.region_id)) ORDER BY o.obsid, o.obi, o.region_id) ` +
  `FROM (SELECT DISTINCT so.obsid, so.obi, so.region_id FROM csc2.master_stack_assoc a JOIN csc2.stack_observation_assoc so ` +
  `ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id WHERE a.name = m.name) d ` +
  `JOIN csc2.observation_source o ON o.obsid = d.obsid AND o.obi = d.obi AND o.region_id = d.region_id) AS observations`;
/** The tables INPUT_SQL reads (and the batch loop's NOT EXISTS on ml.source_class). */
export const INPUT_TABLES = ['csc2.master_source', 'csc2.master_stack_assoc', 'csc2.stack_observation_assoc', 'csc2.observation_source', 'ml.mw_counterpart', 'ml.source_class'] as const;
export const INPUT_SQL =
  `SELECT ${X_RAY_COLUMNS.map((c) => `m.${quoteIdent(c)}`).join(', ')}, ${MW_COLUMNS.map((c) => `c.${quoteIdent(c)}`).join(', ')}, (c.name IS NOT NULL) AS mw_searched, ${OBSERVATIONS_SQL} ` +
  `FROM csc2.master_source m LEFT JOIN LATERAL (SELECT * FROM ml.mw_counterpart k WHERE k.name = m.name ORDER BY (${NO_PHOTOMETRY_SQL}), k.origin LIMIT 1) c ON true`;

function toInput(row: unknown[]): SourceInput {
  const csc: Record<string, number | string | null> = {};
  X_RAY_COLUMNS.forEach((c, i) => (csc[c] = (row[i] as number | string | null) ?? null));
  const mw: MwPhotometry = {};
  MW_COLUMNS.forEach((c, i) => {
    const v = row[X_RAY_COLUMNS.length + i];
    if (typeof v === 'number') (mw as Record<string, number>)[c] = v;
  });
  const searched = row[X_RAY_COLUMNS.length + MW_COLUMNS.length] === true;
  const observations = row[X_RAY_COLUMNS.length + MW_COLUMNS.length + 1] as CscRow[] | null;
  return { csc, mw: searched ? mw : null, observations };
}

/** One ml.source_class row, in its column order (SOURCE_CLASS_COLUMNS). */
function toRow(r: SourceClassification, version: string, runId: string): unknown[] {
  const row: Record<string, unknown> = {
    name: r.name, model_id: SOURCE_CLASSIFIER_ID, model_version: version, predicted_class: r.predictedClass,
    predicted_prob: r.predictedProbability, is_confident: r.confident, feature_set: r.featureSet, xray_inputs: r.xrayInputs, n_draws: r.mcDraws, run_id: runId,
  };
  for (const c of CLASSES) {
    row[`p_${classColumnStem(c)}`] = r.probabilities[c];
    row[`e_p_${classColumnStem(c)}`] = r.probabilityStd[c];
  }
  return SOURCE_CLASS_COLUMNS.map((c) => {
    if (!(c in row)) throw new Error(`classify-sources: no value for ml.source_class.${c}`);
    return row[c];
  });
}

/** Classifies the requested sources; returns the number of ml.source_class rows written. */
export async function classifyMasterSources(tx: Queryable, req: ClassifyRequest): Promise<number> {
  const modelDir = req.modelDir ?? DEFAULT_MODEL_DIR;
  const model = await loadModel(modelDir);
  const cardText = readFileSync(join(modelDir, 'card.json'), 'utf8');
  const card = JSON.parse(cardText) as { task?: string; evaluation?: unknown; training?: { data?: unknown } };
  const version = model.card.version;
  await registerModel(tx, {
    modelId: SOURCE_CLASSIFIER_ID, version, task: card.task ?? 'source classification', sha256: model.card.model_sha256,
    trainingData: card.training?.data ?? null, metrics: card.evaluation ?? null, cardText, cardPath: join(modelDir, 'card.json'),
  });
  const mcDraws = req.mcDraws ?? DEFAULT_MC_DRAWS;
  const run = await beginRun(tx, { modelId: SOURCE_CLASSIFIER_ID, version }, req.activity, req.input, 'xtap ingest/ml/classify-sources.ts with onnxruntime-node (CPU)', { mcDraws, seed: CLASSIFY_SEED });
  const names = req.names === 'missing' ? undefined : [...new Set(req.names)];
  const missing = `NOT EXISTS (SELECT 1 FROM ml.source_class s WHERE s.name = m.name AND s.model_id = '${SOURCE_CLASSIFIER_ID}' AND s.model_version = $2)`;
  const total = names?.length ?? Number((await tx.query(`SELECT count(*) FROM csc2.master_source m WHERE ${missing.replace('$2', '$1')}`, [version])).rows[0]?.[0] ?? 0);
  req.progress.begin(`classify ${total} sources`, total);
  // The input query's plan cost (~3e5 per 10k batch) passes jit_above_cost, and compiling it cost ~80 of ~370 ms
  // per batch (bench/perobs/input-query.mjs, PostgreSQL 15); the plan is index scans that JIT cannot speed up.
  const refreshed = await refreshPlannerStatistics(tx, INPUT_TABLES);
  if (refreshed.analyzed.length > 0) req.log.info({ tables: refreshed.analyzed }, 'planner statistics refreshed before classification');
  const jit = String((await tx.query(`SELECT current_setting('jit'), set_config('jit', 'off', true)`)).rows[0]?.[0] ?? 'on');
  const write = async (rows: unknown[][]) => {
    if (rows.length === 0) return;
    const inputs = rows.map(toInput);
    const results = await classifySources(inputs, { mcDraws, seed: CLASSIFY_SEED, modelDir });
    await writeClassifications(tx, results.map((r) => toRow(r, version, run.runId)), version);
    run.rows += results.length;
    req.progress.advance(rows.length);
  };
  if (names) {
    for (let i = 0; i < names.length; i += BATCH) {
      const r = await tx.query(`${INPUT_SQL} WHERE m.name = ANY($1::text[]) ORDER BY m.name`, [names.slice(i, i + BATCH)]);
      await write(r.rows);
    }
  } else {
    let last = '';
    for (;;) {
      const r = await tx.query(`${INPUT_SQL} WHERE m.name > $1 AND ${missing} ORDER BY m.name LIMIT ${BATCH}`, [last, version]);
      if (r.rows.length === 0) break;
      await write(r.rows);
      last = String(r.rows[r.rows.length - 1]?.[0]);
    }
  }
  req.progress.end();
  await tx.query(`SELECT set_config('jit', $1, true)`, [jit]);
  await endRun(tx, run);
  req.log.info({ model: SOURCE_CLASSIFIER_ID, version, rows: run.rows, runId: run.runId }, 'sources classified');
  return run.rows;
}

/** New rows (no row of this model version for any of the names yet: every first classification) go by COPY
 *  straight into ml.source_class; otherwise staging + upsert replaces the version's rows. */
async function writeClassifications(tx: Queryable, rows: unknown[][], version: string): Promise<void> {
  const names = rows.map((r) => r[0]);
  const existing = await tx.query(
    `SELECT EXISTS (SELECT 1 FROM ml.source_class WHERE model_id = $1 AND model_version = $2 AND name = ANY($3::text[]))`,
    [SOURCE_CLASSIFIER_ID, version, names],
  );
  if (existing.rows[0]?.[0] === false) {
    await tx.copyIn(sqlTableName(sourceClass), SOURCE_CLASS_COLUMNS, [rows]);
    return;
  }
  const stage = await createStage(tx, sourceClass, SOURCE_CLASS_COLUMNS);
  await tx.copyIn(stage.stage, [...SOURCE_CLASS_COLUMNS, 'xtap_ord'], [rows.map((r, i) => [...r, BigInt(i)])]);
  await upsertFromStage(tx, stage);
}
