/** `xtap mirror`: harvests CSC2 tables from a TAP service (CSC's own, DaCHS, another xtap) chunk by chunk.
 *  Per table (in foreign-key order) the sky is walked in HEALPix pixels; a pixel whose query stops at MAXREC is
 *  split into its four children. Each chunk is loaded by the CSC2 ingest (the same value checks and upsert) in
 *  one transaction and then recorded in the state file, so an interrupted mirror resumes where it stopped
 *  without duplicates. When every table is done the source classifier runs over the new master sources (ML on
 *  ingest, as `xtap ingest csc2` does). */
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/index.js';
import type { Csc2TableName, Progress } from '../ingest/index.js';
import { TapClientError, runSourceClassifier, silentProgress, tapSync } from '../ingest/index.js';
import { loadCsc2 } from '../ingest/csc2/load.js';
import { csc2Table } from '../ingest/csc2/layout.js';
import type { Chunk } from './chunks.js';
import { chunkKey, inChunk, initialChunks, splitChunk } from './chunks.js';
import { MirrorError } from './errors.js';
import { MIRROR_TABLES, POSITION_ALIASES, chunkQuery, columnsQuery } from './plan.js';
import { emptyState, readState, writeState } from './state.js';
import type { MirrorState } from './state.js';

export interface MirrorRequest {
  /** Base URL of the remote TAP service (…/tap). */
  from: string;
  /** Tables to mirror (default all five CSC2 tables); mirrored in foreign-key order whatever the order given. */
  tables?: ReadonlyArray<Csc2TableName>;
  /** JSON state file of done chunks; without it the mirror is not resumable. */
  stateFile?: string;
  /** MAXREC of each chunk query; a chunk that reaches it is split (default 50 000). */
  pageSize?: number;
  /** HEALPix order of the first chunks (default 0: 12 pixels). */
  startOrder?: number;
  /** Run the source classifier when done (default true). */
  classify?: boolean;
  log: Logger;
  progress: Progress;
  /** Called inside a chunk's transaction after its rows are loaded, before the commit (tests use it to crash). */
  onChunkLoaded?: (table: Csc2TableName, chunk: string, tx: Queryable) => void | Promise<void>;
}

export interface MirrorReport {
  /** Rows received and kept per table in this run (chunks done in earlier runs are not counted). */
  rows: Partial<Record<Csc2TableName, number>>;
  /** Chunks loaded in this run, skipped as done by an earlier run, and split because they reached MAXREC. */
  chunks: { loaded: number; skipped: number; split: number };
  /** Master sources classified at the end (0 when classify is off or all were classified already). */
  classified: number;
}

/** One query to the remote service; its failures become MirrorErrors with the same code. */
async function remote(from: string, query: string, maxrec: number) {
  try {
    return await tapSync(from, query, { maxrec });
  } catch (err) {
    if (err instanceof TapClientError) throw new MirrorError(err.code, err.message, { cause: err });
    throw err;
  }
}

/** The columns to request: ours (minus the index column xtap computes) that the remote publishes. */
async function remoteColumns(from: string, table: Csc2TableName): Promise<string[]> {
  const res = await remote(from, columnsQuery(table), 100000);
  const theirs = new Set(res.rows.map((r) => String(r[0]).toLowerCase()));
  if (theirs.size === 0) throw new MirrorError('UNKNOWN_TABLE', `${from} publishes no table csc2.${table} (its TAP_SCHEMA.columns has no columns for it)`);
  const def = csc2Table(table);
  const healpix = def.position?.healpix;
  const wanted = def.columns.filter((c) => c.name !== healpix && theirs.has(c.name.toLowerCase())).map((c) => c.name);
  const missing = (def.primaryKey ?? []).filter((k) => !wanted.includes(k));
  if (missing.length) throw new MirrorError('MISSING_COLUMNS', `csc2.${table} at ${from} lacks key column(s) ${missing.join(', ')}`);
  return wanted;
}

