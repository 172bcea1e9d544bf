/** Planner statistics inside a loading transaction (db/planner-statistics.ts), on a real PostgreSQL: tables whose
 *  changes pass autovacuum's analyze threshold are analyzed once, inside the transaction, and the classifier's input
 *  query over a freshly loaded synthetic catalogue then stops scanning the whole association table per source. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../db/index.js';
import { migrate, MIGRATIONS, refreshPlannerStatistics, statisticsStale } from '../db/index.js';
import { silentProgress } from '../ingest/index.js';
import { INPUT_SQL, INPUT_TABLES } from '../ingest/ml/classify-sources.js';
import { FIELD_SOURCES_SQL, readClassifierPrior } from '../ingest/ml/field-prior.js';
import { estimateFieldPriors } from '../ml/prior-shift.js';
import { MIN_FIELD_SOURCES, SOURCE_CLASSES, classColumnStem } from '../schema/ml/index.js';
import { copyCatalogue, describeCatalogue, sampleStats, synthesize } from '../synth/load.js';
import { SAMPLE } from './helpers/per-obs-csv.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const STEMS = SOURCE_CLASSES.map(classColumnStem);
const CARD_PRIOR = (await readClassifierPrior('models/source-classifier')).classPrior;

const statsRows = async (tx: Queryable, table: string) =>
  Number((await tx.query('SELECT count(*) FROM pg_stats WHERE schemaname = $1 AND tablename = $2', table.split('.'))).rows[0]?.[0]);

/** A full scan of a detection-level table inside the per-source subplans: the plan without statistics. */
const PER_SOURCE_SCAN = /Seq Scan on (stack_observation_assoc|master_stack_assoc|observation_source)/;

/** The plan of the classifier's first input batch, as text. */
const inputPlan = async (tx: Queryable) =>
  (await tx.query(`EXPLAIN ${INPUT_SQL} WHERE m.name > '' ORDER BY m.name LIMIT 10000`)).rows.map((r) => String(r[0])).join('\n');

describe('statisticsStale: autovacuum\'s analyze rule', () => {
  const rule = { threshold: 50, scaleFactor: 0.1 };
  it('needs more than threshold + scale factor x rows changes', () => {
    expect(statisticsStale({ changes: 2050, reltuples: 20000, hasStatistics: true }, rule)).toBe(false);
    expect(statisticsStale({ changes: 2051, reltuples: 20000, hasStatistics: true }, rule)).toBe(true);
    expect(statisticsStale({ changes: 50, reltuples: -1, hasStatistics: false }, rule)).toBe(false);
    expect(statisticsStale({ changes: 51, reltuples: -1, hasStatistics: false }, rule)).toBe(true);
  });
  it('counts a table without column statistics as empty whatever its reltuples says', () => {
    expect(statisticsStale({ changes: 100, reltuples: 20000, hasStatistics: false }, rule)).toBe(true);
    expect(statisticsStale({ changes: 100, reltuples: 20000, hasStatistics: true }, rule)).toBe(false);
  });
});

