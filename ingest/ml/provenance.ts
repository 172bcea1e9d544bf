/** Model cards in ml.model and runs in ml.inference_run (ProvDM-style: every ML row names the run, and the run
 *  the model version, that produced it). Shared by every model that runs on ingest. */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/index.js';
import { insertRow } from '../../schema/index.js';
import { inferenceRun, model, modelMetric } from '../../schema/ml/index.js';
import { IngestError } from '../errors.js';
import { cardMetrics, publishedTrainingData } from './card-metrics.js';

export interface ModelRegistration {
  modelId: string;
  version: string;
  task: string;
  sha256: string;
  trainingData: unknown;
  metrics: unknown;
  /** The full card, as published (JSON text). */
  cardText: string;
  /** Where the card lives, for error messages. */
  cardPath: string;
}

export const nowUtc = (): string => new Date().toISOString().replace('Z', '');

/** Registers a model version once; the same version with another ONNX file is an error (bump the version).
 *  The card's evaluation figures go to ml.model_metric (also for versions registered before that table existed);
 *  the training data is published by repository and commit, without local paths (card-metrics.ts). */
export async function registerModel(tx: Queryable, m: ModelRegistration): Promise<void> {
  const existing = await tx.query('SELECT onnx_sha256 FROM ml.model WHERE model_id = $1 AND version = $2', [m.modelId, m.version]);
  const row = existing.rows[0];
  if (row) {
    if (row[0] !== m.sha256) {
      throw new IngestError(
        'MODEL_VERSION_CONFLICT',
        `ml.model already has ${m.modelId} ${m.version} with model sha256 ${String(row[0])}, the card says ${m.sha256}: bump the version`,
        { file: m.cardPath },
      );
    }
  } else {
    const insert = insertRow(model, {
      model_id: m.modelId, version: m.version, task: m.task, onnx_sha256: m.sha256,
      training_data: JSON.stringify(publishedTrainingData(m.trainingData ?? null)), metrics: JSON.stringify(m.metrics ?? null),
      card: m.cardText, registered_at: nowUtc(),
    });
    await tx.query(insert.sql, insert.params);
  }
  const has = await tx.query('SELECT 1 FROM ml.model_metric WHERE model_id = $1 AND version = $2 LIMIT 1', [m.modelId, m.version]);
  if (has.rows.length > 0) return;
  const rows = cardMetrics(JSON.parse(m.cardText) as unknown);
  if (rows.length === 0) return;
  for (const r of rows) {
    const insert = insertRow(modelMetric, {
      model_id: m.modelId, version: m.version, data_set: r.dataSet, class: r.className, metric: r.metric, metric_value: r.value,
    });
    await tx.query(insert.sql, insert.params);
  }
}

export interface Run {
  runId: string;
  startedAt: string;
  rows: number;
}

export async function beginRun(
  tx: Queryable,
  m: { modelId: string; version: string },
  activity: 'ingest' | 'models-run',
  input: string,
  agent: string,
  parameters: unknown,
): Promise<Run> {
  const startedAt = nowUtc();
  const runId = `${m.modelId}-${m.version}-${startedAt.replace(/[-:.T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const insert = insertRow(inferenceRun, {
    run_id: runId, model_id: m.modelId, model_version: m.version, activity, run_input: input, agent, parameters: JSON.stringify(parameters),
    started_at: startedAt, n_rows: 0,
  });
  await tx.query(insert.sql, insert.params);
  return { runId, startedAt, rows: 0 };
}

/** Closes a run; a run that produced nothing is removed so re-ingests leave no empty provenance behind. */
export async function endRun(tx: Queryable, run: Run): Promise<void> {
  if (run.rows === 0) {
    await tx.query('DELETE FROM ml.inference_run WHERE run_id = $1', [run.runId]);
    return;
  }
  await tx.query('UPDATE ml.inference_run SET ended_at = $2, n_rows = $3 WHERE run_id = $1', [run.runId, nowUtc(), run.rows]);
}
