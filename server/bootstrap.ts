/** Brings a database to a serving state: migrations, TAP_SCHEMA from the metadata, and the bundled sample when
 *  the catalogue is empty (so `npm start` on a fresh machine serves real CSC2 rows). */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { migrate, publishTapSchema, MIGRATIONS } from '../db/index.js';
import type { Db, PgDb } from '../db/index.js';
import { prepareQueryRole } from '../db/query-role.js';
import type { QueryRoleOutcome } from '../db/query-role.js';
import type { Config } from '../config/index.js';
import { UPLOAD_DIR_PREFIX } from './tap/params.js';
import { ingestCounterparts, ingestCsc2, ingestEvents, ingestPublishedClasses, silentProgress } from '../ingest/index.js';
import type { Progress } from '../ingest/index.js';
import { PUBLISHED_SCHEMAS } from '../schema/index.js';
import { markEmptyColumns, refreshColumnFill } from '../ingest/column-fill.js';

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
  await markEmptyColumns(db); // descriptions were just rewritten; the counts of the last ingest still hold
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
  await refreshColumnFill(db, PUBLISHED_SCHEMAS);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes upload temp dirs of processes that are gone (a crash skips the per-request cleanup). */
export function sweepUploadDirs(dir: string = tmpdir(), now = Date.now()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(UPLOAD_DIR_PREFIX)) continue;
    const m = /^xtap-upload-(\d+)-/.exec(name);
    const path = join(dir, name);
    // dirs without a pid (older releases): removed when a day old
    const stale = m ? !isAlive(Number(m[1])) : now - statSync(path).mtimeMs > 86_400_000;
    if (!stale) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Drops every tap_upload table when no other xtap process uses the database (each request drops its own;
 *  these are the leftovers of a process that died). */
export async function sweepUploadTables(db: PgDb): Promise<number> {
  if ((await db.otherLiveInstances()) > 0) return 0;
  const tables = await db.query("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'tap_upload'");
  for (const [name] of tables.rows) await db.exec(`DROP TABLE IF EXISTS ${String(name)}`);
  return tables.rows.length;
}

/** The database-side start-up of a serving process, after prepareDatabase: the lifeline lock, ending the
 *  sessions of dead xtap processes, sweeping their upload tables and temp dirs, and the read-only query role. */
export async function prepareRuntime(db: PgDb, config: Readonly<Config>, log: Logger): Promise<QueryRoleOutcome> {
  await db.holdLifeline();
  try {
    const ended = await db.endOrphanedSessions();
    if (ended) log.warn({ ended }, 'ended the database sessions of xtap processes that are gone');
  } catch (err) {
    log.warn({ err }, 'could not check for sessions of xtap processes that are gone');
  }
  const tables = await sweepUploadTables(db);
  const dirs = sweepUploadDirs();
  if (tables || dirs.length) log.info({ tables, dirs: dirs.length }, 'removed uploads left by processes that are gone');
  return prepareQueryRole(db, db.connectionString, {
    role: config.db.queryRole,
    queryDatabaseUrl: config.db.queryDatabaseUrl,
    tempFileLimitKb: config.limits.queryTempFileLimitKb,
    log,
  });
}
