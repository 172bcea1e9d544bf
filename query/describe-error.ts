/** What a client may read about a failure: our typed errors say what happened; anything else is an internal
 *  error with an id whose details are in the log. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AdqlError } from '../adql/errors.js';
import { DbError } from '../db/index.js';
import { DaliError } from './errors.js';

export interface DescribedError {
  status: number;
  message: string;
}

/** SQLSTATEs that are the query's fault, not the service's (PostgreSQL error classes 22, 42, 54). */
function isUserSqlState(code: string | undefined): boolean {
  return code !== undefined && /^(22|42|54)/.test(code);
}

/** The positioned message of an ADQL error, as users see it: where, what, and the hint when there is one. */
export function adqlErrorMessage(err: AdqlError): string {
  const hint = err.hint && !err.message.includes(err.hint) ? ` (${err.hint})` : '';
  return `ADQL error: line ${err.line}, column ${err.column}: ${err.message}${hint}`;
}

export function describeError(err: unknown, log: Logger, opts: { timeoutS?: number } = {}): DescribedError {
  if (err instanceof DaliError) return { status: err.status, message: err.message };
  if (err instanceof AdqlError) return { status: 400, message: adqlErrorMessage(err) };
  if (err instanceof DbError) {
    if (err.code === '57014') {
      const limit = opts.timeoutS ? ` (limit ${opts.timeoutS} s)` : '';
      return { status: 408, message: `the query was cancelled: it ran out of time${limit} or the request was aborted; submit long queries to the async endpoint /tap/async` };
    }
    if (err.code === '53300') return { status: 503, message: err.message };
    // 08: connection lost; 57P0x: session ended by the server (shutdown, pg_terminate_backend)
    if (err.code !== undefined && /^(08|57P0)/.test(err.code)) {
      return { status: 503, message: `the database session ended while running the query (${err.message}); please retry` };
    }
    if (err.code === '53400') return { status: 400, message: `the query needs more than this service allows: ${err.message}` };
    if (err.code === '53100' || err.code === '53200') {
      return { status: 503, message: `the database ran out of resources for this query (${err.message}); please retry later` };
    }
    if (isUserSqlState(err.code)) return { status: 400, message: `the database rejected the query: ${err.message}` };
  }
  const id = randomUUID();
  log.error({ err, errorId: id }, 'internal error');
  return { status: 500, message: `internal error (id ${id}); the details are in the service log` };
}
