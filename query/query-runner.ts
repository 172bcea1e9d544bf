/** The query pipeline shared by /sync and the async (UWS) workers: TAP parameters in, a prepared result stream
 *  out (ADQL → SQL → cursor → encoder). Sync pipes the stream into the HTTP response; async writes it to the
 *  results store. Everything that can be rejected is rejected in prepare(), before the first byte. */
import type { TapParams } from './params.js';

export type QueryMode = 'sync' | 'async';

/** Where the runner counts queries and rows (server/metrics implements it). */
export interface QueryMetrics {
  query(mode: QueryMode, outcome: 'OK' | 'OVERFLOW' | 'ERROR' | 'CANCELLED', rows?: number): void;
}

export interface PreparedQuery {
  /** Content-Type of the result (echoes the requested MIME type where one was given). */
  contentType: string;
  /** File extension for stored results, e.g. 'vot', 'csv'. */
  extension: string;
  /** The result document, produced as it is read (backpressure); aborting the signal cancels the query. */
  stream(signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined>;
  /** Like stream(), but runs the query up to its first batch first: a database error before the first row is
   *  thrown here (DaliError with its HTTP status) instead of ending the document with a trailing ERROR, so that
   *  /sync can still answer with the error document. The returned iterator holds a connection: read it to the
   *  end or call its return(). */
  open(signal?: AbortSignal): Promise<AsyncIterableIterator<Uint8Array>>;
  /** After the stream ended: the error the query raised midway, if any. The VOTable encoders end the document
   *  with a trailing ERROR INFO instead of throwing, so a consumer storing the result (async) must ask. */
  failure(): unknown;
  /** Drops per-query resources (upload tables, temporary files); safe to call twice. */
  cleanup(): Promise<void>;
}

export interface QueryRunner {
  /** Validates LANG, QUERY, RESPONSEFORMAT/FORMAT, MAXREC and UPLOAD, translates the ADQL and loads uploads.
   *  Throws DaliError (server/errors.ts) with a message a person can act on. */
  prepare(params: TapParams, mode: QueryMode): Promise<PreparedQuery>;
}
