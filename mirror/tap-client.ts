/** A synchronous TAP query (TAP 1.1 §2.2, POST /sync, ADQL, VOTable) and its rows, decoded by votable/. */
import { VotableError, parseVotableDocument, queryStatus } from '../votable/index.js';
import { MirrorError } from './errors.js';

export interface TapResult {
  names: string[];
  rows: unknown[][];
  /** The service stopped at MAXREC (QUERY_STATUS OVERFLOW, or as many rows as MAXREC allowed). */
  overflow: boolean;
}

export async function tapSync(tapUrl: string, query: string, maxrec: number, timeoutS = 600): Promise<TapResult> {
  const syncUrl = `${tapUrl.replace(/\/+$/, '')}/sync`;
  const body = new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: query, MAXREC: String(maxrec), RESPONSEFORMAT: 'votable' });
  let res: Response;
  try {
    res = await fetch(syncUrl, { method: 'POST', body, signal: AbortSignal.timeout(timeoutS * 1000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new MirrorError('UNREACHABLE', `cannot reach ${syncUrl}: ${cause ?? (err as Error).message}`, { cause: err });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  let doc;
  try {
    doc = parseVotableDocument(bytes);
  } catch (err) {
    if (err instanceof VotableError) {
      throw new MirrorError('NOT_TAP', `${syncUrl} is not a TAP service: it answered HTTP ${res.status} ${res.headers.get('content-type') ?? ''} without a VOTable (${err.message})`, { cause: err });
    }
    throw err;
  }
  const status = queryStatus(doc);
  if (res.status === 404) throw new MirrorError('NOT_TAP', `${syncUrl} is not a TAP service: HTTP 404 ${status?.message.trim() ?? ''}`);
  if (!res.ok || status?.status === 'ERROR') {
    throw new MirrorError('REMOTE_ERROR', `${syncUrl} rejected the query (HTTP ${res.status}): ${status?.message.trim() || 'no message'}`);
  }
  const table = doc.resources.flatMap((r) => r.tables)[0];
  if (!table) throw new MirrorError('NOT_TAP', `${syncUrl} answered a VOTable without a result table`);
  return { names: table.fields.map((f) => f.name), rows: table.rows as unknown[][], overflow: status?.status === 'OVERFLOW' || table.rows.length >= maxrec };
}
