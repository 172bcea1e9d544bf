/** ml.published_class (classifications published by other works, loaded by `xtap ingest published-class`) and the
 *  view ml.class_comparison that puts xtap's class next to each of them: the product check of the classifier on real
 *  fields (first the MUWCLASS classification of the NGC 3532 field, Yang et al. 2022). */
import { col } from '../column-helpers.js';
import type { ColumnDef, TableDef } from '../types.js';
import { SOURCE_CLASSES, classColumnStem } from './source-class.js';

/** Bibcode of Yang, H., et al. 2022, ApJ, 941, 104 (MUWCLASS), the reference of the bundled NGC 3532 classification. */
export const MUWCLASS_BIBCODE = '2022ApJ...941..104Y';

/** A published classification counts as confident when its CT is at least this (Yang et al. 2022). */
export const PUBLISHED_CONFIDENT_CT = 2;

function publishedProbabilityColumns(): ColumnDef[] {
  return SOURCE_CLASSES.flatMap((c) => {
    const stem = classColumnStem(c);
    return [
      col(`p_${stem}`, 'double', '', 'stat.probability;src.class', `Published probability of class ${c}; NULL when the work does not give it`, { range: [0, 1] }),
      col(`e_p_${stem}`, 'double', '', 'stat.error;stat.probability', `Published uncertainty of p_${stem}`, { range: [0, 1] }),
    ];
  });
}

export const publishedClass: TableDef = {
  schema: 'ml',
  name: 'published_class',
  description:
    'Source classifications published by other works, as they published them, one row per source and reference ' +
    "(bibcode). Used as checks of xtap's classifier, never as its training data: see ml.class_comparison. The " +
    `bundled sample holds MUWCLASS's classification of the NGC 3532 field (Yang et al. 2022, ${MUWCLASS_BIBCODE}). ` +
    'Sources are matched to CSC2 by name; rows of sources not (yet) in csc2.master_source are kept.',
  columns: [
    col('name', 'char', '', 'meta.id;meta.main', 'CSC2 master source name as published (2CXO J...); joins csc2.master_source.name', { principal: true, required: true, indexed: true }),
    col('reference', 'char', '', 'meta.bib.bibcode', 'Bibcode of the work that published the classification', { principal: true, required: true }),
    col('catalogue', 'char', '', 'meta.bib', 'Which classification of that work the row comes from (classifier, field, table)', { principal: true }),
    col('published_class', 'char', '', 'src.class', 'Most probable class as published; NULL when the work did not classify the source (e.g. its own training sources, see true_class)', { principal: true }),
    col('class_prob', 'double', '', 'stat.probability;src.class', 'Published probability of published_class', { principal: true, range: [0, 1] }),
    col('e_class_prob', 'double', '', 'stat.error;stat.probability', 'Published uncertainty of class_prob', { range: [0, 1] }),
    col('ct', 'double', '', 'stat.value;meta.code.qual', `Published confidence of the class (MUWCLASS CT = (P1 - P2)/(e_P1 + e_P2) of the two most probable classes; CT >= ${PUBLISHED_CONFIDENT_CT} is confident)`, { principal: true }),
    col('true_class', 'char', '', 'src.class', 'Class the work knew from the literature (its training label), when it gives one'),
    ...publishedProbabilityColumns(),
    col('origin', 'char', '', 'meta.file', 'File the row was loaded from (name without directory)'),
  ],
  primaryKey: ['reference', 'name'],
  foreignKeys: [
    { id: 'ml_published_class_master', target: 'csc2.master_source', columns: [{ from: 'name', target: 'name' }], description: 'Master source of the published classification (not enforced: published rows of sources outside the mirror are kept)', enforced: false },
  ],
  isCatalog: true,
};

export const classComparison: TableDef = {
  schema: 'ml',
  name: 'class_comparison',
  tableType: 'view',
  description:
    "xtap's classification next to a published one, for every source both classified (published_class not NULL): one row per source, " +
    'reference and xtap model version (a view over ml.published_class and ml.source_class, so it follows re-runs ' +
    'and new model versions). agree = 1 when both top classes are the same: AVG(agree) grouped by model_version ' +
    'is the top-class agreement. Published classifications are checks, never training data.',
  columns: [
    col('name', 'char', '', 'meta.id;meta.main', 'CSC2 master source name', { principal: true }),
    col('reference', 'char', '', 'meta.bib.bibcode', 'Bibcode of the published classification (ml.published_class)', { principal: true }),
    col('catalogue', 'char', '', 'meta.bib', 'Which classification of that work'),
    col('model_id', 'char', '', 'meta.id', 'xtap model (ml.model)'),
    col('model_version', 'char', '', 'meta.version;meta.software', 'xtap model version', { principal: true }),
    col('xtap_class', 'char', '', 'src.class', "xtap's most probable class (ml.source_class.predicted_class)", { principal: true }),
    col('xtap_prob', 'double', '', 'stat.probability', "xtap's probability of xtap_class", { principal: true, range: [0, 1] }),
    col('xtap_is_confident', 'boolean', '', 'meta.code.qual', "xtap's confidence flag (ml.source_class.is_confident)"),
    col('feature_set', 'char', '', 'meta.code', "Inputs xtap's model had: 'xray' or 'xray+mw' (ml.source_class.feature_set)"),
    col('published_class', 'char', '', 'src.class', 'Published most probable class', { principal: true }),
    col('published_prob', 'double', '', 'stat.probability', 'Published probability of published_class', { principal: true, range: [0, 1] }),
    col('published_ct', 'double', '', 'stat.value;meta.code.qual', 'Published confidence (MUWCLASS CT)', { principal: true }),
    col('published_confident', 'short', '', 'meta.code.qual', `1 when published_ct >= ${PUBLISHED_CONFIDENT_CT}, 0 when below, NULL without CT`),
    col('agree', 'short', '', 'meta.code', '1 when xtap_class = published_class, else 0; AVG(agree) is the top-class agreement', { principal: true }),
  ],
  foreignKeys: [
    { id: 'ml_class_comparison_published', target: 'ml.published_class', columns: [{ from: 'reference', target: 'reference' }, { from: 'name', target: 'name' }], description: 'The published classification', enforced: false },
    {
      id: 'ml_class_comparison_source_class',
      target: 'ml.source_class',
      columns: [
        { from: 'name', target: 'name' },
        { from: 'model_id', target: 'model_id' },
        { from: 'model_version', target: 'model_version' },
      ],
      description: "xtap's classification",
      enforced: false,
    },
  ],
  viewQuery:
    'SELECT p.name, p.reference, p.catalogue, s.model_id, s.model_version, s.predicted_class AS xtap_class, ' +
    's.predicted_prob AS xtap_prob, s.is_confident AS xtap_is_confident, s.feature_set, p.published_class, ' +
    'p.class_prob AS published_prob, p.ct AS published_ct, ' +
    `CAST(CASE WHEN p.ct IS NULL THEN NULL WHEN p.ct >= ${PUBLISHED_CONFIDENT_CT} THEN 1 ELSE 0 END AS smallint) AS published_confident, ` +
    'CAST(CASE WHEN s.predicted_class = p.published_class THEN 1 ELSE 0 END AS smallint) AS agree ' +
    'FROM ml.published_class p JOIN ml.source_class s ON s.name = p.name WHERE p.published_class IS NOT NULL',
  isCatalog: true,
};