describe.each(testDatabases())('planner statistics inside a loading transaction on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    await migrate(db, MIGRATIONS);
  }, 120_000);
  afterAll(async () => drop());

  it('analyzes a table the transaction loaded, once, and again only after changes past the threshold', async () => {
    await db.transaction(async (tx) => {
      await tx.exec('CREATE TABLE public.loaded (a int, b int); CREATE TABLE public.small (a int)');
      await tx.query('INSERT INTO public.loaded SELECT g, g % 7 FROM generate_series(1, 20000) g');
      await tx.query('INSERT INTO public.small SELECT g FROM generate_series(1, 10) g');
      expect(await statsRows(tx, 'public.loaded')).toBe(0);

      const first = await refreshPlannerStatistics(tx, ['public.loaded', 'public.small', 'public.no_such_table']);
      expect(first.analyzed).toEqual(['public.loaded']);
      expect(await statsRows(tx, 'public.loaded')).toBe(2);
      const reltuples = Number((await tx.query("SELECT reltuples FROM pg_class WHERE oid = 'public.loaded'::regclass")).rows[0]?.[0]);
      expect(reltuples).toBe(20000);

      expect((await refreshPlannerStatistics(tx, ['public.loaded'])).analyzed).toEqual([]);
      // 50 + 0.1 x 20000 = 2050 changes are needed before the statistics count as stale again.
      await tx.query('INSERT INTO public.loaded SELECT g, 0 FROM generate_series(1, 2000) g');
      expect((await refreshPlannerStatistics(tx, ['public.loaded'])).analyzed).toEqual([]);
      await tx.query('INSERT INTO public.loaded SELECT g, 0 FROM generate_series(1, 100) g');
      expect((await refreshPlannerStatistics(tx, ['public.loaded'])).analyzed).toEqual(['public.loaded']);
      await tx.exec('DROP TABLE public.loaded; DROP TABLE public.small');
    });
  });

  it('treats a table whose analyzed load was rolled back as one without statistics', async () => {
    await db.exec('CREATE TABLE public.reloaded (a int)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO public.reloaded SELECT g FROM generate_series(1, 20000) g');
      expect((await refreshPlannerStatistics(tx, ['public.reloaded'])).analyzed).toEqual(['public.reloaded']);
      throw new RollbackTest();
    }).catch((err) => {
      if (!(err instanceof RollbackTest)) throw err;
    });
    // reltuples (written in place) still says 20000; the column statistics went with the rollback.
    expect(Number((await db.query("SELECT reltuples FROM pg_class WHERE oid = 'public.reloaded'::regclass")).rows[0]?.[0])).toBe(20000);
    expect(await statsRows(db, 'public.reloaded')).toBe(0);
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO public.reloaded SELECT g FROM generate_series(1, 100) g');
      expect((await refreshPlannerStatistics(tx, ['public.reloaded'])).analyzed).toEqual(['public.reloaded']);
      expect(await statsRows(tx, 'public.reloaded')).toBe(1);
    });
    await db.exec('DROP TABLE public.reloaded');
  });

  it('gives the classifier input query on a freshly loaded synthetic catalogue an index plan instead of a scan per source', async () => {
    await db.transaction(async (tx) => {
      const stats = sampleStats(SAMPLE);
      await copyCatalogue(tx, { masters: 20000, seed: 3, progress: silentProgress }, stats, describeCatalogue(3, 20000, stats).rows);
      const before = await inputPlan(tx);
      expect(before).toMatch(PER_SOURCE_SCAN);
      const refreshed = await refreshPlannerStatistics(tx, INPUT_TABLES);
      expect(refreshed.analyzed).toEqual(expect.arrayContaining(['csc2.master_source', 'csc2.master_stack_assoc', 'csc2.stack_observation_assoc', 'csc2.observation_source']));
      const after = await inputPlan(tx);
      expect(after).not.toMatch(PER_SOURCE_SCAN);
      expect(after).toMatch(/Index (Only )?Scan using \S+ on stack_observation_assoc/);
      throw new RollbackTest();
    }).catch((err) => {
      if (!(err instanceof RollbackTest)) throw err;
    });
  }, 120_000);

  it('xtap synth (one transaction): statistics refreshed before classification and before the field priors, every field of several chunks holding EM on its own sources', async () => {
    const { log, lines } = testLogger();
    const r = await synthesize(db, { masters: 2000, seed: 5, sampleDir: SAMPLE, log, progress: silentProgress });
    expect(r.classified).toBe(2000);
    const refreshed = (msg: string) => lines().filter((l) => l.msg === msg).map((l) => l.tables);
    expect(refreshed('planner statistics refreshed before classification')).toEqual([
      ['csc2.master_source', 'csc2.master_stack_assoc', 'csc2.stack_observation_assoc', 'csc2.observation_source'],
    ]);
    // The association tables were analyzed for classification and have not changed since; ml.source_class has.
    expect(refreshed('planner statistics refreshed before the field priors')).toEqual([['ml.source_class']]);

    // The field priors go by chunks of fields; every field of the ~200 (several chunks) holds what the EM module
    // gives on its own sources, selected one field at a time by the published field definition.
    const fields = await db.query(`SELECT obsid, n_sources, status, ${STEMS.map((c) => `prior_${c}`).join(', ')} FROM ml.field_class_prior ORDER BY obsid`);
    const obsids = (await db.query('SELECT DISTINCT obsid FROM csc2.stack_observation_assoc ORDER BY obsid')).rows.map((row) => Number(row[0]));
    expect(obsids.length).toBeGreaterThan(150);
    expect(fields.rows.map((row) => Number(row[0]))).toEqual(obsids);
    let adjusted = 0;
    for (const row of fields.rows) {
      const src = await db.query(
        `SELECT c.name, ${STEMS.map((c) => `c.p_${c}`).join(', ')} FROM ml.source_class c WHERE c.name IN (${FIELD_SOURCES_SQL}) ORDER BY c.name`,
        [row[0]],
      );
      expect(Number(row[1])).toBe(src.rows.length);
      const stored = await db.query(`SELECT name, ${STEMS.map((c) => `p_adj_${c}`).join(', ')} FROM ml.source_class_field_prior WHERE field_id = $1 ORDER BY name`, [`obsid:${row[0]}`]);
      if (src.rows.length < MIN_FIELD_SOURCES) {
        expect([row[2], stored.rows.length]).toEqual(['too-few-sources', 0]);
        continue;
      }
      adjusted++;
      const em = estimateFieldPriors(src.rows.map((r) => r.slice(1).map(Number)), CARD_PRIOR);
      row.slice(3).forEach((v, i) => expect(Number(v)).toBeCloseTo(em.priors[i] ?? -1, 12));
      expect(stored.rows.map((r) => r[0])).toEqual(src.rows.map((r) => r[0]));
      stored.rows.forEach((r, i) => r.slice(1).forEach((v, c) => expect(Number(v)).toBeCloseTo(em.posteriors[i]?.[c] ?? -1, 12)));
    }
    expect(adjusted).toBeGreaterThan(0);
  }, 120_000);
});

class RollbackTest extends Error {}
