/** Public surface of ingest/: loading CSC2 files (CSV, VOTable) into the database in one transaction. */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/index.js';
import { loadCsc2 } from './csc2/load.js';
import { loadCounterparts } from './counterparts.js';
import { classifyMasterSources } from './ml/classify-sources.js';
import { adjustFieldPriors } from './ml/field-prior.js';
import type { FieldPriorReport } from './ml/field-prior.js';
import { loadPublishedClasses } from './ml/published-class.js';
import type { PublishedClassReport } from './ml/published-class.js';
import { loadCounterpartsFromTap } from './federation.js';
import type { TapCounterpartRequest } from './federation.js';
import type { CounterpartReport } from './counterparts.js';
import type { Csc2FileReport } from './csc2/load.js';
import type { Csc2TableName } from './csc2/layout.js';
import { IngestError } from './errors.js';
import { loadEncoderForIngest, loadEventFiles, runEncoderOverStoredFiles } from './events.js';
import type { EventFileReport, ModelRunReport } from './events.js';
import type { Progress } from './progress.js';
import { readCsv } from './readers/csv.js';
import { readVotableFile } from './readers/votable.js';
import type { TableInput } from './readers/types.js';

export { IngestError } from './errors.js';
export { TapClientError, tapSync } from './tap-client.js';
export type { TapClientErrorCode, TapRequest, TapResult } from './tap-client.js';
export { createProgress, silentProgress } from './progress.js';
export type { Progress } from './progress.js';
export type { Csc2FileReport } from './csc2/load.js';
export type { Csc2TableName } from './csc2/layout.js';
export type { CounterpartReport } from './counterparts.js';
export type { EventFileReport, ModelRunReport } from './events.js';
export type { FieldPriorReport } from './ml/field-prior.js';
export type { PublishedClassReport } from './ml/published-class.js';
export { PER_SOURCE_MAX_RMS_ARCSEC, SOURCE_MATCH_RADIUS_ARCSEC, eventFileId, loadStoredEvents, skyWcs, tanToRaDec } from './events.js';
export type { SkyWcs } from './events.js';

export type InputFormat = 'csv' | 'votable';

export function detectFormat(file: string): InputFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return 'csv';
  if (ext === '.vot' || ext === '.xml' || ext === '.votable') return 'votable';
  throw new IngestError('UNKNOWN_FORMAT', `cannot tell the format from the extension "${ext}" (use .csv, .vot or .xml)`, { file });
}

async function* openInputs(files: ReadonlyArray<string>): AsyncGenerator<TableInput> {
  for (const file of files) {
    try {
      statSync(file);
    } catch {
      throw new IngestError('NO_FILE', 'file not found or not readable', { file });
    }
    if (detectFormat(file) === 'csv') yield await readCsv(file);
    else yield* await readVotableFile(file);
  }
}

function estimateRows(file: string): number {
  try {
    return Math.round(statSync(file).size / 1400);
  } catch {
    return 0;
  }
}

export interface IngestCsc2Request {
  files: ReadonlyArray<string>;
  table: Csc2TableName | 'auto';
  log: Logger;
  progress: Progress;
  /** Run the source classifier on the loaded master sources (default true). */
  classify?: boolean;
  /** Source classifier directory (default models/source-classifier). */
  modelDir?: string;
}

/** Loads CSC2 files into the database and classifies their master sources: all files and all ML rows in one
 *  transaction, so any bad row (or a model that does not match its card) changes nothing. */
export async function ingestCsc2(db: Db, req: IngestCsc2Request): Promise<Csc2FileReport[]> {
  return db.transaction(async (tx) => {
    const reports = await loadCsc2(tx, openInputs(req.files), { table: req.table, log: req.log, progress: req.progress, estimateRows });
    await classifyLoaded(tx, reports.flatMap((r) => r.masterNames), req, req.files.join(', '));
    return reports;
  });
}

/** ML on ingest: classifies the master sources a load touched, then re-estimates the class priors of their fields
 *  (ml.field_class_prior, ml.source_class_field_prior), in the load's transaction (unless classify: false). */
async function classifyLoaded(
  tx: Queryable,
  names: ReadonlyArray<string>,
  req: { classify?: boolean; modelDir?: string; log: Logger; progress: Progress },
  input: string,
): Promise<void> {
  if (req.classify === false || names.length === 0) return;
  await classifyMasterSources(tx, { names, activity: 'ingest', input, log: req.log, progress: req.progress, modelDir: req.modelDir });
  await adjustFieldPriors(tx, { names, activity: 'ingest', log: req.log, progress: req.progress, modelDir: req.modelDir });
}