export async function mirrorTap(db: Db, req: MirrorRequest): Promise<MirrorReport> {
  const from = req.from.replace(/\/+$/, '');
  const tables = MIRROR_TABLES.filter((t) => (req.tables ?? MIRROR_TABLES).includes(t));
  const pageSize = req.pageSize ?? 50000;
  let state: MirrorState;
  try {
    state = req.stateFile ? readState(req.stateFile, from) : emptyState(from);
  } catch (err) {
    throw new MirrorError('STATE', (err as Error).message, { cause: err });
  }
  const save = () => {
    if (req.stateFile) writeState(req.stateFile, state);
  };
  // Every table is checked against the remote TAP_SCHEMA before anything is loaded.
  const columns = new Map<Csc2TableName, string[]>();
  for (const t of tables) columns.set(t, await remoteColumns(from, t));

  const report: MirrorReport = { rows: {}, chunks: { loaded: 0, skipped: 0, split: 0 }, classified: 0 };
  for (const table of tables) {
    const done = new Set(state.done[table] ?? []);
    const cols = columns.get(table) ?? [];
    const queue = initialChunks(req.startOrder ?? 0);
    req.progress.begin(`mirror csc2.${table} (chunks)`, queue.length);
    let total = queue.length;
    while (queue.length) {
      const chunk = queue.shift() as Chunk;
      const key = chunkKey(chunk);
      if (done.has(key)) {
        report.chunks.skipped++;
        req.progress.advance(1);
        continue;
      }
      const started = Date.now();
      const res = await remote(from, chunkQuery(table, cols, chunk), pageSize);
      req.log.debug({ table, chunk: key, rows: res.rows.length, overflow: res.overflow, ms: Date.now() - started }, 'chunk fetched');
      if (res.overflow) {
        const children = splitChunk(chunk);
        if (!children) throw new MirrorError('TOO_DENSE', `csc2.${table} chunk ${key} holds ${pageSize} rows or more even at the finest HEALPix order; raise --page-size`);
        report.chunks.split++;
        queue.unshift(...children);
        total += children.length;
        req.progress.estimate(total);
        req.progress.advance(1);
        continue;
      }
      const kept = keepChunkRows(res.names, res.rows, chunk);
      if (kept.rows.length) {
        await db.transaction(async (tx) => {
          await loadCsc2(tx, [rowsInput(`${from} csc2.${table} chunk ${key}`, kept.names, kept.rows)], { table, log: req.log, progress: silentProgress });
          await req.onChunkLoaded?.(table, key, tx);
        });
      } else if (req.onChunkLoaded) {
        await db.transaction((tx) => Promise.resolve(req.onChunkLoaded?.(table, key, tx)));
      }
      done.add(key);
      state.done[table] = [...done];
      save();
      report.chunks.loaded++;
      report.rows[table] = (report.rows[table] ?? 0) + kept.rows.length;
      req.progress.advance(1);
    }
    req.progress.end();
    req.log.info({ table: `csc2.${table}`, rows: report.rows[table] ?? 0 }, 'mirrored');
  }
  if (req.classify !== false && tables.includes('master_source') && !state.classified) {
    report.classified = await runSourceClassifier(db, { log: req.log, progress: req.progress });
    state.classified = true;
    save();
  }
  return report;
}

/** Drops the position columns the chunk query added and the rows outside the chunk. */
function keepChunkRows(names: string[], rows: unknown[][], chunk: Chunk): { names: string[]; rows: unknown[][] } {
  const ra = names.indexOf(POSITION_ALIASES[0]);
  const dec = names.indexOf(POSITION_ALIASES[1]);
  if (ra < 0 || dec < 0) throw new MirrorError('NOT_TAP', `the remote result lacks the ${POSITION_ALIASES.join('/')} columns that were asked for`);
  const keep = names.map((_, i) => i).filter((i) => i !== ra && i !== dec);
  return {
    names: keep.map((i) => names[i] as string),
    rows: rows.filter((r) => inChunk(chunk, r[ra], r[dec])).map((r) => keep.map((i) => r[i])),
  };
}

function rowsInput(file: string, header: string[], rows: unknown[][]) {
  return {
    file,
    header,
    batches: (async function* () {
      yield rows.map((values, i) => ({ row: i + 1, values }));
    })(),
  };
}


