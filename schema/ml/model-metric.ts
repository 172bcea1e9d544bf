/** ml.model_metric: the evaluation figures of each model card as rows ADQL can filter (one per model version,
 *  data set, class and metric), filled when a model version is registered (ingest/ml/card-metrics.ts). */
import { col } from '../column-helpers.js';
import type { TableDef } from '../types.js';

export const modelMetric: TableDef = {
  schema: 'ml',
  name: 'model_metric',
  description:
    'Evaluation metrics of the model cards, one row per model version, data set, class and metric (e.g. recall of ' +
    "class NS in the 10-fold cross-validation of 'ours_xray+mw'), copied from the card's evaluation section when the " +
    'version is registered. class is NULL for figures over all classes.',
  columns: [
    col('model_id', 'char', '', 'meta.id', 'Model (ml.model.model_id)', { principal: true, required: true, indexed: true }),
    col('version', 'char', '', 'meta.version;meta.software', 'Model version (ml.model.version)', { principal: true, required: true }),
    col('data_set', 'char', '', 'meta.dataset', "Evaluation the figure comes from, as keyed in the card (e.g. 'ours_xray+mw' = our X-ray+MW model in the outer cross-validation folds, 'test' = held-out test simulations)", { principal: true, required: true }),
    col('class', 'char', '', 'src.class', 'Class the figure is for; NULL for all classes together', { principal: true }),
    col('metric', 'char', '', 'meta.code', "Metric name from the card (dotted path for nested figures), e.g. 'recall', 'balanced_accuracy', 'calibration.ece', 'auc_flare_vs_steady'", { principal: true, required: true }),
    col('metric_value', 'double', '', 'stat.value', 'Value of the metric (fractions, not per cent)', { principal: true }),
  ],
  foreignKeys: [
    { id: 'ml_model_metric_model', target: 'ml.model', columns: [{ from: 'model_id', target: 'model_id' }, { from: 'version', target: 'version' }], description: 'Model version the metric belongs to', enforced: false },
  ],
  isCatalog: true,
};
