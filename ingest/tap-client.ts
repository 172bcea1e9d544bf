/** A synchronous TAP query to another service (TAP 1.1 §2.2: POST /sync, LANG=ADQL, VOTable answer), optionally
 *  with uploaded tables (§2.7.6, multipart, `param:` URIs), decoded by votable/. Used by `xtap mirror` and by
 *  `xtap ingest counterparts --from-tap`. */
import { VotableError, parseVotableDocument, queryStatus } from '../votable/index.js';

export type TapClientErrorCode = 'UNREACHABLE' | 'NOT_TAP' | 'REMOTE_ERROR';

export class TapClientError extends Error {
  constructor(
    readonly code: TapClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TapClientError';
  }
}

export interface TapRequest {
  /** MAXREC of the query. */
  maxrec: number;
  /** Seconds to wait for the whole answer (default 600). */
  timeoutS?: number;
  /** Tables to upload, by the name the query uses (TAP_UPLOAD.<name>): VOTable bytes. */
  uploads?: Record<string, Uint8Array>;
}

export interface TapResult {
  names: string[];
  rows: unknown[][];
  /** The service stopped at MAXREC (QUERY_STATUS OVERFLOW, or as many rows as MAXREC allowed). */
  overflow: boolean;
}

function requestBody(query: string, req: TapRequest): URLSearchParams | FormData {
  const params = { REQUEST: 'doQuery', LANG: 'ADQL', QUERY: query, MAXREC: String(req.maxrec), RESPONSEFORMAT: 'votable' };
  const uploads = Object.entries(req.uploads ?? {});
  if (uploads.length === 0) return new URLSearchParams(params);
  const form = new FormData();
  for (const [k, v] of Object.entries(params)) form.set(k, v);
  form.set('UPLOAD', uploads.map(([name]) => `${name},param:${name}`).join(';'));
  for (const [name, bytes] of uploads) form.set(name, new Blob([bytes], { type: 'application/x-votable+xml' }), `${name}.vot`);
  return form;
}

export async function tapSync(tapUrl: string, query: string, req: TapRequest): Promise<TapResult> {
  const syncUrl = `${tapUrl.replace(/\/+$/, '')}/sync`;
  let res: Response;
  try {
    res = await fetch(syncUrl, { method: 'POST', body: requestBody(query, req), signal: AbortSignal.timeout((req.timeoutS ?? 600) * 1000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new TapClientError('UNREACHABLE', `cannot reach ${syncUrl}: ${cause ?? (err as Error).message}`, { cause: err });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  let doc;
  try {
    doc = parseVotableDocument(bytes);
  } catch (err) {
    if (err instanceof VotableError) {
      throw new TapClientError('NOT_TAP', `${syncUrl} is not a TAP service: it answered HTTP ${res.status} ${res.headers.get('content-type') ?? ''} without a VOTable (${err.message})`, { cause: err });
    }
    throw err;
  }
  const status = queryStatus(doc);
  if (res.status === 404) throw new TapClientError('NOT_TAP', `${syncUrl} is not a TAP service: HTTP 404 ${status?.message.trim() ?? ''}`);
  if (!res.ok || status?.status === 'ERROR') {
    throw new TapClientError('REMOTE_ERROR', `the remote TAP service rejected the query (HTTP ${res.status}): ${status?.message.trim() || 'no message'}`);
  }
  const table = doc.resources.flatMap((r) => r.tables)[0];
  if (!table) throw new TapClientError('NOT_TAP', `${syncUrl} answered a VOTable without a result table`);
  return { names: table.fields.map((f) => f.name), rows: table.rows as unknown[][], overflow: status?.status === 'OVERFLOW' || table.rows.length >= req.maxrec };
}
