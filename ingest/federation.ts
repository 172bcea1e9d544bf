/** Federation: fills ml.mw_counterpart by asking another TAP service. Our master sources (name, ra, dec) are
 *  uploaded as TAP_UPLOAD.<name> to the remote /sync (TAP 1.1 §2.7.6, multipart param: upload), the remote runs
 *  the caller's ADQL (typically a positional cross-match against its Gaia/2MASS/WISE tables) and the returned
 *  VOTable is loaded like a counterpart file: it needs a source name column and magnitude columns. */
import type { Logger } from 'pino';
import type { Queryable } from '../db/index.js';
import { col } from '../schema/index.js';
import { encodeVotable, parseVotableDocument, queryStatus, VotableError } from '../votable/index.js';
import { loadCounterparts } from './counterparts.js';
import type { CounterpartReport } from './counterparts.js';
import { IngestError } from './errors.js';
import type { Progress } from './progress.js';
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
  const syncUrl = `${req.tapUrl.replace(/\/+$/, '')}/sync`;
  const body = new FormData();
  body.set('REQUEST', 'doQuery');
  body.set('LANG', 'ADQL');
  body.set('QUERY', req.query);
  body.set('RESPONSEFORMAT', 'votable');
  body.set('MAXREC', '10000000');
  body.set('UPLOAD', `${upload},param:${upload}`);
  body.set(upload, new Blob([await uploadTable(tx)], { type: 'application/x-votable+xml' }), `${upload}.vot`);
  req.log.info({ tapUrl: req.tapUrl }, 'querying the remote TAP service for counterparts');
  let res: Response;
  try {
    res = await fetch(syncUrl, { method: 'POST', body, signal: AbortSignal.timeout((req.timeoutS ?? 300) * 1000) });
  } catch (err) {
    throw new IngestError('REMOTE_TAP', `cannot reach ${syncUrl}: ${(err as Error).message}`, { file: req.tapUrl }, { cause: err });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  let doc;
  try {
    doc = parseVotableDocument(bytes);
  } catch (err) {
    if (err instanceof VotableError) throw new IngestError('REMOTE_TAP', `${syncUrl} did not answer with a VOTable (HTTP ${res.status}): ${err.message}`, { file: req.tapUrl }, { cause: err });
    throw err;
  }
  const status = queryStatus(doc);
  if (!res.ok || status?.status === 'ERROR') {
    throw new IngestError('REMOTE_TAP', `the remote TAP service rejected the query (HTTP ${res.status}): ${status?.message ?? 'no message'}`, { file: req.tapUrl });
  }
  if (status?.status === 'OVERFLOW') req.log.warn({ tapUrl: req.tapUrl }, 'the remote result was truncated (OVERFLOW)');
  const table = doc.resources.flatMap((r) => r.tables)[0];
  if (!table) throw new IngestError('REMOTE_TAP', 'the remote result holds no table', { file: req.tapUrl });
  const input: TableInput = {
    file: req.tapUrl,
    header: table.fields.map((f) => f.name),
    batches: (async function* (): AsyncGenerator<RawRow[]> {
      yield table.rows.map((values, i) => ({ row: i + 1, values }));
    })(),
  };
  return loadCounterparts(tx, [input], { origin: `tap:${req.tapUrl}`, log: req.log, progress: req.progress });
}
