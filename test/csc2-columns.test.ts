/** The whole CSC 2 stack/observation column set (issue 10, point 1) through the real service: every published
 *  column selectable over TAP, TAP_SCHEMA.columns carrying it with its unit, CSC's own flag comparisons with
 *  integers, and migration 22 upgrading a database that migration 1 created with the old, shorter tables. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS } from '../db/index.js';
import { findTableDef } from '../schema/index.js';
import { V1_COLUMNS, V22_COLUMNS } from '../schema/csc2/migration-columns.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

const TABLES = ['stack_source', 'observation_source'] as const;

async function syncCsv(t: TestApp, query: string): Promise<{ status: number; text: string; rows: string[][] }> {
  const r = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: 'csv' });
  const rows = r.status === 200 ? (parse(r.text, { relax_column_count: false }) as string[][]) : [];
  return { status: r.status, text: r.text, rows };
}

describe.each(testDatabases())('CSC 2 stack and observation columns on $name', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  }, 120_000);
  afterAll(async () => t.close());

  it.each(TABLES)('SELECT of every published %s column runs and returns the sample rows', async (table) => {
    const def = findTableDef(`csc2.${table}`);
    const query = `SELECT ${def.columns.map((c) => `x.${c.name}`).join(', ')} FROM csc2.${table} AS x`;
    const r = await syncCsv(t, query);
    expect(r.status, r.text.slice(0, 400)).toBe(200);
    expect(r.rows[0]).toEqual(def.columns.map((c) => c.name));
    const count = await t.db.query(`SELECT count(*) FROM csc2.${table}`);
    expect(r.rows.length - 1).toBe(Number(count.rows[0]?.[0]));
  });

  it.each(TABLES)('TAP_SCHEMA.columns lists every %s column with its unit and datatype', async (table) => {
    const def = findTableDef(`csc2.${table}`);
    const r = await syncCsv(
      t,
      `SELECT column_name, unit, datatype FROM TAP_SCHEMA.columns WHERE table_name = 'csc2.${table}' ORDER BY column_index`,
    );
    expect(r.status, r.text.slice(0, 400)).toBe(200);
    const published = new Map(r.rows.slice(1).map(([name, unit, datatype]) => [name, { unit, datatype }]));
    expect([...published.keys()].sort()).toEqual(def.columns.map((c) => c.name).sort());
    for (const c of def.columns) expect(published.get(c.name), c.name).toEqual({ unit: c.unit ?? '', datatype: c.datatype });
    const spot = table === 'stack_source' ? ['err_ellipse_r0', 'arcsec'] : ['theta', 'arcmin'];
    expect(published.get(spot[0] ?? '')).toEqual({ unit: spot[1], datatype: 'double' });
  });

  it('runs the published CSC 2 astrometry query on stack_source (issue 10)', async () => {
    const r = await syncCsv(
      t,
      `SELECT m.name, s.detect_stack_id, s.region_id, s.ra, s.dec, s.err_ellipse_r0, s.err_ellipse_r1, s.err_ellipse_ang,
         s.theta_mean, s.flux_significance_b, s.detect_significance_b, s.likelihood_b, s.conf_code,
         s.dither_warning_flag, s.edge_code, s.extent_code, s.multi_chip_code, s.pileup_flag, s.sat_src_flag,
         s.streak_src_flag, s.var_flag, s.var_inter_hard_flag, s.man_add_flag, s.man_inc_flag, s.man_pos_flag,
         s.man_reg_flag
       FROM csc2.master_source m JOIN csc2.master_stack_assoc a ON a.name = m.name
       JOIN csc2.stack_source s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id
       WHERE a.match_type = 'u'`,
    );
    expect(r.status, r.text.slice(0, 400)).toBe(200);
    expect(r.rows[0]?.[5]).toBe('err_ellipse_r0');
    const joined = await t.db.query(
      "SELECT count(*) FROM csc2.master_stack_assoc a JOIN csc2.stack_source s USING (detect_stack_id, region_id) WHERE a.match_type = 'u'",
    );
    expect(r.rows.length - 1).toBe(Number(joined.rows[0]?.[0]));
  });

  it('runs the MUWCLASS stack astrometry template (unqualified CSC 2 table names, dbo functions) on the sample', async () => {
    // column list of MUWCLASS files/template/csc_astrometry_stack_flag_template.adql (a query that ran on the CSC),
    // centred on NGC 3532 instead of the Galactic centre
    const [ra, dec, r] = [166.41, -58.75, 10];
    const query = `SELECT DISTINCT dbo.separation(m.ra, m.dec, ${ra}, ${dec}) AS separation, m.name, m.ra, m.dec,
        m.err_ellipse_r0, m.err_ellipse_r1, m.err_ellipse_ang, m.significance, m.likelihood_class, m.conf_flag,
        m.sat_src_flag, m.streak_src_flag, s.detect_stack_id, s.ra_stack, s.dec_stack, s.instrument, s.grating,
        s.region_id, s.ra, s.dec, s.err_ellipse_r0, s.err_ellipse_r1, s.err_ellipse_ang, s.theta_mean,
        s.flux_significance_b, s.detect_significance_b, s.likelihood_b, s.likelihood_class, s.conf_code,
        s.dither_warning_flag, s.edge_code, s.extent_code, s.multi_chip_code, s.pileup_flag, s.sat_src_flag,
        s.streak_src_flag, s.var_flag, s.var_inter_hard_flag, s.man_add_flag, s.man_inc_flag, s.man_pos_flag,
        s.man_reg_flag, a.match_type
      FROM master_source m, master_stack_assoc a, stack_source s
      WHERE dbo.cone_distance(m.ra, m.dec, ${ra}, ${dec}) <= ${r}
        AND (m.name = a.name) AND (s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id)
      ORDER BY separation ASC, name ASC`;
    const res = await syncCsv(t, query);
    expect(res.status, res.text.slice(0, 400)).toBe(200);
    expect(res.rows[0]?.length).toBe(43);
    expect(res.rows.length).toBeGreaterThan(1);
  });

  it('runs the published per-observation light-curve query across all five hierarchy tables', async () => {
    const r = await syncCsv(
      t,
      `SELECT m.name, o.obsid, o.obi, o.region_id, o.src_cnts_aper_b, o.flux_significance_b, o.flux_aper_b, o.theta,
         o.flux_bb_aper_b, o.gti_mjd_obs, o.hard_hm, o.hard_hs, o.hard_ms, o.var_prob_b, o.var_index_b
       FROM csc2.master_source m, csc2.master_stack_assoc a, csc2.observation_source o,
         csc2.stack_observation_assoc b, csc2.stack_source s
       WHERE a.match_type = 'u' AND o.theta < 20 AND m.name = a.name
         AND s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id
         AND s.detect_stack_id = b.detect_stack_id AND s.region_id = b.region_id
         AND o.obsid = b.obsid AND o.obi = b.obi AND o.region_id = b.region_id`,
    );
    expect(r.status, r.text.slice(0, 400)).toBe(200);
    expect(r.rows[0]?.slice(0, 5)).toEqual(['name', 'obsid', 'obi', 'region_id', 'src_cnts_aper_b']);
    expect(r.rows.length).toBeGreaterThan(1);
  });

  it("runs the README's stack_source example as written", async () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const query = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((q) => q.includes('FROM csc2.stack_source s'));
    expect(query).toMatch(/FROM csc2\.stack_source s/);
    const r = await syncCsv(t, query ?? '');
    expect(r.status, r.text.slice(0, 400)).toBe(200);
    expect(r.rows[0]).toContain('err_ellipse_r0');
  });

  it('compares the boolean flags with integers as CSC examples do (o.sat_src_flag = 0)', async () => {
    await t.db.exec(
      "UPDATE csc2.observation_source SET sat_src_flag = (region_id % 2 = 0), streak_src_flag = false",
    );
    await t.db.exec('UPDATE csc2.stack_source SET sat_src_flag = (region_id % 2 = 1), var_flag = true');
    const direct = async (sql: string) => Number((await t.db.query(sql)).rows[0]?.[0]);
    const cases: Array<[string, string]> = [
      ['SELECT count(*) FROM csc2.observation_source o WHERE o.sat_src_flag = 0', 'SELECT count(*) FROM csc2.observation_source WHERE NOT sat_src_flag'],
      ['SELECT count(*) FROM csc2.observation_source o WHERE o.sat_src_flag = 1 AND o.streak_src_flag = 0', 'SELECT count(*) FROM csc2.observation_source WHERE sat_src_flag'],
      ['SELECT count(*) FROM csc2.stack_source s WHERE s.sat_src_flag = 0 AND s.var_flag = 1', 'SELECT count(*) FROM csc2.stack_source WHERE NOT sat_src_flag'],
      ['SELECT count(*) FROM csc2.stack_source s WHERE s.sat_src_flag IN (0, 1)', 'SELECT count(*) FROM csc2.stack_source WHERE sat_src_flag IS NOT NULL'],
    ];
    for (const [adql, sql] of cases) {
      const r = await syncCsv(t, adql);
      expect(r.status, `${adql}: ${r.text.slice(0, 300)}`).toBe(200);
      expect(Number(r.rows[1]?.[0]), adql).toBe(await direct(sql));
    }
    expect(await direct('SELECT count(*) FROM csc2.observation_source WHERE sat_src_flag')).toBeGreaterThan(0);
    expect(await direct('SELECT count(*) FROM csc2.observation_source WHERE NOT sat_src_flag')).toBeGreaterThan(0);
  });
});

describe.each(testDatabases())('migration 22 on $name', (backend) => {
  const columnsOf = async (db: Awaited<ReturnType<typeof backend.open>>['db'], table: string) =>
    (
      await db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'csc2' AND table_name = $1 ORDER BY ordinal_position",
        [table],
      )
    ).rows.map((r) => r[0]);

  it('a fresh database gets every column from migration 1 plus 22', async () => {
    const { db, drop } = await backend.open();
    try {
      await migrate(db, MIGRATIONS);
      for (const table of TABLES) {
        expect(await columnsOf(db, table)).toEqual(findTableDef(`csc2.${table}`).columns.map((c) => c.name));
      }
    } finally {
      await drop();
    }
  });

  it('upgrades a database migrated with the old column set, keeping its rows, and is idempotent', async () => {
    const { db, drop } = await backend.open();
    try {
      await migrate(db, MIGRATIONS.filter((m) => m.version < 22));
      for (const table of TABLES) expect(await columnsOf(db, table)).toEqual([...V1_COLUMNS[table]]);
      await db.exec(
        "INSERT INTO csc2.stack_source (detect_stack_id, region_id, ra, dec, instrument) VALUES ('acisfJ0000000p000000_001', 7, 10.5, -20.25, 'ACIS')",
      );
      await db.exec(
        'INSERT INTO csc2.observation_source (obsid, obi, region_id, ra, dec, sat_src_flag) VALUES (1234, 0, 7, 10.5, -20.25, false)',
      );
      expect(await migrate(db, MIGRATIONS.filter((m) => m.version <= 22))).toEqual([22]);
      for (const table of TABLES) {
        expect(await columnsOf(db, table)).toEqual([...V1_COLUMNS[table], ...V22_COLUMNS[table]]);
      }
      const s = await db.queryObjects<{ instrument: string; err_ellipse_r0: number | null; theta_mean: number | null }>(
        'SELECT instrument, err_ellipse_r0, theta_mean FROM csc2.stack_source',
      );
      expect(s).toEqual([{ instrument: 'ACIS', err_ellipse_r0: null, theta_mean: null }]);
      const o = await db.queryObjects<{ sat_src_flag: boolean; streak_src_flag: boolean | null }>(
        'SELECT sat_src_flag, streak_src_flag FROM csc2.observation_source',
      );
      expect(o).toEqual([{ sat_src_flag: false, streak_src_flag: null }]);
      // the statements themselves are idempotent (a re-run after a crash between ALTER and bookkeeping is safe)
      const v22 = MIGRATIONS.find((m) => m.version === 22);
      for (const stmt of v22?.statements() ?? []) await db.exec(stmt);
      expect(await columnsOf(db, 'stack_source')).toEqual(findTableDef('csc2.stack_source').columns.map((c) => c.name));
    } finally {
      await drop();
    }
  });
});
