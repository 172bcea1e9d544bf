/** `xtap synth`: streams the synthetic catalogue (generate.ts) into the csc2 tables by COPY, one table after the
 *  other in foreign-key order (the generator is rerun per table: it is deterministic and cheap), with a progress
 *  bar, then classifies the new master sources and re-estimates the field priors (ML on ingest), all in one
 *  transaction. */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { healpixIndex } from '../adql/geometry/index.js';
import type { Db, Queryable } from '../db/index.js';
import { csc2Table } from '../ingest/csc2/layout.js';
import { classifyMasterSources } from '../ingest/ml/classify-sources.js';
import { adjustFieldPriors } from '../ingest/ml/field-prior.js';
import type { Progress } from '../ingest/progress.js';
import { sqlTableName } from '../schema/index.js';
import { NULLABLE_MASTER_COLUMNS, SYNTH_COLUMNS, generateCatalogue } from './generate.js';
import type { SynthTable } from './generate.js';
import { measureSample } from './sample-stats.js';
import type { SampleStats } from './sample-stats.js';

const ORDER: SynthTable[] = ['master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];

export interface SynthRequest {
  masters: number;
  seed: number;
  sampleDir: string;
  log: Logger;
  progress: Progress;
  classify?: boolean;
}

export interface SynthReport {
  rows: Record<SynthTable, number>;
  /** sha256 over every generated row (what determinism is checked on). */
  checksum: string;
  classified: number;
  seconds: { load: number; classify: number };
}

export function sampleStats(sampleDir: string): SampleStats {
  return measureSample(sampleDir, NULLABLE_MASTER_COLUMNS);
}

/** Row counts and checksum of the catalogue a seed gives, without a database. */
export function describeCatalogue(seed: number, masters: number, stats: SampleStats): { rows: Record<SynthTable, number>; checksum: string } {
  const hash = createHash('sha256');
  const rows = Object.fromEntries(ORDER.map((t) => [t, 0])) as Record<SynthTable, number>;
  for (const field of generateCatalogue(seed, masters, stats)) {
    for (const t of ORDER) {
      rows[t] += field[t].length;
      for (const r of field[t]) hash.update(`${r.map(String).join('\t')}\n`);
    }
  }
  return { rows, checksum: hash.digest('hex') };
}

/** COPYs the catalogue of req.seed into the csc2 tables, in foreign-key order, in the caller's transaction. */
export async function copyCatalogue(tx: Queryable, req: Pick<SynthRequest, 'masters' | 'seed' | 'progress'>, stats: SampleStats, expected: Record<SynthTable, number>): Promise<void> {
  for (const t of ORDER) {
    const def = csc2Table(t);
    const cols = [...SYNTH_COLUMNS[t]];
    for (const c of cols) if (!def.columns.some((x) => x.name === c)) throw new Error(`synth: csc2.${t} has no column ${c}`);
    const pos = def.position;
    const ra = pos ? cols.indexOf(pos.ra) : -1;
    const dec = pos ? cols.indexOf(pos.dec) : -1;
    req.progress.begin(`synth csc2.${t}`, expected[t]);
    async function* batches(): AsyncGenerator<unknown[][]> {
      let batch: unknown[][] = [];
      for (const field of generateCatalogue(req.seed, req.masters, stats)) {
        for (const r of field[t]) batch.push(pos ? [...r, BigInt(healpixIndex(r[ra] as number, r[dec] as number, pos.order))] : r);
        if (batch.length >= 20_000) {
          req.progress.advance(batch.length);
          yield batch;
          batch = [];
        }
      }
      req.progress.advance(batch.length);
      yield batch;
    }
    await tx.copyIn(sqlTableName(def), pos ? [...cols, pos.healpix] : cols, batches());
    req.progress.end();
  }
}

export async function synthesize(db: Db, req: SynthRequest): Promise<SynthReport> {
  const stats = sampleStats(req.sampleDir);
  const expected = describeCatalogue(req.seed, req.masters, stats);
  return db.transaction(async (tx) => {
    const t0 = performance.now();
    await copyCatalogue(tx, req, stats, expected.rows);
    const t1 = performance.now();
    let classified = 0;
    if (req.classify !== false) {
      classified = await classifyMasterSources(tx, { names: 'missing', activity: 'ingest', input: `xtap synth --seed ${req.seed}`, log: req.log, progress: req.progress });
      await adjustFieldPriors(tx, { names: 'all', activity: 'ingest', log: req.log, progress: req.progress });
    }
    const t2 = performance.now();
    return { rows: expected.rows, checksum: expected.checksum, classified, seconds: { load: (t1 - t0) / 1000, classify: (t2 - t1) / 1000 } };
  });
}
