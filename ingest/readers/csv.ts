/** Reads CSV as the CSC2 TAP service and the CSC command-line interface write it (header line, optional
 *  leading '#' comment lines, RFC 4180 quoting), streaming from disk in batches. */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { IngestError } from '../errors.js';
import type { RawRow, TableInput } from './types.js';

export async function readCsv(file: string, batchSize = 5000): Promise<TableInput> {
  const parser = createReadStream(file).pipe(
    parse({ comment: '#', comment_no_infix: true, skip_empty_lines: true, relax_quotes: false, bom: true }),
  );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  let first: IteratorResult<string[]>;
  try {
    first = await iterator.next();
  } catch (err) {
    throw new IngestError('CSV_SYNTAX', (err as Error).message, { file }, { cause: err });
  }
  if (first.done) throw new IngestError('EMPTY_FILE', 'the file has no header line', { file });
  const header = first.value;

  async function* batches(): AsyncGenerator<RawRow[]> {
    let batch: RawRow[] = [];
    let row = 0;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        row++;
        if (next.value.length !== header.length) {
          throw new IngestError('COLUMN_COUNT', `has ${next.value.length} fields, the header has ${header.length}`, { file, row });
        }
        batch.push({ row, values: next.value });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    } catch (err) {
      if (err instanceof IngestError) throw err;
      throw new IngestError('CSV_SYNTAX', (err as Error).message, { file, row: row + 1 }, { cause: err });
    }
    if (batch.length) yield batch;
  }
  return { file, header, batches: batches(), reopen: () => readCsv(file, batchSize) };
}
