/** Classification benchmark: sources/s through the whole CSC2 ingest with the source classifier and its
 *  Monte-Carlo uncertainties (100 draws per source), next to the same ingest without classification and the model's
 *  own throughput, interleaved XTAP_BENCH_REPS times (default 3) in one run.
 *  Uses fresh databases on DATABASE_URL's server when set, else on an embedded PostgreSQL started for the run.
 *  XTAP_BENCH_SOURCES overrides the count. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import type { Db } from '../db/index.js';
import { ingestCsc2 } from '../ingest/index.js';
import { benchLogger, benchProgress } from './log.js';
import { freshDatabase } from './ingest.js';
import { writeSyntheticMasterCsv } from './synthetic-csc2.js';
import { DEFAULT_MC_DRAWS, loadSourceClassifier, rowsWithoutMw } from '../models/source-classifier/classify.js';
import type { SourceClassifier } from '../models/source-classifier/classify.js';
import { loadText, spread, spreadText } from './stats.js';
import type { BenchRow } from './types.js';

async function openBenchDb(admin: string, name: string): Promise<Db> {
  const db = await openDb({ databaseUrl: await freshDatabase(admin, name), dataDir: 'unused' });
  await migrate(db, MIGRATIONS);
  return db;
}

/** Time and rows of every model call the classification makes (clf.run: model.onnx, and its X-ray route graph for
 *  rows without MW features), and a copy of its largest batch. The ingest loads the classifier through
 *  loadSourceClassifier, which is cached per model directory, so wrapping the cached classifier's `run` sees exactly
 *  the calls of the ingest; the caller checks the row count. */
interface ModelRuns {
  ms: number;
  rows: number;
  calls: number;
  batch?: { features: Float32Array; mask: Float32Array; rows: number };
}

async function timeModelRuns(): Promise<{ runs: ModelRuns; restore: () => void; rerun: () => Promise<number>; xrayShare: () => number }> {
  const clf = await loadSourceClassifier();
  const original = clf.run;
  const runs: ModelRuns = { ms: 0, rows: 0, calls: 0 };
  (clf as { run: SourceClassifier['run'] }).run = async (features, mask, n) => {
    if (!runs.batch || n > runs.batch.rows)
      runs.batch = { features: features.slice(0, n * clf.width), mask: mask.slice(0, n * clf.width), rows: n };
    const t0 = performance.now();
    const out = await original(features, mask, n);
    runs.ms += performance.now() - t0;
    runs.rows += n;
    runs.calls++;
    return out;
  };
  /** Rows per second of one isolated run of the captured batch (the run's own feature rows, routed as in the run, no
   *  database work competing for the cores). */
  const rerun = async (): Promise<number> => {
    const b = runs.batch;
    if (!b) throw new Error('no classification batch was captured');
    await original(b.features, b.mask, b.rows);
    const t0 = performance.now();
    await original(b.features, b.mask, b.rows);
    return b.rows / ((performance.now() - t0) / 1000);
  };
  /** Share of the captured batch's rows without any MW feature (those take the X-ray route graph; 0 when the card
   *  has none), counted after the timed run. */
  const xrayShare = (): number => {
    const b = runs.batch;
    const cols = clf.card.xray_route?.mw_columns;
    if (!b || !cols || b.rows === 0) return 0;
    return rowsWithoutMw(b.mask, b.rows, clf.width, cols).reduce((a, v) => a + v, 0) / b.rows;
  };
  return { runs, restore: () => ((clf as { run: SourceClassifier['run'] }).run = original), rerun, xrayShare };
}

