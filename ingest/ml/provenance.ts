/** Model cards in ml.model and runs in ml.inference_run (ProvDM-style: every ML row names the run, and the run
 *  the model version, that produced it). Shared by every model that runs on ingest. */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/index.js';
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
    await tx.query(
      'INSERT INTO ml.model (model_id, version, task, onnx_sha256, training_data, metrics, card, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [m.modelId, m.version, m.task, m.sha256, JSON.stringify(publishedTrainingData(m.trainingData ?? null)), JSON.stringify(m.metrics ?? null), m.cardText, nowUtc()],
    );
  }
  const has = await tx.query('SELECT 1 FROM ml.model_metric WHERE model_id = $1 AND version = $2 LIMIT 1', [m.modelId, m.version]);
  if (has.rows.length > 0) return;
  const rows = cardMetrics(JSON.parse(m.cardText) as unknown);
  if (rows.length === 0) return;
  await tx.query(
    'INSERT INTO ml.model_metric (model_id, version, data_set, class, metric, metric_value) ' +
      'SELECT $1, $2, u.d, u.c, u.m, u.v FROM unnest($3::text[], $4::text[], $5::text[], $6::float8[]) AS u(d, c, m, v)',
    [m.modelId, m.version, rows.map((r) => r.dataSet), rows.map((r) => r.className), rows.map((r) => r.metric), rows.map((r) => r.value)],
  );
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
  await tx.query(
    'INSERT INTO ml.inference_run (run_id, model_id, model_version, activity, run_input, agent, parameters, started_at, n_rows) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)',
    [runId, m.modelId, m.version, activity, input, agent, JSON.stringify(parameters), startedAt],
  );
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
