/** Round trips to PostgreSQL before the first row of a sync query (issue #10 "Must hold", #11.1): counted on the
 *  real driver (every pg Client.query call is one message to the server and one wait for its answer), on a real
 *  database through the HTTP app. The bulk BINARY2 path used to spend 13 round trips before its first row
 *  (pg_backend_pid, a describe transaction BEGIN/SET ×3/SELECT … LIMIT 0/COMMIT, then pg_backend_pid, BEGIN,
 *  SET ×3, COPY); it now sends the session preamble and the COPY, and plans the SQL once. A small result (TOP or
 *  MAXREC up to XTAP_SMALL_RESULT_ROWS) takes one round trip in all. */
import pg from 'pg';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { TapParams } from '../query/params.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { publishedCatalog } from '../schema/index.js';

const pgBackend = testDatabases().find((d) => d.name === 'pg');

/** The statements of each Client.query call made while fn runs (a COPY or cursor shows as its text). */
async function recordQueries(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    seen.push((typeof q === 'string' ? q : q?.text ?? '?').replace(/\s+/g, ' ').slice(0, 1000));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return seen;
}

describe.skipIf(!pgBackend)('round trips before the first row (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    if (pgBackend) t = await openTestApp(pgBackend);
  });
  afterAll(async () => t?.close());
  afterEach(() => vi.restoreAllMocks());

  const sync = (query: string, extra: Record<string, string> = {}) =>
    request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: query, ...extra });

  it('the bulk BINARY2 path: the COPY alone (one statement, one round trip, no BEGIN/COMMIT)', async () => {
    const q = "SELECT name, ra FROM csc2.master_source WHERE name <> 'x'"; // LIMIT MAXREC + 1 = 100001: not small
    await sync(q); // warm the pool: connections are opened and get their session settings once
    let status = 0;
    const seen = await recordQueries(async () => {
      status = (await sync(q)).status;
    });
    expect(status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^COPY \(SELECT .*\) TO STDOUT \(FORMAT binary\)$/);
  });

  it('a small BINARY2 result (TOP 1): the SELECT alone, one round trip, and the session settings only on a new connection', async () => {
    await sync('SELECT TOP 1 name FROM csc2.master_source');
    const q = "SELECT TOP 1 name FROM csc2.master_source WHERE name <> 'x'";
    let res: request.Response | undefined;
    const seen = await recordQueries(async () => {
      res = await sync(q);
    });
    expect(res?.status).toBe(200);
    expect(res?.text).toContain('<BINARY2>');
    expect(seen).toEqual([expect.stringMatching(/^SELECT .* LIMIT 1$/)]);
    // Async limits differ from sync ones: the connection gets them once, then the query alone again.
    const params = new TapParams();
    params.add('LANG', 'ADQL');
    params.add('QUERY', q);
    const runAsync = async () => {
      const runner = createQueryRunner({ db: t.db, config: t.config, catalog: publishedCatalog(), log: testLogger().log });
      const prepared = await runner.prepare(params, 'async');
      for await (const _ of prepared.stream()) void _;
      await prepared.cleanup();
    };
    const first = await recordQueries(runAsync);
    expect(first).toHaveLength(2);
    expect(first[0]).toMatch(/^SET default_transaction_read_only = on; SET statement_timeout = \d+; SET work_mem = \d+$/);
    expect(await recordQueries(runAsync)).toHaveLength(1);
  });

  it('the cursor path (BINARY, large LIMIT): the session preamble, then the cursor', async () => {
    const q = 'SELECT name FROM csc2.master_source';
    await sync(q, { RESPONSEFORMAT: 'votable/b' });
    const seen = await recordQueries(() => sync(q, { RESPONSEFORMAT: 'votable/b' }));
    expect(seen[0]).toBe('BEGIN');
    expect(seen[1]).toMatch(/^SELECT /);
    expect(seen.filter((s) => /pg_backend_pid/.test(s))).toEqual([]);
  });
});
