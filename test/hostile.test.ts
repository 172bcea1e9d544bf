/** Hostile input end to end, with a bounded budget: mutated ADQL and hostile uploads through HTTP, malformed
 *  ingest files through the real ingest. Properties: no 5xx (only the declared 200/400/408/413), the database
 *  only ever receives one SELECT/WITH statement per query, availability answers throughout, upload tables are
 *  dropped, and a failed ingest is an IngestError that changes no row. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDb } from '../db/index.js';
import { IngestError, ingestCsc2, silentProgress } from '../ingest/index.js';
import { TAP_EXAMPLES } from '../server/examples/index.js';
import { hostileVotable, validVotables } from '../votable/testing/hostile-votables.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const SAMPLE = join(process.cwd(), 'data', 'sample');
const DECLARED = new Set([200, 400, 408, 413]);

/** The SQL with its quoted identifiers and string literals blanked out. */
const withoutQuoted = (sql: string) => sql.replace(/"(?:[^"]|"")*"/g, '""').replace(/'(?:[^']|'')*'/g, "''");

/** Records every statement the query paths send (stream, fetchAll, copyOut); everything else passes through. */
function recording(sent: string[]): (db: PgDb) => PgDb {
  return (db) =>
    new Proxy(db, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if ((prop === 'stream' || prop === 'fetchAll' || prop === 'copyOut') && typeof v === 'function') {
          return (sql: string, ...rest: unknown[]) => {
            sent.push(sql);
            return (v as (...a: unknown[]) => unknown).call(target, sql, ...rest);
          };
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
}

// Base queries: the service's examples without uploads and with at most two tables, so that no mutation can
// build a cross join too big for a test.
const BASES = TAP_EXAMPLES.filter((e) => !e.upload)
  .map((e) => e.query)
  .filter((q) => (q.match(/\bJOIN\b/gi) ?? []).length <= 1 && !/FROM[^()]*,/i.test(q));
const TOKENS = ['SELECT', 'FROM', 'WHERE', ',', '(', ')', 'AND', 'OR', 'NOT', '=', '<', '+', '-', '/', '*', '||', "'x'", "';--", '"', '1/0', '0', 'NULL', 'IN', 'UNION', 'ORDER BY', 'TOP', '9999999999999999999999', 'CAST(', 'AS', 'INTEGER', 'DISTANCE(', 'dbo.cone_distance(', ';', 'DROP TABLE x', '$1', '\\', '/*', '*/', 'pg_sleep(10)', 'E\'\\x00\''];

function mutatedQuery(): fc.Arbitrary<string> {
  return fc.record({ q: fc.constantFrom(...BASES), at: fc.nat(), del: fc.nat({ max: 2 }), ins: fc.oneof(fc.constantFrom(...TOKENS).map((t) => ` ${t} `), fc.string({ maxLength: 6 })) }).map(({ q, at, del, ins }) => {
    const i = at % (q.length + 1);
    return q.slice(0, i) + ins + q.slice(i + del);
  });
}

describe.each(testDatabases())('hostile input on $name', (backend) => {
  let t: TestApp;
  const sent: string[] = [];
  beforeAll(async () => {
    t = await openTestApp(backend, {}, recording(sent));
  });
  afterAll(async () => t.close());

  const availability = async () => {
    const r = await request(t.app.callback()).get('/tap/availability');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/<vosi:available>true<\/vosi:available>/);
  };

  it('300 mutated ADQL queries over HTTP: no 5xx, only single SELECT/WITH statements reach the database, availability throughout', async () => {
    expect(BASES.length).toBeGreaterThan(5);
    for (const query of BASES) {
      const r = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: query, MAXREC: '20' });
      expect(r.status, r.text).toBe(200);
    }
    const queries = fc.sample(mutatedQuery(), { numRuns: 300, seed: 42 });
    const statuses = new Map<number, number>();
    for (const [i, query] of queries.entries()) {
      const r = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: query, MAXREC: '20' });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect(DECLARED.has(r.status), `HTTP ${r.status} for ${JSON.stringify(query)}: ${r.text.slice(0, 400)}`).toBe(true);
      if (r.status !== 200) expect(r.type).toBe('application/x-votable+xml');
      if (i % 25 === 0) await availability();
    }
    console.log(`mutated ADQL over HTTP: ${JSON.stringify(Object.fromEntries(statuses))} (status: count); ${sent.length} statements reached the database`);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
    expect(sent.length).toBeGreaterThan(20);
    for (const sql of sent) {
      expect(sql).toMatch(/^(SELECT|WITH) /);
      expect(withoutQuoted(sql)).not.toMatch(/;|--|\/\*/);
    }
  });

  it('100 hostile uploads over HTTP: 200, 400 or 413 only, and no upload table left behind', async () => {
    const docs = fc.sample(hostileVotable(await validVotables()), { numRuns: 100, seed: 7 });
    const statuses = new Map<number, number>();
    for (const [i, doc] of docs.entries()) {
      const r = await request(t.app.callback())
        .post('/tap/sync')
        .field('LANG', 'ADQL')
        .field('QUERY', 'SELECT * FROM TAP_UPLOAD.t')
        .field('UPLOAD', 't,param:t')
        .attach('t', Buffer.from(doc), 't.vot');
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect([200, 400, 413], `HTTP ${r.status} for upload ${JSON.stringify(doc.slice(0, 300))}: ${r.text.slice(0, 400)}`).toContain(r.status);
      if (i % 25 === 0) await availability();
    }
    console.log(`hostile uploads over HTTP: ${JSON.stringify(Object.fromEntries(statuses))} (status: count)`);
    // The last query's table is dropped when its response closes, which may be just after the client has read it.
    let left = -1;
    for (let i = 0; i < 50 && left !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      left = Number((await t.db.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'tap_upload'`)).rows[0]?.[0]);
    }
    expect(left).toBe(0);
  });

  it('200 malformed ingest files: each failure is an IngestError that changes no row', async () => {
    const { log } = testLogger();
    const tmp = mkdtempSync(join(tmpdir(), 'xtap-hostile-ingest-'));
    const csvLines = readFileSync(join(SAMPLE, 'ngc3532_conesearch_per.csv'), 'utf8').split('\n').slice(0, 6);
    const csv = csvLines.join('\n');
    const vot = readFileSync(join(SAMPLE, 'umlcaxs_obs_example.vot'), 'utf8');
    const csvMutation = fc.record({ at: fc.nat(), del: fc.nat({ max: 20 }), ins: fc.constantFrom('', ',', '"', '\u0000', 'x', '1e999', '-', '99999999999999999999', '\n', ',,,,', 'TRUE', '2CXO J000000.0+000000') }).map(({ at, del, ins }) => {
      const i = at % (csv.length + 1);
      return { ext: 'csv', text: csv.slice(0, i) + ins + csv.slice(i + del) };
    });
    const votMutation = hostileVotable([vot]).map((text) => ({ ext: 'vot', text }));
    const files = fc.sample(fc.oneof(csvMutation, votMutation), { numRuns: 200, seed: 11 });
    const snapshot = async () =>
      (
        await t.db.query(
          `SELECT (SELECT count(*) FROM csc2.master_source), (SELECT count(*) FROM csc2.observation_source), (SELECT count(*) FROM csc2.stack_source), ` +
            `(SELECT count(*) FROM csc2.master_stack_assoc), (SELECT count(*) FROM csc2.stack_observation_assoc), (SELECT count(*) FROM ml.source_class), ` +
            `(SELECT sum(hashtext(m::text)) FROM csc2.master_source m)`,
        )
      ).rows[0];
    let failed = 0;
    for (const [i, f] of files.entries()) {
      const path = join(tmp, `f${i}.${f.ext}`);
      writeFileSync(path, f.text);
      const before = await snapshot();
      try {
        await ingestCsc2(t.db, { files: [path], table: 'auto', log, progress: silentProgress, classify: false });
      } catch (err) {
        expect(err, `ingest of ${JSON.stringify(f.text.slice(0, 300))} threw ${String(err)}`).toBeInstanceOf(IngestError);
        expect(await snapshot()).toEqual(before);
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(50);
  });
});
