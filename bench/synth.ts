/** Synthetic CSC2 benchmark: `xtap synth` at XTAP_BENCH_SYNTH_SCALE (default full: 400k master sources, ~1.3M
 *  stack and ~2M observation detections with their association tables) into a fresh database on DATABASE_URL,
 *  loading and classification timed separately, against the 60 s target for the whole (issue 11). */
import { join } from 'node:path';
import { MIGRATIONS, migrate, openDb } from '../db/index.js';
import { benchLogger, benchProgress } from './log.js';
import { SYNTH_SCALES } from '../synth/generate.js';
import type { SynthScale } from '../synth/generate.js';
import { synthesize } from '../synth/load.js';
import { freshDatabase } from './ingest.js';
import { loadText } from './stats.js';
import type { BenchRow } from './types.js';

export async function benchSynth(): Promise<BenchRow[]> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the synth benchmark needs DATABASE_URL (a PostgreSQL server)');
  const scale = (process.env.XTAP_BENCH_SYNTH_SCALE ?? 'full') as SynthScale;
  if (!(scale in SYNTH_SCALES)) throw new Error(`XTAP_BENCH_SYNTH_SCALE must be one of ${Object.keys(SYNTH_SCALES).join(', ')}`);
  const log = benchLogger();
  const db = await openDb({ databaseUrl: await freshDatabase(adminUrl, 'xtap_bench_synth'), dataDir: 'unused' });
  try {
    await migrate(db, MIGRATIONS);
    const load = loadText();
    const r = await synthesize(db, { masters: SYNTH_SCALES[scale], seed: 1, sampleDir: join(process.cwd(), 'data', 'sample'), log, progress: benchProgress() });
    const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
    const total = r.seconds.load + r.seconds.classify;
    return [
      { name: `xtap synth --scale ${scale}: COPY of ${rows} rows (${r.rows.master_source} master, ${r.rows.stack_source} stack, ${r.rows.observation_source} observation + associations)`, value: rows / r.seconds.load, unit: 'rows/s', reference: `${r.seconds.load.toFixed(1)} s; ${load}` },
      { name: `classification of the ${r.classified} master sources (100 draws) + field priors`, value: r.classified / Math.max(1e-9, r.seconds.classify), unit: 'sources/s', reference: `${r.seconds.classify.toFixed(1)} s` },
      { name: 'whole load including ML', value: total, unit: 's', reference: 'target < 60 s on this 2-core machine' },
    ];
  } finally {
    await db.close();
  }
}
