/** Loads CSC2 rows into the csc2 tables in one transaction: every file is read in batches, each value checked
 *  against the metadata, rows copied (COPY) into staging tables and then upserted by primary key, so loading
 *  the same rows twice changes nothing and a bad row anywhere leaves the database untouched. */
import type { Logger } from 'pino';
import { healpixIndex } from '../../adql/geometry/index.js';
import type { Queryable } from '../../db/index.js';
import type { ColumnDef, TableDef } from '../../schema/index.js';
import { IngestError } from '../errors.js';
import type { Progress } from '../progress.js';
import type { TableInput } from '../readers/types.js';
import {
  MASTER_STACK_ASSOC_COLUMNS,
  STACK_OBSERVATION_ASSOC_COLUMNS,
  STACK_SOURCE_COLUMNS,
  deriveHierarchy,
} from './hierarchy.js';
import type { ObservationLink } from './hierarchy.js';
import { autoLayout, csc2Table, explicitLayout } from './layout.js';
import type { ColumnTarget, Csc2Layout, Csc2TableName } from './layout.js';
import { ValueError, convertValue } from './values.js';
import { copyDirect, deferSecondaryIndexes, isEmptyTable, isIntegrityViolation } from './direct.js';
import { STAGE_EXTRA_COLUMNS, checkDuplicateKeys, createStage, rowFingerprint, upsertFromStage } from '../staging.js';
import type { Staged } from '../staging.js';
import { fillGalactic } from './galactic.js';