export interface IngestCounterpartsRequest {
  files: ReadonlyArray<string>;
  /** Name recorded in ml.mw_counterpart.origin; default: the file name. */
  origin?: string;
  log: Logger;
  progress: Progress;
  /** Re-classify the sources that gained counterparts (default true). */
  classify?: boolean;
}

/** Loads multiwavelength counterpart photometry into ml.mw_counterpart and re-classifies the sources that gained
 *  counterparts (their feature set changes), all in one transaction. */
export async function ingestCounterparts(db: Db, req: IngestCounterpartsRequest): Promise<CounterpartReport[]> {
  return db.transaction(async (tx) => {
    const reports = await loadCounterparts(tx, openInputs(req.files), { origin: req.origin, log: req.log, progress: req.progress });
    await classifyLoaded(tx, reports.flatMap((r) => r.names), req, req.files.join(', '));
    return reports;
  });
}

export interface IngestEventsRequest {
  /** FITS event lists (Chandra evt2 layout). */
  files: ReadonlyArray<string>;
  log: Logger;
  progress: Progress;
  /** Directory of the event encoder's model.onnx + card.json (default models/event-encoder). */
  modelDir?: string;
}

/** Loads event files into ml.event_file / ml.event with their representations (E–t, dEdT, embedding, anomaly score),
 *  the model card and the run's provenance, all in one transaction; re-ingesting the same bytes changes nothing. */
export async function ingestEvents(db: Db, req: IngestEventsRequest): Promise<EventFileReport[]> {
  const encoder = await loadEncoderForIngest(req.modelDir);
  return db.transaction((tx) => loadEventFiles(tx, req.files, encoder, { log: req.log, progress: req.progress }));
}

export interface RunEventEncoderRequest {
  log: Logger;
  progress: Progress;
  modelDir?: string;
}

/** Runs the current event-encoder version over every stored event file lacking a row of that version (one
 *  transaction); rows of earlier versions stay as they are. */
export async function runEventEncoder(db: Db, req: RunEventEncoderRequest): Promise<ModelRunReport> {
  const encoder = await loadEncoderForIngest(req.modelDir);
  return db.transaction((tx) => runEncoderOverStoredFiles(tx, encoder, { log: req.log, progress: req.progress }));
}

export interface ClassifyAllRequest {
  log: Logger;
  progress: Progress;
  mcDraws?: number;
  modelDir?: string;
}

/** `xtap models run source-classifier`: classifies every master source that has no row of the current model
 *  version yet, adding rows for that version and leaving rows of other versions untouched; then re-estimates the
 *  field priors of every field for that version. */
export async function runSourceClassifier(db: Db, req: ClassifyAllRequest): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await classifyMasterSources(tx, { names: 'missing', activity: 'models-run', input: 'all csc2.master_source rows', log: req.log, progress: req.progress, mcDraws: req.mcDraws, modelDir: req.modelDir });
    await adjustFieldPriors(tx, { names: 'all', activity: 'models-run', log: req.log, progress: req.progress, modelDir: req.modelDir });
    return rows;
  });
}

/** `xtap models run field-prior`: re-estimates the class priors of every field (ObsID) for the current source
 *  classifier version from its stored ml.source_class rows (one transaction). */
export async function runFieldPriors(db: Db, req: { log: Logger; progress: Progress; modelDir?: string }): Promise<FieldPriorReport> {
  return db.transaction((tx) => adjustFieldPriors(tx, { names: 'all', activity: 'models-run', log: req.log, progress: req.progress, modelDir: req.modelDir }));
}

export interface IngestPublishedClassesRequest {
  files: ReadonlyArray<string>;
  /** ADS bibcode of the work that published the classification. */
  reference: string;
  /** Which classification of that work (default: the file name). */
  catalogue?: string;
  log: Logger;
  progress: Progress;
}

/** Loads published classifications (checks of the classifier, never training data) into ml.published_class, all
 *  files in one transaction; ml.class_comparison shows them next to xtap's classes. */
export async function ingestPublishedClasses(db: Db, req: IngestPublishedClassesRequest): Promise<PublishedClassReport[]> {
  return db.transaction((tx) => loadPublishedClasses(tx, openInputs(req.files), req));
}

/** Fills ml.mw_counterpart from another TAP service (our sources uploaded, its cross-match returned) and
 *  re-classifies the sources that gained counterparts, in one transaction. */
export async function ingestCounterpartsFromTap(db: Db, req: TapCounterpartRequest & { classify?: boolean }): Promise<CounterpartReport[]> {
  return db.transaction(async (tx) => {
    const reports = await loadCounterpartsFromTap(tx, req);
    await classifyLoaded(tx, reports.flatMap((r) => r.names), req, `counterparts from ${req.tapUrl}`);
    return reports;
  });
}
