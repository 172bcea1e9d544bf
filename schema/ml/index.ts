/** The ml schema: machine-learning products computed on ingest (tables arrive with the ML work). */
import type { SchemaDef } from '../types.js';

export const mlSchema: SchemaDef = {
  name: 'ml',
  description:
    'Machine-learning products computed by xtap on ingest: source classification probabilities, event-file ' +
    'representations, embeddings and anomaly scores, with the model cards and provenance that produced them.',
  tables: [],
};
