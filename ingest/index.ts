/** Public surface of ingest/: loading CSC2 files (CSV, VOTable) into the database in one transaction. */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import { loadCsc2 } from './csc2/load.js';
import { loadCounterparts } from './counterparts.js';
import type { CounterpartReport } from './counterparts.js';
import type { Csc2FileReport } from './csc2/load.js';
import type { Csc2TableName } from './csc2/layout.js';
import { IngestError } from './errors.js';
import type { Progress } from './progress.js';
import { readCsv } from './readers/csv.js';
import { readVotableFile } from './readers/votable.js';
import type { TableInput } from './readers/types.js';

export { IngestError } from './errors.js';
export { createProgress, silentProgress } from './progress.js';
export type { Progress } from './progress.js';
export type { Csc2FileReport } from './csc2/load.js';
export type { Csc2TableName } from './csc2/layout.js';
export type { CounterpartReport } from './counterparts.js';

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
}

/** Loads CSC2 files into the database: all files in one transaction, so any bad row changes nothing. */
export async function ingestCsc2(db: Db, req: IngestCsc2Request): Promise<Csc2FileReport[]> {
  return db.transaction((tx) =>
    loadCsc2(tx, openInputs(req.files), { table: req.table, log: req.log, progress: req.progress, estimateRows }),
  );
}

export interface IngestCounterpartsRequest {
  files: ReadonlyArray<string>;
  /** Name recorded in ml.mw_counterpart.origin; default: the file name. */
  origin?: string;
  log: Logger;
  progress: Progress;
}

/** Loads multiwavelength counterpart photometry into ml.mw_counterpart (one transaction for all files). */
export async function ingestCounterparts(db: Db, req: IngestCounterpartsRequest): Promise<CounterpartReport[]> {
  return db.transaction((tx) => loadCounterparts(tx, openInputs(req.files), { origin: req.origin, log: req.log, progress: req.progress }));
}
