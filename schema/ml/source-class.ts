/** ml.model, ml.inference_run and ml.source_class: the classifier's model cards, its runs (provenance:
 *  ProvDM-style activities) and the per-source class probabilities they produced. */
import { col } from '../column-helpers.js';
import type { ColumnDef, TableDef } from '../types.js';

/** MUWCLASS classes (Yang et al. 2022), in the order of the model's output vector. */
export const SOURCE_CLASSES = ['AGN', 'CV', 'HM-STAR', 'LM-STAR', 'HMXB', 'LMXB', 'NS', 'YSO'] as const;
export type SourceClass = (typeof SOURCE_CLASSES)[number];

/** Column stem of a class: 'HM-STAR' → 'hm_star'. */
export function classColumnStem(c: SourceClass): string {
  return c.toLowerCase().replace(/-/g, '_');
}

export const model: TableDef = {
  schema: 'ml',
  name: 'model',
  description:
    'Model cards of the machine-learning models xtap runs on ingest: task, inputs, training data with origin and ' +
    'citation, metrics on held-out data, version and the sha256 of the ONNX file.',
  columns: [
    col('model_id', 'char', '', 'meta.id;meta.main', 'Model identifier, e.g. source-classifier', { principal: true, required: true }),
    col('version', 'char', '', 'meta.version;meta.software', 'Model version (semantic versioning)', { principal: true, required: true }),
    col('task', 'char', '', 'meta.note', 'What the model does', { principal: true }),
    col('onnx_sha256', 'char', '', 'meta.checksum', 'SHA-256 of the model.onnx file that was run'),
    col('training_data', 'char', '', 'meta.bib', 'Training data: origin and citation'),
    col('metrics', 'char', '', 'stat.value', 'Headline metrics on held-out data (JSON)'),
    col('card', 'char', '', 'meta.note', 'The full model card (JSON)'),
    col('registered_at', 'char', '', 'time.creation', 'When this model version was registered in the database (UTC)', { xtype: 'timestamp' }),
  ],
  primaryKey: ['model_id', 'version'],
  isCatalog: true,
};

export const inferenceRun: TableDef = {
  schema: 'ml',
  name: 'inference_run',
  description:
    'Provenance of ML rows: one row per model run (a ProvDM activity), naming the model version used, what it ran ' +
    'on and when. Every ML product row refers to the run that generated it.',
  columns: [
    col('run_id', 'char', '', 'meta.id;meta.main', 'Identifier of the run', { principal: true, required: true }),
    col('model_id', 'char', '', 'meta.id', 'Model that ran', { principal: true, required: true }),
    col('model_version', 'char', '', 'meta.version;meta.software', 'Version of the model that ran', { principal: true, required: true }),
    col('activity', 'char', '', 'meta.code', "Kind of activity: 'ingest' (run while loading data) or 'models-run' (re-run by xtap models run)", { principal: true }),
    col('run_input', 'char', '', 'meta.note', 'What the run used (files, tables); named run_input because INPUT is reserved in ADQL'),
    col('agent', 'char', '', 'meta.software', 'Software that ran the model'),
    col('parameters', 'char', '', 'meta.note', 'Run parameters such as Monte-Carlo draws and seed (JSON)'),
    col('started_at', 'char', '', 'time.start', 'Start of the run (UTC)', { xtype: 'timestamp' }),
    col('ended_at', 'char', '', 'time.end', 'End of the run (UTC)', { xtype: 'timestamp' }),
    col('n_rows', 'long', '', 'meta.number', 'Rows produced'),
  ],
  primaryKey: ['run_id'],
  foreignKeys: [
    {
      id: 'ml_inference_run_model',
      target: 'ml.model',
      columns: [
        { from: 'model_id', target: 'model_id' },
        { from: 'model_version', target: 'version' },
      ],
      description: 'Model card of the model that ran',
      enforced: true,
    },
  ],
  isCatalog: true,
};

function probabilityColumns(): ColumnDef[] {
  return SOURCE_CLASSES.flatMap((c) => {
    const stem = classColumnStem(c);
    return [
      col(`p_${stem}`, 'double', '', 'stat.probability;src.class', `Probability that the source is of class ${c} (mean over Monte-Carlo draws of the inputs)`, { principal: true, range: [0, 1] }),
      col(`e_p_${stem}`, 'double', '', 'stat.error;stat.probability', `Uncertainty (standard deviation over Monte-Carlo draws) of p_${stem}`, { range: [0, 1] }),
    ];
  });
}

export const sourceClass: TableDef = {
  schema: 'ml',
  name: 'source_class',
  description:
    'Probabilistic classification of CSC2 master sources into the MUWCLASS classes (AGN, CV, HM-STAR, LM-STAR, ' +
    'HMXB, LMXB, NS, YSO) by the model in ml.model, with uncertainties from Monte-Carlo sampling of the measurement ' +
    'errors. One row per source and model version; join to csc2.master_source on name.',
  columns: [
    col('name', 'char', '', 'meta.id;meta.main', 'Source name in the format 2CXO Jhhmmss.s{+|-}ddmmss[X]; joins csc2.master_source.name', { principal: true, required: true, role: 'source-name' }),
    col('model_id', 'char', '', 'meta.id', 'Model that produced the row (ml.model)', { principal: true, required: true }),
    col('model_version', 'char', '', 'meta.version;meta.software', 'Version of the model that produced the row', { principal: true, required: true }),
    col('predicted_class', 'char', '', 'src.class', "Predicted class by the model card's decision rule: the class with the largest p / training prior (a class-balanced decision), so not always the class with the largest p", { principal: true }),
    col('predicted_prob', 'double', '', 'stat.probability', 'Probability of predicted_class (mean over the Monte-Carlo draws)', { principal: true, range: [0, 1] }),
    col('is_confident', 'boolean', '', 'meta.code.qual', 'True when predicted_class is separated from the runner-up at 2 sigma in the decision rule units (p / prior): q1 - 2 s1 > q2 + 2 s2', { principal: true }),
    col('feature_set', 'char', '', 'meta.code', "Inputs the model had: 'xray' (X-ray features only: no counterpart photometry, whether the source was not cross-matched or nothing was found) or 'xray+mw' (X-ray features and counterpart photometry from ml.mw_counterpart)", { principal: true }),
    ...probabilityColumns(),
    col('n_draws', 'int', '', 'meta.number', 'Monte-Carlo draws behind the probabilities and their uncertainties'),
    col('run_id', 'char', '', 'meta.id', 'Run that produced the row (ml.inference_run)'),
    col('xray_inputs', 'char', '', 'meta.code', "What the X-ray features were computed from: 'observations' (inverse-variance averages of the source's per-observation detections in csc2.observation_source, flagged detections left out, as in the MUWCLASS training table) or 'master' (the csc2.master_source row: no usable observation detection was loaded). NULL for rows written before xtap recorded it"),
  ],
  primaryKey: ['name', 'model_id', 'model_version'],
  indexes: [['predicted_class']],
  foreignKeys: [
    { id: 'ml_source_class_master', target: 'csc2.master_source', columns: [{ from: 'name', target: 'name' }], description: 'Classified master source', enforced: true },
    {
      id: 'ml_source_class_model',
      target: 'ml.model',
      columns: [
        { from: 'model_id', target: 'model_id' },
        { from: 'model_version', target: 'version' },
      ],
      description: 'Model card of the classifier',
      enforced: true,
    },
    { id: 'ml_source_class_run', target: 'ml.inference_run', columns: [{ from: 'run_id', target: 'run_id' }], description: 'Provenance of the row', enforced: true },
  ],
  isCatalog: true,
};