export async function benchClassify(): Promise<BenchRow[]> {
  const n = Number(process.env.XTAP_BENCH_SOURCES ?? 10_000);
  const reps = Math.max(1, Number(process.env.XTAP_BENCH_REPS ?? 3));
  const dir = mkdtempSync(join(tmpdir(), 'xtap-bench-classify-'));
  const csv = join(dir, 'sources.csv');
  const log = benchLogger();
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(join(dir, 'postgres'), log);
  const admin = process.env.DATABASE_URL ?? (embedded as NonNullable<typeof embedded>).url;
  try {
    await writeSyntheticMasterCsv(csv, n, 777);
    const timed = async (classify: boolean): Promise<number> => {
      const db = await openBenchDb(admin, classify ? 'xtap_bench_classify' : 'xtap_bench_classify_off');
      try {
        const t0 = performance.now();
        await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: benchProgress(), classify });
        const s = (performance.now() - t0) / 1000;
        if (classify) {
          const rows = Number((await db.query('SELECT count(*) FROM ml.source_class')).rows[0]?.[0]);
          if (rows !== n) throw new Error(`expected ${n} classified sources, found ${rows}`);
        }
        return s;
      } finally {
        await db.close();
      }
    };
    const withMl: number[] = [];
    const without: number[] = [];
    const inRun: number[] = []; // seconds of onnxruntime calls inside each classified ingest
    const ceiling: number[] = [];
    let batchRows = 0;
    let xrayShare = 0;
    const load = loadText();
    for (let rep = 0; rep < reps; rep++) {
      const model = await timeModelRuns();
      try {
        withMl.push(await timed(true));
        if (model.runs.calls === 0 || model.runs.rows !== n * DEFAULT_MC_DRAWS)
          throw new Error(`the timed classifier saw ${model.runs.rows} rows in ${model.runs.calls} calls, expected ${n * DEFAULT_MC_DRAWS}`);
        inRun.push(model.runs.ms / 1000);
        batchRows = model.runs.batch?.rows ?? 0;
        xrayShare = model.xrayShare();
        ceiling.push(await model.rerun());
      } finally {
        model.restore();
      }
      without.push(await timed(false));
      process.stderr.write(`rep ${rep + 1}/${reps}: with ML ${withMl[rep]?.toFixed(1)} s (model ${inRun[rep]?.toFixed(1)} s), without ${without[rep]?.toFixed(1)} s\n`);
    }
    const w = spread(withMl);
    const o = spread(without);
    const alone = spread(withMl.map((x, i) => n / Math.max(1e-9, x - (without[i] ?? 0))));
    const modelInRun = spread(inRun.map((s) => n / s));
    const model = spread(ceiling);
    // per rep: classification's time per source minus the time of its own onnxruntime calls (query, draws, features,
    // reduction, writing the rows)
    const outside = spread(withMl.map((x, i) => (1000 * (x - (without[i] ?? 0) - (inRun[i] ?? 0))) / n));
    const backend = embedded ? 'embedded PostgreSQL' : 'PostgreSQL';
    return [
      { name: `ingest + classification, ${DEFAULT_MC_DRAWS} Monte-Carlo draws (${n} sources, ${backend}, ${reps} interleaved reps)`, value: n / w.median, unit: 'sources/s', reference: spreadText(w) },
      { name: 'ingest without classification (same file, same run)', value: n / o.median, unit: 'sources/s', reference: spreadText(o) },
      { name: 'classification alone (difference per rep)', value: alone.median, unit: 'sources/s', reference: `${spreadText(alone, 0, 'sources/s')}; ${load}` },
      { name: `the model inside the classification: time of its own onnxruntime calls (${DEFAULT_MC_DRAWS} draws per source)`, value: modelInRun.median, unit: 'sources/s', reference: `${spreadText(modelInRun, 0, 'sources/s')}; ${(100 * xrayShare).toFixed(0)} % of the largest batch's rows have no MW feature (X-ray route graph)` },
      { name: 'classification time per source outside the model (per rep: classification alone minus its onnxruntime calls)', value: outside.median, unit: 'ms', reference: spreadText(outside, 3, 'ms') },
      { name: `the model alone: onnxruntime on the run's own largest batch (${batchRows} feature rows), re-run in isolation, ÷ ${DEFAULT_MC_DRAWS} draws`, value: model.median / DEFAULT_MC_DRAWS, unit: 'sources/s', reference: `${(model.median / 1e3).toFixed(0)}k rows/s (${(model.min / 1e3).toFixed(0)}k–${(model.max / 1e3).toFixed(0)}k): the ceiling of any batching` },
    ];
  } finally {
    await embedded?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
