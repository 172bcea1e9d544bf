/** Brings a database to a serving state: migrations, TAP_SCHEMA from the metadata, and the bundled sample when
 *  the catalogue is empty (so `npm start` on a fresh machine serves real CSC2 rows). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { migrate, publishTapSchema } from '../db/index.js';
import type { Db } from '../db/index.js';
import { ingestCounterparts, ingestCsc2, ingestEvents, ingestPublishedClasses, silentProgress } from '../ingest/index.js';
import type { Progress } from '../ingest/index.js';
import { MIGRATIONS, PUBLISHED_SCHEMAS } from '../schema/index.js';

export interface SampleManifest {
  csc2: string[];
  counterparts: string[];
  events: string[];
  /** Published classifications loaded into ml.published_class: file, bibcode, which classification. */
  published_classes?: Array<{ file: string; reference: string; catalogue: string }>;
}

export function readSampleManifest(sampleDir: string): SampleManifest {
  return JSON.parse(readFileSync(join(sampleDir, 'manifest.json'), 'utf8')) as SampleManifest;
}

export interface PrepareOptions {
  sampleDir: string;
  loadSample: 'auto' | 'never' | 'always';
  progress?: Progress;
}

export async function prepareDatabase(db: Db, opts: PrepareOptions, log: Logger): Promise<void> {
  const applied = await migrate(db, MIGRATIONS);
  if (applied.length) log.info({ versions: applied }, 'migrations applied');
  await publishTapSchema(db, PUBLISHED_SCHEMAS);
  if (opts.loadSample === 'never') return;
  const count = await db.query('SELECT count(*) FROM csc2.master_source');
  const isEmpty = count.rows[0]?.[0] === 0n;
  if (!isEmpty && opts.loadSample === 'auto') return;
  const manifest = readSampleManifest(opts.sampleDir);
  log.info({ sampleDir: opts.sampleDir }, 'loading the bundled sample');
  const reports = await ingestCsc2(db, {
    files: manifest.csc2.map((f) => join(opts.sampleDir, f)),
    table: 'auto',
    log,
    progress: opts.progress ?? silentProgress,
  });
  for (const r of reports) log.info({ file: r.file, rows: r.rows, stored: r.stored }, 'sample file loaded');
  const counterparts = await ingestCounterparts(db, {
    files: manifest.counterparts.map((f) => join(opts.sampleDir, f)),
    origin: 'MUWCLASS NGC 3532 (Yang et al. 2022)',
    log,
    progress: opts.progress ?? silentProgress,
  });
  for (const r of counterparts) log.info({ file: r.file, rows: r.rows, stored: r.stored }, 'sample counterparts loaded');
  for (const p of manifest.published_classes ?? []) {
    const published = await ingestPublishedClasses(db, {
      files: [join(opts.sampleDir, p.file)],
      reference: p.reference,
      catalogue: p.catalogue,
      log,
      progress: opts.progress ?? silentProgress,
    });
    for (const r of published) log.info({ file: r.file, reference: r.reference, rows: r.rows, stored: r.stored }, 'sample published classification loaded');
  }

  // Event files: ml.event_file / ml.event / ml.event_representation through the event encoder (ingest/events.ts).
  const events = await ingestEvents(db, {
    files: (manifest.events ?? []).map((f) => join(opts.sampleDir, f)),
    log,
    progress: opts.progress ?? silentProgress,
  });
  for (const r of events) log.info({ file: r.file, eventFileId: r.eventFileId, events: r.events, anomalyScore: r.anomalyScore }, 'sample event file loaded');
}
