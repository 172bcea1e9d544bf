/** Classification benchmark: sources/s through the whole CSC2 ingest with the source classifier and its
 *  Monte-Carlo uncertainties (100 draws per source), next to the same ingest without classification and the model's
 *  own throughput, interleaved XTAP_BENCH_REPS times (default 3) in one run.
 *  Uses fresh databases on DATABASE_URL's server when set, else on an embedded PostgreSQL started for the run.
 *  XTAP_BENCH_SOURCES overrides the count. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import type { Db } from '../db/index.js';
import { createProgress, ingestCsc2 } from '../ingest/index.js';
import { freshDatabase } from './ingest.js';
import { writeSyntheticMasterCsv } from './synthetic-csc2.js';
import * as ort from 'onnxruntime-node';
import { DEFAULT_MC_DRAWS, loadSourceClassifier } from '../models/source-classifier/classify.js';
import { loadText, spread, spreadText } from './stats.js';
import type { BenchRow } from './types.js';

async function openBenchDb(admin: string, name: string): Promise<Db> {
  const db = await openDb({ databaseUrl: await freshDatabase(admin, name), dataDir: 'unused' });
  await migrate(db, MIGRATIONS);
  return db;
}

const BATCH_ROWS = 32768;

/** Rows per second of the source classifier's ONNX session alone, on one batch of typical feature rows. */
async function modelRowsPerSecond(): Promise<number> {
  const clf = await loadSourceClassifier();
  const width = clf.width; // the deployed model's input width (30 for 2.2.0; features.ts may compute more)
  const features = new Float32Array(BATCH_ROWS * width);
  const mask = new Float32Array(BATCH_ROWS * width);
  for (let i = 0; i < BATCH_ROWS * width; i++) {
    features[i] = ((i * 2654435761) % 1000) / 500 - 1;
    mask[i] = i % width < 10 || i % 3 === 0 ? 1 : 0;
  }
  const feed = { features: new ort.Tensor('float32', features, [BATCH_ROWS, width]), mask: new ort.Tensor('float32', mask, [BATCH_ROWS, width]) };
  await clf.session.run(feed);
  const t0 = performance.now();
  await clf.session.run(feed);
  return BATCH_ROWS / ((performance.now() - t0) / 1000);
}

export async function benchClassify(): Promise<BenchRow[]> {
  const n = Number(process.env.XTAP_BENCH_SOURCES ?? 10_000);
  const reps = Math.max(1, Number(process.env.XTAP_BENCH_REPS ?? 3));
  const dir = mkdtempSync(join(tmpdir(), 'xtap-bench-classify-'));
  const csv = join(dir, 'sources.csv');
  const log = pino({ level: 'warn' });
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(join(dir, 'postgres'), log);
  const admin = process.env.DATABASE_URL ?? (embedded as NonNullable<typeof embedded>).url;
  try {
    await writeSyntheticMasterCsv(csv, n, 777);
    const timed = async (classify: boolean): Promise<number> => {
      const db = await openBenchDb(admin, classify ? 'xtap_bench_classify' : 'xtap_bench_classify_off');
      try {
        const t0 = performance.now();
        await ingestCsc2(db, { files: [csv], table: 'master_source', log, progress: createProgress(log), classify });
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
    const ceiling: number[] = [];
    const load = loadText();
    for (let rep = 0; rep < reps; rep++) {
      withMl.push(await timed(true));
      without.push(await timed(false));
      ceiling.push(await modelRowsPerSecond());
      process.stderr.write(`rep ${rep + 1}/${reps}: with ML ${withMl[rep]?.toFixed(1)} s, without ${without[rep]?.toFixed(1)} s\n`);
    }
    const w = spread(withMl);
    const o = spread(without);
    const alone = spread(withMl.map((x, i) => n / Math.max(1e-9, x - (without[i] ?? 0))));
    const model = spread(ceiling);
    // per rep: classification's time per source minus the model's own time for its draws (query, draws, features,
    // reduction, writing the rows)
    const outside = spread(withMl.map((x, i) => (1000 * (x - (without[i] ?? 0))) / n - (1000 * DEFAULT_MC_DRAWS) / (ceiling[i] ?? Infinity)));
    const backend = embedded ? 'embedded PostgreSQL' : 'PostgreSQL';
    return [
      { name: `ingest + classification, ${DEFAULT_MC_DRAWS} Monte-Carlo draws (${n} sources, ${backend}, ${reps} interleaved reps)`, value: n / w.median, unit: 'sources/s', reference: spreadText(w) },
      { name: 'ingest without classification (same file, same run)', value: n / o.median, unit: 'sources/s', reference: spreadText(o) },
      { name: 'classification alone (difference per rep)', value: alone.median, unit: 'sources/s', reference: `${spreadText(alone, 0, 'sources/s')}; ${load}` },
      { name: 'classification time per source outside the model (per rep: classification alone minus the model alone)', value: outside.median, unit: 'ms', reference: spreadText(outside, 3, 'ms') },
      { name: `the model alone: onnxruntime on ${BATCH_ROWS}-row batches (features already made), ÷ ${DEFAULT_MC_DRAWS} draws`, value: model.median / DEFAULT_MC_DRAWS, unit: 'sources/s', reference: `${(model.median / 1e3).toFixed(0)}k rows/s (${(model.min / 1e3).toFixed(0)}k–${(model.max / 1e3).toFixed(0)}k): the ceiling of any batching` },
    ];
  } finally {
    await embedded?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