/** Upsert order: every foreign key points to a table earlier in this list. */
const LOAD_ORDER: Csc2TableName[] = ['master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];

export interface Csc2IngestOptions {
  /** Which table the files hold, or 'auto' for CSC CLI/TAP outputs mixing master and observation columns. */
  table: Csc2TableName | 'auto';
  log: Logger;
  progress: Progress;
  /** Estimated data rows of a file (for the progress bar); optional. */
  estimateRows?: (file: string) => number;
}

export interface Csc2FileReport {
  file: string;
  rows: number;
  /** Rows upserted per table (new or changed). */
  stored: Partial<Record<Csc2TableName, number>>;
  ignoredColumns: string[];
  warnings: string[];
  /** Names of the master sources the file holds (what ML on ingest classifies). */
  masterNames: string[];
}

/** Loads the inputs inside the caller's transaction; throws IngestError (and the caller rolls back) on bad data. */
export async function loadCsc2(tx: Queryable, inputs: AsyncIterable<TableInput> | Iterable<TableInput>, opts: Csc2IngestOptions): Promise<Csc2FileReport[]> {
  const reports: Csc2FileReport[] = [];
  for await (const input of inputs) reports.push(await loadOne(tx, input, opts));
  return reports;
}

function layoutFor(input: TableInput, table: Csc2IngestOptions['table']): { layout: Csc2Layout; warnings: string[] } {
  const { layout, unknown } = table === 'auto' ? autoLayout(input.header) : explicitLayout(table, input.header);
  const warnings: string[] = [];
  if (unknown.length) {
    if (table !== 'auto') {
      throw new IngestError('UNKNOWN_COLUMN', `column(s) ${unknown.join(', ')} are not columns of csc2.${table}`, { file: input.file, column: unknown[0] });
    }
    warnings.push(`column(s) not in any csc2 table were skipped: ${unknown.join(', ')}`);
  }
  for (const u of layout.unusable) warnings.push(`csc2.${u.table} column(s) ${u.columns.join(', ')} skipped: ${u.reason}`);
  if (Object.keys(layout.tables).length === 0) {
    throw new IngestError('NO_TABLE', 'no csc2 table can be loaded from this file (no complete primary key found)', { file: input.file });
  }
  return { layout, warnings };
}

function healpixFor(row: Record<string, unknown>, t: TableDef): bigint | null {
  if (!t.position) return null;
  const ra = row[t.position.ra];
  const dec = row[t.position.dec];
  if (typeof ra !== 'number' || typeof dec !== 'number' || !Number.isFinite(ra) || !Number.isFinite(dec)) return null;
  return BigInt(healpixIndex(ra, dec, t.position.order));
}

async function loadOne(tx: Queryable, first: TableInput, opts: Csc2IngestOptions): Promise<Csc2FileReport> {
  let input = first;
  const { layout, warnings } = layoutFor(input, opts.table);
  const tables = LOAD_ORDER.filter((t) => layout.tables[t]);
  const derive = layout.tables.observation_source !== undefined && !input.header.some((h) => h.trim().toLowerCase() === 'detect_stack_id');
  const hasMaster = layout.tables.master_source !== undefined;

  const only = tables.length === 1 ? tables[0] : undefined;
  if (only && !derive && input.reopen && (await isEmptyTable(tx, csc2Table(only)))) {
    opts.progress.begin(`csc2 ${input.file}`, opts.estimateRows?.(input.file) ?? 0);
    await tx.exec('SAVEPOINT xtap_direct');
    try {
      const t0 = performance.now();
      const rebuild = await deferSecondaryIndexes(tx, csc2Table(only));
      const r = await copyDirect(tx, input, csc2Table(only), layout.tables[only] ?? [], opts.progress);
      const t1 = performance.now();
      for (const sql of rebuild) await tx.exec(sql);
      await tx.exec('RELEASE SAVEPOINT xtap_direct');
      opts.progress.end();
      opts.log.info({ file: input.file, table: only, rows: r.rows, copyMs: Math.round(t1 - t0), indexMs: Math.round(performance.now() - t1), indexes: rebuild.length }, 'direct COPY into the empty table');
      for (const w of warnings) opts.log.warn({ file: input.file }, w);
      return { file: input.file, rows: r.rows, stored: { [only]: r.rows }, ignoredColumns: layout.ignored, warnings, masterNames: r.names };
    } catch (err) {
      if (!isIntegrityViolation(err)) throw err;
      // Refused rows (a key repeated in the file, a missing referenced row): the staging path says which and where.
      await tx.exec('ROLLBACK TO SAVEPOINT xtap_direct');
      opts.progress.end();
      input = await input.reopen();
    }
  }

  const staged = new Map<Csc2TableName, Staged>();
  for (const t of tables) {
    const def = csc2Table(t);
    const cols = (layout.tables[t] ?? []).map((x) => x.column.name);
    if (def.position) {
      for (const pc of [def.position.ra, def.position.dec]) if (!cols.includes(pc) && t === 'observation_source' && hasMaster) cols.push(pc);
      cols.push(def.position.healpix);
    }
    if (t === 'master_source') cols.push('gal_l', 'gal_b'); // derived from ra/dec when the input has none (galactic.ts)
    staged.set(t, await createStage(tx, def, [...new Set(cols)]));
  }

  const links: ObservationLink[] = [];
  const masterNames = new Set<string>();
  let rows = 0;
  opts.progress.begin(`csc2 ${input.file}`, opts.estimateRows?.(input.file) ?? 0);
  for await (const batch of input.batches) {
    const perTable = new Map<Csc2TableName, unknown[][]>();
    for (const raw of batch) {
      rows++;
      const fingerprint = rowFingerprint(raw.values);
      const byTable = new Map<Csc2TableName, Record<string, unknown>>();
      for (const t of tables) byTable.set(t, convertRow(raw.values, layout.tables[t] ?? [], input.file, raw.row));
      const master = byTable.get('master_source');
      const obs = byTable.get('observation_source');
      if (master && typeof master.name === 'string') masterNames.add(master.name);
      if (obs && master) {
        obs.ra ??= master.ra ?? null;
        obs.dec ??= master.dec ?? null;
      }
      if (derive && obs && master) links.push(linkOf(master, obs));
      for (const t of tables) {
        const s = staged.get(t);
        const values = byTable.get(t);
        if (!s || !values) continue;
        const def = s.table;
        if (def.position) values[def.position.healpix] = healpixFor(values, def);
        if (t === 'master_source') fillGalactic(values);
        const out = s.columns.map((c) => values[c] ?? null);
        out.push(BigInt(raw.row), fingerprint);
        (perTable.get(t) ?? perTable.set(t, []).get(t))?.push(out);
      }
    }
    for (const [t, rs] of perTable) {
      const s = staged.get(t);
      if (s) await tx.copyIn(s.stage, [...s.columns, ...STAGE_EXTRA_COLUMNS], [rs]);
    }
    opts.progress.advance(batch.length);
  }
  opts.progress.end();
  for (const t of tables) {
    const s = staged.get(t);
    if (!s) continue;
    const repeated = await checkDuplicateKeys(tx, s, input.file);
    // A joined file repeats its master_source columns on every detection row: expected, not worth a warning.
    if (repeated && !(t === 'master_source' && tables.length > 1)) warnings.push(repeated);
  }

  if (derive && links.length) {
    const h = deriveHierarchy(links);
    const add = async (t: Csc2TableName, columns: string[], rs: unknown[][]) => {
      const def = csc2Table(t);
      const cols = def.position ? [...columns, def.position.healpix] : columns;
      const s = await createStage(tx, def, cols);
      const withHpx = rs.map((r, i) => {
        const values = Object.fromEntries(columns.map((c, j) => [c, r[j]]));
        return def.position ? [...r, healpixFor(values, def), BigInt(i)] : [...r, BigInt(i)];
      });
      await tx.copyIn(s.stage, [...cols, 'xtap_ord'], [withHpx]);
      staged.set(t, s);
    };
    await add('stack_source', STACK_SOURCE_COLUMNS, h.stackSource);
    await add('master_stack_assoc', MASTER_STACK_ASSOC_COLUMNS, h.masterStackAssoc);
    await add('stack_observation_assoc', STACK_OBSERVATION_ASSOC_COLUMNS, h.stackObservationAssoc);
    warnings.push(
      `no detect stack ids in the input: derived ${h.stackSource.length} stack detection(s) from observation pointings (see README, "CSC2 hierarchy from per-observation files")`,
    );
  }

  const stored: Csc2FileReport['stored'] = {};
  for (const t of LOAD_ORDER) {
    const s = staged.get(t);
    if (s) stored[t] = await upsertFromStage(tx, s);
  }
  for (const w of warnings) opts.log.warn({ file: input.file }, w);
  return { file: input.file, rows, stored, ignoredColumns: layout.ignored, warnings, masterNames: [...masterNames] };
}

function convertRow(values: unknown[], targets: ReadonlyArray<ColumnTarget>, file: string, row: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of targets) {
    try {
      out[t.column.name] = convertValue(values[t.index], t.column);
    } catch (err) {
      if (err instanceof ValueError) {
        throw new IngestError('BAD_VALUE', `${err.message} (${describe(t.column)})`, { file, row, column: t.inputName }, { cause: err });
      }
      throw err;
    }
  }
  return out;
}

function describe(c: ColumnDef): string {
  return `${c.datatype}${c.unit ? ` in ${c.unit}` : ''}${c.required ? ', required' : ''}`;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function linkOf(master: Record<string, unknown>, obs: Record<string, unknown>): ObservationLink {
  return {
    name: String(master.name),
    obsid: Number(obs.obsid),
    obi: Number(obs.obi),
    region_id: Number(obs.region_id),
    ra: num(obs.ra ?? master.ra),
    dec: num(obs.dec ?? master.dec),
    ra_pnt: num(obs.ra_pnt),
    dec_pnt: num(obs.dec_pnt),
    instrument: typeof obs.instrument === 'string' ? obs.instrument : null,
    grating: typeof obs.grating === 'string' ? obs.grating : null,
  };
}
