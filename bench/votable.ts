/** Micro-benchmark of the votable/ codecs: rows per second for 1e5 rows × 30 columns (15 double, 15 int) through
 *  the TABLEDATA, BINARY2 and BINARY encoders and CSV, plus the BINARY2 decoder. Rows are built before timing
 *  (a pool of 1000 distinct rows, served 100 times in batches of 1000, as a cursor would). Pure apart from
 *  the clock; the runner that prints these rows lives elsewhere. */
import type { Row } from '../db/types.js';
import { encodeCsv } from '../votable/csv-encoder.js';
import { parseVotable } from '../votable/decoder.js';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { encodeVotable, type VotableSerialization } from '../votable/votable-encoder.js';

export type BenchRow = { name: string; value: number; unit: string; reference?: string };

const ROWS = 100_000;
const BATCH = 1000;

function columns(): EncoderColumn[] {
  const cols: EncoderColumn[] = [];
  for (let i = 0; i < 15; i++) cols.push({ name: `d${i}`, datatype: 'double', description: '' });
  for (let i = 0; i < 15; i++) cols.push({ name: `i${i}`, datatype: 'int', description: '' });
  return cols;
}

function rowPool(): Row[] {
  const pool: Row[] = [];
  for (let r = 0; r < BATCH; r++) {
    const row: Row = new Array<unknown>(30);
    for (let c = 0; c < 15; c++) row[c] = (r + 1) * 1.000123456789 * (c + 1) - 500.25;
    for (let c = 15; c < 30; c++) row[c] = ((r * 7919 + c * 104729) % 2000003) - 1000000;
    if (r % 97 === 0) row[r % 30] = null;
    pool.push(row);
  }
  return pool;
}

function* batches(pool: Row[], rows: number): Generator<Row[]> {
  for (let n = 0; n < rows; n += BATCH) yield pool;
}

async function drain(gen: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of gen) bytes += chunk.length;
  return bytes;
}

async function timeEncode(make: (rows: number) => AsyncIterable<Uint8Array>): Promise<{ rowsPerSec: number; mbPerSec: number }> {
  await drain(make(10_000)); // warm-up: let the JIT see the hot loops
  const t0 = performance.now();
  const bytes = await drain(make(ROWS));
  const s = (performance.now() - t0) / 1000;
  return { rowsPerSec: ROWS / s, mbPerSec: bytes / 1e6 / s };
}

/** Runs the benchmark; each encoder reports rows/s and output MB/s. */
export async function benchVotable(): Promise<BenchRow[]> {
  const cols = columns();
  const pool = rowPool();
  const out: BenchRow[] = [];
  for (const ser of ['TABLEDATA', 'BINARY2', 'BINARY'] as VotableSerialization[]) {
    const r = await timeEncode((n) => encodeVotable({}, cols, batches(pool, n), { serialization: ser }));
    const reference = ser === 'BINARY2' ? 'target > 300k rows/s (DESIGN.md: COPY TO STDOUT ≈ 380k rows/s)' : undefined;
    out.push({ name: `votable encode ${ser} (1e5 rows × 30 cols)`, value: Math.round(r.rowsPerSec), unit: 'rows/s', ...(reference ? { reference } : {}) });
    out.push({ name: `votable encode ${ser} output`, value: Math.round(r.mbPerSec * 10) / 10, unit: 'MB/s' });
  }
  const csv = await timeEncode((n) => encodeCsv(cols, batches(pool, n)));
  out.push({ name: 'csv encode (1e5 rows × 30 cols)', value: Math.round(csv.rowsPerSec), unit: 'rows/s' });

  // Decoder: a 2e4-row BINARY2 document, parsed whole (uploads and ingest).
  const chunks: Uint8Array[] = [];
  for await (const c of encodeVotable({}, cols, batches(pool, 20_000), { serialization: 'BINARY2' })) chunks.push(c);
  const doc = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    doc.set(c, o);
    o += c.length;
  }
  parseVotable(doc);
  const t0 = performance.now();
  const rows = parseVotable(doc)[0]?.rows.length ?? 0;
  out.push({ name: 'votable decode BINARY2 (2e4 rows × 30 cols)', value: Math.round(rows / ((performance.now() - t0) / 1000)), unit: 'rows/s' });
  return out;
}
