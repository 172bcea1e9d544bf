/** What every ingest reader yields: a header and batches of raw rows (CSV text cells or typed VOTable values). */
import type { CsvBatch } from './csv-scan.js';

export interface RawRow {
  /** 1-based data row number in the file (what error messages report). */
  row: number;
  values: unknown[];
}

export interface TableInput {
  file: string;
  header: string[];
  /** The rows (read once: either these or csv.batches()). */
  batches: AsyncIterable<RawRow[]>;
  /** CSV inputs: the same rows as the scanner's byte batches (no string per value), for the direct COPY path. */
  csv?: { batches: () => AsyncIterable<CsvBatch> };
  /** The same input from its first row again (lets a loader retry another way after a failed fast path). */
  reopen?: () => Promise<TableInput>;
}
