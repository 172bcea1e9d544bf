/** The ml schema: machine-learning products computed on ingest, with model cards and provenance. */
import type { SchemaDef, TableDef } from '../types.js';
import { event, eventFile, eventRepresentation } from './events.js';
import { fieldClassPrior, sourceClassFieldPrior } from './field-prior.js';
import { mwCounterpart } from './mw-counterpart.js';
import { classComparison, publishedClass } from './published-class.js';
import { inferenceRun, model, sourceClass } from './source-class.js';
import { modelMetric } from './model-metric.js';

export const mlSchema: SchemaDef = {
  name: 'ml',
  description:
    'Machine-learning products computed by xtap on ingest: source classification probabilities, event-file ' +
    'representations, embeddings and anomaly scores, with the model cards and provenance that produced them.',
  tables: [
    model, inferenceRun, sourceClass, mwCounterpart, eventFile, event, eventRepresentation,
    publishedClass, classComparison, fieldClassPrior, sourceClassFieldPrior, modelMetric,
  ],
};

/** Tables of migration 21, in creation order (the view after the tables it reads). */
export const CLASS_PRODUCT_TABLES: ReadonlyArray<TableDef> = [publishedClass, classComparison, fieldClassPrior, sourceClassFieldPrior];

export { SOURCE_CLASSES, classColumnStem, inferenceRun, model } from './source-class.js';
export type { SourceClass } from './source-class.js';
export { EVENT_EMBEDDING_DIM, EVENT_MAP_ARRAYSIZE, EVENT_MAP_SHAPE, EVENT_SQL_FUNCTIONS, EVENT_TABLES, event, eventFile, eventRepresentation } from './events.js';
export { MUWCLASS_BIBCODE, PUBLISHED_CONFIDENT_CT, classComparison, publishedClass } from './published-class.js';
export { MIN_FIELD_SOURCES, PRIOR_SHIFT_METHOD, fieldClassPrior, sourceClassFieldPrior } from './field-prior.js';
export { LIGHT_CURVE_COLUMNS, SPECTRUM_COLUMNS } from './products.js';
export { modelMetric } from './model-metric.js';
