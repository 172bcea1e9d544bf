/** ml.field_class_prior and ml.source_class_field_prior: the per-field prior-shift correction of the source
 *  classifier (EM re-estimation of the class priors on the field's own sources, Saerens et al. 2002; ml/prior-shift.ts).
 *  A separate product next to ml.source_class, which it never changes. A field is one Chandra observation (ObsID):
 *  the master sources with a detection in that observation. */
import { col } from '../column-helpers.js';
import type { ColumnDef, TableDef } from '../types.js';
import { SOURCE_CLASSES, classColumnStem } from './source-class.js';

/** Fields with fewer classified sources are not adjusted (the EM priors of a handful of sources are noise). */
export const MIN_FIELD_SOURCES = 30;
export const PRIOR_SHIFT_METHOD = 'em-prior-shift';

/** Foreign-key columns to a table keyed by (name or field_id, model_id, model_version). */
const modelKey = (from: 'name' | 'field_id') => [
  { from, target: from },
  { from: 'model_id', target: 'model_id' },
  { from: 'model_version', target: 'model_version' },
];

function priorColumns(prefix: 'prior' | 'training_prior', what: string): ColumnDef[] {
  return SOURCE_CLASSES.map((c) =>
    col(`${prefix}_${classColumnStem(c)}`, 'double', '', 'stat.probability;src.class', `${what} of class ${c}`, { principal: prefix === 'prior', range: [0, 1] }),
  );
}

export const fieldClassPrior: TableDef = {
  schema: 'ml',
  name: 'field_class_prior',
  description:
    'Class priors of each field re-estimated by EM on its own sources (Saerens, Latinne & Decaestecker 2002, Neural ' +
    "Computation 14, 21), one row per field and classifier version. A field is one Chandra ObsID: the master sources " +
    'with a detection in that observation that the classifier version has classified. Fields with fewer than ' +
    `${MIN_FIELD_SOURCES} such sources get status 'too-few-sources' and NULL priors. The adjusted per-source ` +
    'probabilities are in ml.source_class_field_prior; ml.source_class is never changed.',
  columns: [
    col('field_id', 'char', '', 'meta.id;meta.main', "Field identifier: 'obsid:' followed by the Chandra ObsID", { principal: true, required: true }),
    col('model_id', 'char', '', 'meta.id', 'Classifier whose probabilities were adjusted (ml.model)', { principal: true, required: true }),
    col('model_version', 'char', '', 'meta.version;meta.software', 'Version of that classifier', { principal: true, required: true }),
    col('field_kind', 'char', '', 'meta.code', "How the field is defined: 'obsid' (master sources detected in one Chandra observation)"),
    col('obsid', 'int', '', 'meta.id;obs', 'Chandra ObsID of the field; joins csc2.observation_source.obsid', { principal: true, indexed: true }),
    col('field_definition', 'char', '', 'meta.note', 'The field in words, with the query that selects its sources'),
    col('n_sources', 'int', '', 'meta.number', 'Sources of the field classified by this model version (the EM sample)', { principal: true }),
    col('status', 'char', '', 'meta.code.status', "'adjusted' (priors estimated) or 'too-few-sources' (not adjusted)", { principal: true }),
    col('converged', 'boolean', '', 'meta.code.qual', 'True when EM stopped because no prior moved by more than the tolerance (ml.inference_run parameters)'),
    col('iterations', 'int', '', 'meta.number', 'EM iterations done'),
    col('likelihood_ratio', 'double', '', 'stat.value', 'Likelihood-ratio statistic of the field priors against the training priors (Saerens et al. 2002 section 2.4): chi-square with 7 degrees of freedom when the field has the training mix', { principal: true }),
    col('shift_significant', 'boolean', '', 'meta.code.qual', 'True when likelihood_ratio exceeds 14.067, the 95 % quantile of chi-square with 7 degrees of freedom'),
    ...priorColumns('prior', 'Estimated prior (expected fraction of the field\'s sources)'),
    ...priorColumns('training_prior', 'Training prior (class fraction of the training set, model card training.class_prior)'),
    col('run_id', 'char', '', 'meta.id', 'Run that produced the row (ml.inference_run, method em-prior-shift)', { required: true }),
  ],
  primaryKey: ['field_id', 'model_id', 'model_version'],
  foreignKeys: [
    {
      id: 'ml_field_class_prior_model',
      target: 'ml.model',
      columns: [
        { from: 'model_id', target: 'model_id' },
        { from: 'model_version', target: 'version' },
      ],
      description: 'Model card of the adjusted classifier',
      enforced: true,
    },
    { id: 'ml_field_class_prior_run', target: 'ml.inference_run', columns: [{ from: 'run_id', target: 'run_id' }], description: 'Provenance of the row', enforced: true },
  ],
  isCatalog: true,
};

function adjustedProbabilityColumns(): ColumnDef[] {
  return SOURCE_CLASSES.map((c) =>
    col(`p_adj_${classColumnStem(c)}`, 'double', '', 'stat.probability;src.class', `Probability of class ${c} under the field priors: p_${classColumnStem(c)} of ml.source_class times prior / training prior, renormalised`, { principal: true, range: [0, 1] }),
  );
}

export const sourceClassFieldPrior: TableDef = {
  schema: 'ml',
  name: 'source_class_field_prior',
  description:
    'Class probabilities of ml.source_class adjusted to the class priors of a field (ml.field_class_prior): one row ' +
    'per source, field and classifier version, for adjusted fields only. A source detected in several ObsIDs has ' +
    'one row per field. Use when the field is a population unlike the training set (a star cluster, a Galactic ' +
    'plane pointing); the unadjusted probabilities in ml.source_class stay the reference.',
  columns: [
    col('name', 'char', '', 'meta.id;meta.main', 'CSC2 master source name; joins ml.source_class.name', { principal: true, required: true }),
    col('field_id', 'char', '', 'meta.id', 'Field whose priors were used (ml.field_class_prior)', { principal: true, required: true }),
    col('model_id', 'char', '', 'meta.id', 'Classifier (ml.model)', { principal: true, required: true }),
    col('model_version', 'char', '', 'meta.version;meta.software', 'Version of the classifier', { principal: true, required: true }),
    col('adjusted_class', 'char', '', 'src.class', 'Most probable class under the field priors', { principal: true }),
    col('adjusted_prob', 'double', '', 'stat.probability', 'Probability of adjusted_class under the field priors', { principal: true, range: [0, 1] }),
    ...adjustedProbabilityColumns(),
    col('run_id', 'char', '', 'meta.id', 'Run that produced the row (ml.inference_run, method em-prior-shift)', { required: true }),
  ],
  primaryKey: ['name', 'field_id', 'model_id', 'model_version'],
  indexes: [['field_id'], ['adjusted_class']],
  foreignKeys: [
    { id: 'ml_source_class_field_prior_source', target: 'ml.source_class', columns: modelKey('name'), description: 'Unadjusted classification of the source', enforced: true },
    { id: 'ml_source_class_field_prior_field', target: 'ml.field_class_prior', columns: modelKey('field_id'), description: 'Field priors used', enforced: true },
    { id: 'ml_source_class_field_prior_run', target: 'ml.inference_run', columns: [{ from: 'run_id', target: 'run_id' }], description: 'Provenance of the row', enforced: true },
  ],
  isCatalog: true,
};
