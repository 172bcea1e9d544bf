/** xtap synth at small scale: deterministic (same seed → same checksum and rows, another seed → others), loaded
 *  with its whole hierarchy consistent as ADQL joins through /tap/sync show, every new master source classified. */
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../ingest/index.js';
import { SYNTH_SCALES } from '../synth/generate.js';
import { describeCatalogue, sampleStats, synthesize } from '../synth/load.js';
import type { SynthReport } from '../synth/load.js';
import { parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const SAMPLE = join(process.cwd(), 'data', 'sample');
const MASTERS = SYNTH_SCALES.small;

describe.each(testDatabases())('xtap synth on $name', (backend) => {
  let t: TestApp;
  let report: SynthReport;
  let before: number;

  async function adql(query: string): Promise<unknown[][]> {
    const res = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: query, MAXREC: '1000000' });
    expect(res.status, res.text).toBe(200);
    return parseVotable(res.text)[0]?.rows ?? [];
  }

  beforeAll(async () => {
    t = await openTestApp(backend);
    before = Number((await t.db.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0]);
    report = await synthesize(t.db, { masters: MASTERS, seed: 42, sampleDir: SAMPLE, log: testLogger().log, progress: silentProgress });
  });
  afterAll(async () => t.close());

  it('is deterministic: same seed, same checksum; another seed, another catalogue', () => {
    const stats = sampleStats(SAMPLE);
    expect(describeCatalogue(42, MASTERS, stats)).toEqual({ rows: report.rows, checksum: report.checksum });
    expect(describeCatalogue(43, MASTERS, stats).checksum).not.toBe(report.checksum);
  });

  it('has CSC 2.1 proportions: ~3 stack and ~5 observation detections per master source', () => {
    expect(report.rows.master_source).toBe(MASTERS);
    expect(report.rows.stack_source / MASTERS).toBeGreaterThan(2.5);
    expect(report.rows.stack_source / MASTERS).toBeLessThan(4);
    expect(report.rows.observation_source / report.rows.stack_source).toBeGreaterThan(1.3);
    expect(report.rows.observation_source / report.rows.stack_source).toBeLessThan(1.8);
    expect(report.rows.master_stack_assoc).toBe(report.rows.stack_source);
    expect(report.rows.stack_observation_assoc).toBe(report.rows.observation_source);
  });

  it('joins consistently through TAP: every observation detection reaches its master source, none orphaned', async () => {
    const [[masters]] = (await adql('SELECT COUNT(*) FROM csc2.master_source')) as [[number]];
    expect(Number(masters)).toBe(before + MASTERS);
    const [[chain, distinctMasters]] = (await adql(`
      SELECT COUNT(*), COUNT(DISTINCT m.name) FROM csc2.master_source AS m
      JOIN csc2.master_stack_assoc AS a ON a.name = m.name
      JOIN csc2.stack_source AS s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id
      JOIN csc2.stack_observation_assoc AS so ON so.detect_stack_id = s.detect_stack_id AND so.region_id = s.region_id
      JOIN csc2.observation_source AS o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id
      WHERE o.obsid >= 900000`)) as [[number, number]];
    expect(Number(chain)).toBe(report.rows.observation_source);
    expect(Number(distinctMasters)).toBe(MASTERS);
    // stack detections scatter by 0.5″ per axis around their master source: none beyond 5″ (10σ)
    const [[near, far]] = (await adql(`
      SELECT COUNT(*), SUM(CASE WHEN DISTANCE(POINT('ICRS', m.ra, m.dec), POINT('ICRS', s.ra, s.dec)) > 5.0 / 3600 THEN 1 ELSE 0 END)
      FROM csc2.master_source AS m JOIN csc2.master_stack_assoc AS a ON a.name = m.name
      JOIN csc2.stack_source AS s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id
      WHERE s.ra_stack IS NOT NULL AND a.detect_stack_id IN (SELECT detect_stack_id FROM csc2.stack_observation_assoc WHERE obsid >= 900000)`)) as [[number, number]];
    expect(Number(near)).toBe(report.rows.stack_source);
    expect(Number(far)).toBe(0);
  });

  it('classifies every synthetic master source', async () => {
    expect(report.classified).toBe(MASTERS);
    const [[n]] = (await adql(`SELECT COUNT(*) FROM ml.source_class WHERE model_id = 'source-classifier'`)) as [[number]];
    expect(Number(n)).toBe(before + MASTERS);
  });
});
