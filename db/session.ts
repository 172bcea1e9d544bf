/** The statements that open every query session (stream, copyOut), sent as one simple-protocol message: one
 *  round trip instead of one per statement. Pure. */
import type { StreamOptions } from './types.js';

export function sessionPreamble(opts: Pick<StreamOptions, 'readOnly' | 'statementTimeoutMs' | 'limits'>): string {
  const out = [opts.readOnly === false ? 'BEGIN' : 'BEGIN READ ONLY'];
  if (opts.statementTimeoutMs) out.push(`SET LOCAL statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
  if (opts.limits?.workMemKb) out.push(`SET LOCAL work_mem = ${Math.floor(opts.limits.workMemKb)}`);
  // The translator's inline literals are standard-conforming: backslashes are plain characters.
  out.push('SET LOCAL standard_conforming_strings = on');
  return out.join('; ');
}
