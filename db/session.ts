/** The settings of a query session (read-only transactions, statement_timeout, work_mem) as session-level SETs.
 *  A query connection keeps them between queries: the adapter sends them only when a query needs other values
 *  than the connection has (its first query, or a switch between sync and async limits), so a repeated query is
 *  one statement in one round trip, in its own implicit transaction. standard_conforming_strings is on from the
 *  connection's start-up (pg-adapter makePool). Pure. */
import type { StreamOptions } from './types.js';

export function sessionSettings(opts: Pick<StreamOptions, 'readOnly' | 'statementTimeoutMs' | 'limits'>): string {
  return [
    `SET default_transaction_read_only = ${opts.readOnly === false ? 'off' : 'on'}`,
    `SET statement_timeout = ${Math.max(0, Math.floor(opts.statementTimeoutMs ?? 0))}`,
    opts.limits?.workMemKb ? `SET work_mem = ${Math.floor(opts.limits.workMemKb)}` : 'SET work_mem TO DEFAULT',
  ].join('; ');
}

/** What one connection has applied: `pending(wanted)` is the SET text to send first (undefined when the
 *  connection already has those settings); `applied(wanted)` records them once the server accepted them. A
 *  connection whose statement failed is discarded, never reused, so the record cannot drift from the server. */
export class SessionState {
  private current: string | undefined;

  pending(wanted: string): string | undefined {
    return this.current === wanted ? undefined : wanted;
  }

  applied(wanted: string): void {
    this.current = wanted;
  }
}
