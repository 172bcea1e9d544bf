/** End to end: ingesting the IC 2395 per-observation sample (two ObsIDs per source) classifies its sources from the
 *  per-observation averages (MUWCLASS's training-table definition, model 2.2.2), read back by SQL: each stored
 *  ml.source_class row equals the classifier run on (master row + observation rows) and, for most sources, differs
 *  from the classifier on the master row alone (what 2.2.1 stored). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { migrate, MIGRATIONS } from '../db/index.js';
import { ingestCsc2, silentProgress } from '../ingest/index.js';
import { CLASSIFY_SEED, DEFAULT_MC_DRAWS } from '../ingest/ml/classify-sources.js';
import { CLASSES, classifySources } from '../models/source-classifier/classify.js';
import { classColumnStem } from '../schema/ml/index.js';
import { SAMPLE, readPerObs } from './helpers/per-obs-csv.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const PROB_COLUMNS = CLASSES.map((c) => `p_${classColumnStem(c)}`);

describe.each(testDatabases())('classification from per-observation averages on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  const { log } = testLogger();

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await migrate(db, MIGRATIONS);
    await ingestCsc2(db, { files: [join(SAMPLE, 'ic2395_conesearch_per.csv')], table: 'auto', log, progress: silentProgress });
  }, 120_000);
  afterAll(async () => drop());

  it('reaches every IC 2395 source\'s two observations through the association tables', async () => {
    const r = await db.query(`
      SELECT count(DISTINCT a.name), count(*) FROM csc2.master_stack_assoc a
      JOIN csc2.stack_observation_assoc so ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id
      JOIN csc2.observation_source o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id`);
    expect(r.rows[0]).toEqual([102n, 204n]);
  });

  it('stores, for every source, the classification of its averaged features', async () => {
    const rows = await db.queryObjects<Record<string, unknown>>(`SELECT name, xray_inputs, ${PROB_COLUMNS.join(', ')} FROM ml.source_class ORDER BY name`);
    expect(rows).toHaveLength(102);
    const csv = readPerObs('ic2395_conesearch_per.csv');
    const names = rows.map((r) => String(r.name));
    const opts = { mcDraws: DEFAULT_MC_DRAWS, seed: CLASSIFY_SEED };
    const averaged = await classifySources(names.map((n) => ({ csc: csv.get(n)!.master, observations: csv.get(n)!.observations })), opts);
    const masterOnly = await classifySources(names.map((n) => ({ csc: csv.get(n)!.master })), opts);
    let differs = 0;
    rows.forEach((row, i) => {
      const stored = PROB_COLUMNS.map((c) => Number(row[c]));
      const want = CLASSES.map((c) => averaged[i]!.probabilities[c]);
      stored.forEach((p, k) => expect(Math.abs(p - want[k]!), `${names[i]} ${PROB_COLUMNS[k]}`).toBeLessThan(1e-5));
      const old = CLASSES.map((c) => masterOnly[i]!.probabilities[c]);
      if (stored.some((p, k) => Math.abs(p - old[k]!) > 1e-3)) differs++;
      expect(row.xray_inputs, names[i]).toBe(averaged[i]!.xrayInputs);
    });
    // the column says which: every source but the two without a usable observation (below) was averaged
    expect(rows.filter((r) => r.xray_inputs === 'observations')).toHaveLength(100);
    expect(masterOnly.every((r) => r.xrayInputs === 'master')).toBe(true);
    // 100 sources have usable observations (2 are at theta > 10' in both ObsIDs and keep their master features)
    expect(differs).toBeGreaterThan(90);
  });
});
