/** The DALI examples: the XHTML+RDFa page (what taplint EXA parses) is generated from server/examples/examples.ts,
 *  and every example runs through the real pipeline (/tap/sync: ADQL translator, PostgreSQL with the
 *  bundled sample, VOTable encoder), uploads included, returning the rows the sample holds. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import request from 'supertest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { Db } from '../db/index.js';
import { allTables, qualifiedName } from '../schema/index.js';
import { daliErrors } from '../server/error-middleware.js';
import { EXAMPLES_VOCAB, ML_EXAMPLES, TAP_EXAMPLES, registerExamplesRoutes, uploadSampleFile } from '../server/examples/index.js';
import type { TapExample } from '../server/examples/index.js';
import { findPublishedTable } from '../server/vosi/index.js';
import { parseVotable } from '../votable/index.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const BASE = 'https://xtap.example.org';
const config = loadConfig({ XTAP_BASE_URL: BASE });

function examplesApp(): Koa {
  const app = new Koa();
  const router = new Router();
  app.use(daliErrors(testLogger().log));
  registerExamplesRoutes(router, { config });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

type XNode = { [key: string]: unknown };
const isNode = (v: unknown): v is XNode => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Depth-first list of elements (with their tag) in document order, from fast-xml-parser's preserveOrder output. */
interface Elem {
  tag: string;
  attrs: Record<string, string>;
  children: Elem[];
  /** Direct text children, concatenated. */
  text: string;
  hasElementChildren: boolean;
}
function toElems(nodes: unknown): Elem[] {
  if (!Array.isArray(nodes)) return [];
  const out: Elem[] = [];
  for (const n of nodes) {
    if (!isNode(n)) continue;
    const tag = Object.keys(n).find((k) => k !== ':@' && k !== '#text');
    if (tag === undefined) continue;
    const rawAttrs = n[':@'];
    const attrs: Record<string, string> = {};
    if (isNode(rawAttrs)) for (const [k, v] of Object.entries(rawAttrs)) attrs[k.replace(/^@/, '')] = String(v);
    const kids = Array.isArray(n[tag]) ? (n[tag] as unknown[]) : [];
    const text = kids.filter(isNode).map((k) => (typeof k['#text'] === 'string' ? k['#text'] : '')).join('');
    const children = toElems(kids);
    out.push({ tag, attrs, children, text, hasElementChildren: children.length > 0 });
  }
  return out;
}
const descendants = (e: Elem): Elem[] => e.children.flatMap((c) => [c, ...descendants(c)]);

function parsePage(xhtml: string): Elem[] {
  expect(XMLValidator.validate(xhtml)).toBe(true);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
  });
  return toElems(parser.parse(xhtml));
}

