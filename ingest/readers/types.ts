/** What every ingest reader yields: a header and batches of raw rows (CSV text cells or typed VOTable values). */
export interface RawRow {
  /** 1-based data row number in the file (what error messages report). */
  row: number;
  values: unknown[];
}

export interface TableInput {
  file: string;
  header: string[];
  batches: AsyncIterable<RawRow[]>;
  /** The same input from its first row again (lets a loader retry another way after a failed fast path). */
  reopen?: () => Promise<TableInput>;
}
