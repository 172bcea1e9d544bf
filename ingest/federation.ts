/** Federation: fills ml.mw_counterpart by asking another TAP service. Our master sources (name, ra, dec) are
 *  uploaded as TAP_UPLOAD.<name> to the remote /sync (TAP 1.1 §2.7.6, multipart param: upload), the remote runs
 *  the caller's ADQL (typically a positional cross-match against its Gaia/2MASS/WISE tables) and the returned
 *  VOTable (ingest/tap-client.ts) is loaded like a counterpart file: it needs a source name column and magnitude columns. */
import type { Logger } from 'pino';
import type { Queryable } from '../db/index.js';
import { col } from '../schema/index.js';
import { encodeVotable } from '../votable/index.js';
import { loadCounterparts } from './counterparts.js';
import type { CounterpartReport } from './counterparts.js';
import { IngestError } from './errors.js';
import type { Progress } from './progress.js';
import { TapClientError, tapSync } from './tap-client.js';
import type { RawRow, TableInput } from './readers/types.js';

export interface TapCounterpartRequest {
  /** Base URL of the remote TAP service (…/tap). */
  tapUrl: string;
  /** ADQL run remotely; it may refer to the uploaded sources as TAP_UPLOAD.<uploadName> (columns name, ra, dec). */
  query: string;
  uploadName?: string;
  /** Seconds to wait for the remote service. */
  timeoutS?: number;
  log: Logger;
  progress: Progress;
}

const UPLOAD_FIELDS = [
  col('name', 'char', '', 'meta.id;meta.main', 'CSC2 master source name'),
  col('ra', 'double', 'deg', 'pos.eq.ra;meta.main', 'ICRS right ascension'),
  col('dec', 'double', 'deg', 'pos.eq.dec;meta.main', 'ICRS declination'),
];

async function uploadTable(tx: Queryable): Promise<Buffer> {
  const rows = (await tx.query('SELECT name, ra, dec FROM csc2.master_source ORDER BY name')).rows;
  const chunks: Uint8Array[] = [];
  for await (const c of encodeVotable({ coosys: false }, UPLOAD_FIELDS, [rows], { serialization: 'BINARY2' })) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Queries the remote service and loads what it returns, in the caller's transaction. */
export async function loadCounterpartsFromTap(tx: Queryable, req: TapCounterpartRequest): Promise<CounterpartReport[]> {
  const upload = req.uploadName ?? 'sources';
  req.log.info({ tapUrl: req.tapUrl }, 'querying the remote TAP service for counterparts');
  let res;
  try {
    res = await tapSync(req.tapUrl, req.query, { maxrec: 10_000_000, timeoutS: req.timeoutS ?? 300, uploads: { [upload]: await uploadTable(tx) } });
  } catch (err) {
    if (err instanceof TapClientError) throw new IngestError('REMOTE_TAP', err.message, { file: req.tapUrl }, { cause: err });
    throw err;
  }
  if (res.overflow) req.log.warn({ tapUrl: req.tapUrl }, 'the remote result was truncated (OVERFLOW)');
  const rows = res.rows;
  const input: TableInput = {
    file: req.tapUrl,
    header: res.names,
    batches: (async function* (): AsyncGenerator<RawRow[]> {
      yield rows.map((values, i) => ({ row: i + 1, values }));
    })(),
  };
  return loadCounterparts(tx, [input], { origin: `tap:${req.tapUrl}`, log: req.log, progress: req.progress });
}