describe('GET /tap/examples (DALI examples document)', () => {
  const app = examplesApp();
  let root: Elem[] = [];
  let all: Elem[] = [];

  beforeAll(async () => {
    const res = await request(app.callback()).get('/tap/examples').expect(200);
    expect(res.headers['content-type']).toBe('application/xhtml+xml; charset=utf-8');
    expect(res.headers['last-modified']).toBeDefined();
    root = parsePage(res.text);
    all = root.flatMap((e) => [e, ...descendants(e)]);
  });

  it('ships at least 10 examples with unique XML-Name ids', () => {
    expect(TAP_EXAMPLES.length).toBeGreaterThanOrEqual(10);
    const ids = TAP_EXAMPLES.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z_][A-Za-z0-9_.-]*$/);
  });

  it('has exactly one RDFa vocab, the DALI 1.1 examples vocabulary', () => {
    const vocabs = all.filter((e) => e.attrs.vocab !== undefined);
    expect(vocabs.map((e) => e.attrs.vocab)).toEqual([EXAMPLES_VOCAB]);
  });

  it('marks every example with typeof, id, resource, one name, one plain-text query and its tables', () => {
    const exEls = all.filter((e) => e.attrs.typeof === 'example');
    expect(exEls.map((e) => e.attrs.id)).toEqual(TAP_EXAMPLES.map((e) => e.id));
    for (const [i, exEl] of exEls.entries()) {
      const ex = TAP_EXAMPLES[i] as TapExample;
      expect(exEl.attrs.resource, ex.id).toBe(`#${ex.id}`);
      const inside = descendants(exEl);
      const names = inside.filter((e) => e.attrs.property === 'name');
      expect(names.map((n) => n.text), ex.id).toEqual([ex.name]);
      const queries = inside.filter((e) => e.attrs.property === 'query');
      expect(queries, ex.id).toHaveLength(1);
      const q = queries[0] as Elem;
      expect(q.tag, ex.id).toBe('pre');
      expect(q.hasElementChildren, `${ex.id}: query must be plain text (taplint E-PTXT)`).toBe(false);
      expect(q.text, ex.id).toBe(ex.query);
      expect(inside.filter((e) => e.attrs.property === 'table').map((t) => t.text), ex.id).toEqual([...ex.tables]);
      for (const e of inside) expect(e.attrs.content, `${ex.id}: @content is forbidden in RDFa Lite`).toBeUndefined();
    }
  });

  it('names only published tables, fully qualified, and every table the query reads', () => {
    const published = allTables().map((t) => qualifiedName(t));
    for (const ex of TAP_EXAMPLES) {
      expect(ex.tables.length, ex.id).toBeGreaterThan(0);
      for (const t of ex.tables) {
        expect(findPublishedTable(t), `${ex.id}: ${t}`).toBeDefined();
        expect(published, `${ex.id}: ${t} spelled as published`).toContain(t);
        expect(ex.query.toLowerCase(), `${ex.id}: ${t} in the query`).toContain(t.toLowerCase());
      }
      const code = ex.query.replace(/'(?:[^']|'')*'/g, "''"); // names inside string literals are data, not tables
      const mentioned = published.filter((t) => new RegExp(`\\b${t.replace('.', '\\.')}\\b`, 'i').test(code));
      expect([...ex.tables].sort(), `${ex.id}: tables listed`).toEqual(mentioned.sort());
    }
  });

  it('declares the upload an example needs and serves its sample table as a VOTable', async () => {
    const withUpload = TAP_EXAMPLES.filter((e) => e.upload);
    expect(withUpload.map((e) => e.id)).toEqual(['upload-crossmatch']);
    for (const ex of withUpload) {
      const u = ex.upload;
      if (!u) continue;
      expect(ex.query).toContain(`TAP_UPLOAD.${u.table}`);
      const res = await request(app.callback()).get(`/tap/examples/${uploadSampleFile(u)}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-votable\+xml/);
      const [table] = parseVotable(res.text);
      expect(table?.fields.map((f) => f.name)).toEqual(u.columns.map((c) => c.name));
      expect(table?.rows).toHaveLength(u.rows.length);
    }
    await request(app.callback()).get('/tap/examples/nothing.vot').expect(404);
  });

  it('keeps the ML example list empty until ml tables exist', () => {
    const mlTables = allTables().filter((t) => t.schema === 'ml');
    if (mlTables.length === 0) expect(ML_EXAMPLES).toEqual([]);
    for (const ex of ML_EXAMPLES) expect(ex.tables.some((t) => t.startsWith('ml.')), ex.id).toBe(true);
  });

  it.each(['post', 'put', 'delete'] as const)('answers %s with 405', async (method) => {
    await request(app.callback())[method]('/tap/examples').expect(405);
  });
});

// ---- every example runs through the real translator and database ----
const SAMPLE = join(process.cwd(), 'data', 'sample');

describe.each(testDatabases())('every example runs on the bundled sample ($name)', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let app: Koa;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    const { log } = testLogger();
    const { prepareDatabase } = await import('../server/bootstrap.js');
    await prepareDatabase(db, { sampleDir: SAMPLE, loadSample: 'auto' }, log);
    const hasGeometry = await db.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'adql'");
    expect(hasGeometry.rows[0]?.[0]).toBe(1n);
    const { createQueryRunner } = await import('../query/sql-query-runner.js');
    const { registerSyncRoutes } = await import('../server/tap/sync.js');
    const { publishedCatalog } = await import('../schema/index.js');
    app = new Koa();
    const router = new Router();
    app.use(daliErrors(log));
    registerSyncRoutes(router, { config, runner: createQueryRunner({ db, config, catalog: publishedCatalog(), log }) });
    registerExamplesRoutes(router, { config });
    app.use(router.routes());
  });
  afterAll(async () => drop());

  it.each(TAP_EXAMPLES.map((e) => [e.id, e] as const))('%s', async (_id, ex) => {
    let req = request(app.callback())
      .post('/tap/sync')
      .field('LANG', 'ADQL')
      .field('QUERY', ex.query)
      .field('MAXREC', '5000')
      .field('RESPONSEFORMAT', 'votable/td');
    if (ex.upload) {
      const sample = await request(app.callback()).get(`/tap/examples/${uploadSampleFile(ex.upload)}`).expect(200);
      req = req.field('UPLOAD', `${ex.upload.table},param:${ex.upload.table}`).attach(ex.upload.table, Buffer.from(sample.text), uploadSampleFile(ex.upload));
    }
    const res = await req;
    // DALI: a streamed result may end with a second QUERY_STATUS (ERROR) after the table; check them all.
    const statuses = [...res.text.matchAll(/<INFO[^>]*name="QUERY_STATUS"[^>]*value="([A-Z]+)"[^>]*?(?:\/>|>([^<]*)<\/INFO>)/g)].map(
      (m) => `${m[1] ?? ''} ${m[2]?.trim() ?? ''}`.trim(),
    );
    expect([res.status, statuses], ex.id).toEqual([200, ['OK']]);
    const rows = parseVotable(res.text)[0]?.rows.length ?? -1;
    expect(rows, `${ex.id}: rows on the sample`).toBeGreaterThanOrEqual(ex.sampleRows.min);
    if (ex.sampleRows.max !== undefined) expect(rows, `${ex.id}: rows on the sample`).toBeLessThanOrEqual(ex.sampleRows.max);
  });
});
