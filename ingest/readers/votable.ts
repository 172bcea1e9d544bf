/** Reads CSC2 rows from a VOTable file (TABLEDATA, BINARY or BINARY2; any VOTable 1.1–1.5) with the votable/
 *  decoder; each TABLE becomes one input. VALUES null sentinels and empty cells arrive as null. */
import { readFileSync } from 'node:fs';
import { VotableError, parseVotable } from '../../votable/index.js';
import { IngestError } from '../errors.js';
import type { RawRow, TableInput } from './types.js';

export async function readVotableFile(file: string, batchSize = 5000): Promise<TableInput[]> {
  let tables;
  try {
    tables = parseVotable(readFileSync(file));
  } catch (err) {
    if (err instanceof VotableError) {
      throw new IngestError('VOTABLE_INVALID', err.message, { file, row: err.row, column: err.field }, { cause: err });
    }
    throw err;
  }
  if (tables.length === 0) throw new IngestError('VOTABLE_EMPTY', 'the VOTable holds no TABLE', { file });
  return tables.map((t, i) => {
    const input = (): TableInput => ({
      file: tables.length > 1 ? `${file}#table${i + 1}` : file,
      header: t.fields.map((f) => f.name),
      batches: (async function* (): AsyncGenerator<RawRow[]> {
        for (let start = 0; start < t.rows.length; start += batchSize) {
          yield t.rows.slice(start, start + batchSize).map((values, j) => ({ row: start + j + 1, values }));
        }
      })(),
      reopen: () => Promise.resolve(input()),
    });
    return input();
  });
}
