/** Metadata users stumble on (issue 12 point 4): no reserved words in ml column names, gal_l/gal_b derived from the
 *  position on ingest. Through the real application (ADQL over /tap/sync). */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases())('metadata on $name', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  const adql = async (query: string) => {
    const res = await request(t.app.callback()).get('/tap/sync').query({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: query });
    return { status: res.status, text: res.text, table: res.status === 200 ? parseVotable(res.text)[0] : undefined };
  };

  it('ml.inference_run.run_input replaces the reserved word input, in the table and in TAP_SCHEMA', async () => {
    const r = await adql('SELECT run_id, run_input FROM ml.inference_run');
    expect(r.status).toBe(200);
    expect(r.table?.rows.length).toBeGreaterThan(0);
    expect(r.table?.rows.every((row) => String(row[1]).length > 0)).toBe(true);
    const cols = await adql("SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'ml.inference_run'");
    const names = cols.table?.rows.map((row) => String(row[0]));
    expect(names).toContain('run_input');
    expect(names).not.toContain('input');
  });

  it('every ml column name is usable in ADQL without quoting', async () => {
    const cols = await adql("SELECT table_name, column_name FROM TAP_SCHEMA.columns WHERE table_name LIKE 'ml.%'");
    const byTable = new Map<string, string[]>();
    for (const [tn, cn] of cols.table?.rows ?? []) (byTable.get(String(tn)) ?? byTable.set(String(tn), []).get(String(tn)))?.push(String(cn));
    expect(byTable.size).toBeGreaterThan(5);
    for (const [tn, names] of byTable) {
      const r = await adql(`SELECT TOP 1 ${names.join(', ')} FROM ${tn}`);
      expect(r.status, `${tn}: ${r.text.slice(0, 300)}`).toBe(200);
    }
  });

  it('gal_l/gal_b are filled on ingest from ra/dec (NGC 3532 lies near l = 289.6, b = +1.3)', async () => {
    const r = await adql('SELECT COUNT(*), COUNT(gal_l), COUNT(gal_b), AVG(gal_l), AVG(gal_b) FROM csc2.master_source WHERE dec < -58.4 AND ra > 166');
    const [n, nl, nb, l, b] = (r.table?.rows[0] ?? []).map(Number);
    expect(n).toBeGreaterThan(100);
    expect([nl, nb]).toEqual([n, n]);
    expect(l).toBeGreaterThan(288);
    expect(l).toBeLessThan(291);
    expect(Math.abs(b)).toBeLessThan(3);
  });

  it('columns with no value are marked in TAP_SCHEMA and counted in xtap.column_fill; filled ones are not marked', async () => {
    const fill = await t.db.query("SELECT column_name, non_null_rows, table_rows FROM xtap.column_fill WHERE table_name = 'csc2.master_source'");
    expect(fill.rows.length).toBeGreaterThan(500);
    const empty = fill.rows.filter((r) => Number(r[1]) === 0).map((r) => String(r[0]));
    const filled = fill.rows.filter((r) => Number(r[1]) > 0).map((r) => String(r[0]));
    expect(empty.length).toBeGreaterThan(100);
    expect(filled).toEqual(expect.arrayContaining(['name', 'ra', 'dec', 'gal_l', 'gal_b']));
    const marked = await adql("SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'csc2.master_source' AND description LIKE '%[empty in this deployment: no row has a value]'");
    expect(marked.table?.rows.map((r) => String(r[0])).sort()).toEqual([...empty].sort());
    // publishing TAP_SCHEMA again (every start) keeps the marks, once
    const { prepareDatabase } = await import('../server/bootstrap.js');
    const { testLogger } = await import('./helpers/logger.js');
    await prepareDatabase(t.db, { sampleDir: 'unused', loadSample: 'never' }, testLogger().log);
    const again = await t.db.query("SELECT count(*) FROM tap_schema.columns WHERE table_name = 'csc2.master_source' AND description LIKE '%[empty in this deployment%'");
    expect(Number(again.rows[0][0])).toBe(empty.length);
    const twice = await t.db.query("SELECT count(*) FROM tap_schema.columns WHERE description LIKE '%[empty in this deployment%[empty in this deployment%'");
    expect(Number(twice.rows[0][0])).toBe(0);
  });

  it('ml.model_metric holds the card figures as rows ADQL can filter; training data names repository and commit', async () => {
    const r = await adql("SELECT model_id, version, data_set, class, metric, metric_value FROM ml.model_metric WHERE metric = 'recall' AND class = 'NS'");
    expect(r.status).toBe(200);
    expect(r.table?.rows.length).toBeGreaterThan(0);
    expect(r.table?.rows.every((row) => Number(row[5]) >= 0 && Number(row[5]) <= 1)).toBe(true);
    const enc = await adql("SELECT COUNT(*) FROM ml.model_metric WHERE metric LIKE 'auc%' AND class IS NULL");
    expect(Number(enc.table?.rows[0][0])).toBeGreaterThan(0);
    const td = await adql('SELECT training_data FROM ml.model');
    for (const row of td.table?.rows ?? []) expect(String(row[0])).not.toContain('../shared');
    expect(td.table?.rows.some((row) => String(row[0]).includes('"commit":"fc0bcabef92a112b1b0f32fb71709cc87e03afa0"'))).toBe(true);
  });

  it('the model card is served at /models/{id}/card (Markdown) and card.json, and DataLink links to it', async () => {
    const md = await request(t.app.callback()).get('/models/source-classifier/card');
    expect(md.status).toBe(200);
    expect(md.type).toBe('text/markdown');
    expect(md.text).toMatch(/^# xtap-source-classifier /);
    const js = await request(t.app.callback()).get('/models/source-classifier/card.json');
    expect(js.status).toBe(200);
    expect((JSON.parse(js.text) as { version: string }).version).toBe(md.headers['x-model-version']);
    expect((await request(t.app.callback()).get('/models/event-encoder/card')).status).toBe(200);
    const missing = await request(t.app.callback()).get('/models/nope/card');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/no model "nope"/);
    const src = String((await t.db.query('SELECT name FROM ml.source_class ORDER BY name LIMIT 1')).rows[0][0]);
    const links = await request(t.app.callback()).get('/tap/links').query({ ID: src });
    expect(links.text).toContain('http://xtap.test/models/source-classifier/card');
  });
});
