/** Reads CSV as the CSC2 TAP service and the CSC command-line interface write it (header line, optional
 *  leading '#' comment lines, RFC 4180 quoting), streaming from disk in batches. The grammar is csv-scan.ts's;
 *  the input offers both the scanner's byte batches (`csv`, for the direct COPY path) and rows of field strings. */
import { fieldText, readCsvBatches } from './csv-scan.js';
import type { RawRow, TableInput } from './types.js';

export async function readCsv(file: string, chunkBytes = 1 << 20): Promise<TableInput> {
  const { header, batches: scanned } = await readCsvBatches(file, chunkBytes);
  let used = false;
  const take = () => {
    if (used) throw new Error(`the rows of ${file} were already read`);
    used = true;
    return scanned;
  };
  async function* batches(): AsyncGenerator<RawRow[]> {
    for await (const b of take()) {
      const out = new Array<RawRow>(b.rows);
      for (let r = 0; r < b.rows; r++) {
        const values = new Array<string>(b.cols);
        for (let c = 0; c < b.cols; c++) values[c] = fieldText(b, r, c);
        out[r] = { row: b.firstRow + r, values };
      }
      yield out;
    }
  }
  return { file, header, batches: batches(), csv: { batches: () => take() }, reopen: () => readCsv(file, chunkBytes) };
}
