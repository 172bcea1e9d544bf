/** TEST DOUBLE of the QueryRunner (query/query-runner.ts) for the UWS tests: it runs QUERY as *trusted
 *  test SQL* through the real database (db.stream) and writes CSV. It exists so the job machinery can be
 *  tested with slow and failing queries that ADQL cannot express; it is not a mock of the database, and never
 *  part of the product. Test-only parameters:
 *   - SLEEPMS=n: wait n ms before the query (honouring the abort signal), a slow query that does not hold the
 *     database (pg_sleep would hold a pooled connection);
 *   - ECHOUPLOAD=field: the result is the content of that uploaded file (checks uploads reach the runner). */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../db/index.js';
import { DaliError } from '../../server/errors.js';
import type { TapParams } from '../../query/params.js';
import type { PreparedQuery, QueryRunner } from '../../query/query-runner.js';
import { closingIterator, primeFirst } from '../../query/prime.js';

export interface TrustedSqlRunner extends QueryRunner {
  /** How many prepared queries were cleaned up (each prepare must be). */
  cleanups(): number;
  /** How many SLEEPMS waits were cut short by the abort signal (a job let go at once, not after its sleep). */
  interruptedSleeps(): number;
  /** How many SLEEPMS waits ran to their end. */
  completedSleeps(): number;
}

function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function trustedSqlRunner(db: Db): TrustedSqlRunner {
  let cleaned = 0;
  let interrupted = 0;
  let completed = 0;
  return {
    cleanups: () => cleaned,
    interruptedSleeps: () => interrupted,
    completedSleeps: () => completed,
    async prepare(params: TapParams): Promise<PreparedQuery> {
      const lang = params.get('LANG');
      if (lang === undefined) throw new DaliError('MISSING_PARAMETER', 'LANG is required: use LANG=ADQL');
      if (lang.toUpperCase() !== 'ADQL') throw new DaliError('BAD_PARAMETER', `unknown query language "${lang}"`);
      const echo = params.get('ECHOUPLOAD');
      const query = params.get('QUERY');
      if (query === undefined && echo === undefined) throw new DaliError('MISSING_PARAMETER', 'QUERY is required: give the ADQL query to run');
      const sleepMs = Number(params.get('SLEEPMS') ?? '0');
      const prepared: PreparedQuery = {
        contentType: 'text/csv;header=present',
        extension: 'csv',
        async *stream(signal?: AbortSignal) {
          if (sleepMs > 0) {
            try {
              await sleep(sleepMs, undefined, { signal });
              completed++;
            } catch (err) {
              if (signal?.aborted) interrupted++;
              throw err;
            }
          }
          if (echo !== undefined) {
            const file = params.file(echo);
            if (!file) throw new DaliError('UPLOAD_INVALID', `no uploaded file "${echo}"`);
            yield await readFile(file.path);
            return;
          }
          const enc = new TextEncoder();
          let header = true;
          for await (const rows of db.stream(query ?? '', [], { batchSize: 100, readOnly: true, signal })) {
            if (header) {
              // db.stream gives no column names; the double numbers them.
              yield enc.encode(`${rows[0]?.map((_, i) => `c${i + 1}`).join(',') ?? ''}\r\n`);
              header = false;
            }
            yield enc.encode(rows.map((r) => `${r.map(csvValue).join(',')}\r\n`).join(''));
          }
        },
        async open(signal?: AbortSignal) {
          const primed = await primeFirst(prepared.stream(signal));
          return closingIterator(primed[Symbol.asyncIterator](), primed);
        },
        failure: () => undefined,
        async cleanup() {
          cleaned++;
        },
      };
      return prepared;
    },
  };
}
