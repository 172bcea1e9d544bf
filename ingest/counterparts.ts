/** Loads multiwavelength counterparts (Gaia G/BP/RP, 2MASS J/H/K, WISE W1-W3 magnitudes and errors) into
 *  ml.mw_counterpart, from CSV or VOTable files such as MUWCLASS outputs. Column names are matched
 *  case-insensitively with the usual spellings (G, Gmag, phot_g_mean_mag, e_G, …). Rows of sources that are not
 *  in csc2.master_source are skipped and counted. */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { Queryable } from '../db/index.js';
import { MW_BANDS, MW_MAGNITUDES, mwCounterpart } from '../schema/ml/mw-counterpart.js';
import type { MwMagnitude } from '../schema/ml/mw-counterpart.js';
import type { ColumnDef } from '../schema/index.js';
import { ValueError, convertValue } from './csc2/values.js';
import { IngestError } from './errors.js';
import type { Progress } from './progress.js';
import type { TableInput } from './readers/types.js';
import { STAGE_EXTRA_COLUMNS, checkDuplicateKeys, createStage, rowFingerprint, upsertFromStage } from './staging.js';

const SPELLINGS: Record<'name' | MwMagnitude, string[]> = {
  name: ['name', 'cscv2_name', 'csc_name', 'master_name'],
  gmag: ['gmag', 'g', 'phot_g_mean_mag'],
  bpmag: ['bpmag', 'bp', 'phot_bp_mean_mag'],
  rpmag: ['rpmag', 'rp', 'phot_rp_mean_mag'],
  jmag: ['jmag', 'j', 'j_m'],
  hmag: ['hmag', 'h', 'h_m'],
  kmag: ['kmag', 'k', 'ks', 'ksmag', 'k_m'],
  w1mag: ['w1mag', 'w1', 'w1mpro'],
  w2mag: ['w2mag', 'w2', 'w2mpro'],
  w3mag: ['w3mag', 'w3', 'w3mpro'],
};

/** The error for a file without any magnitude column; the bands are named from the one band list (MW_BANDS). */
export const NO_PHOTOMETRY_MESSAGE = `no magnitude column (${MW_MAGNITUDES.map((m) => MW_BANDS[m].band).join(', ')}) in the file`;

export interface CounterpartMapping {
  /** input column index per ml.mw_counterpart column */
  index: Map<string, number>;
}

export function mapCounterpartColumns(header: ReadonlyArray<string>): CounterpartMapping {
  const lower = header.map((h) => h.trim().toLowerCase());
  const index = new Map<string, number>();
  for (const [column, spellings] of Object.entries(SPELLINGS)) {
    const i = lower.findIndex((h) => spellings.includes(h));
    if (i >= 0) index.set(column, i);
    if (column === 'name') continue;
    const e = lower.findIndex((h) => spellings.some((s) => h === `e_${s}` || h === `${s}_err` || h === `${s}_error` || h === `${s}_sig` || h === `${s}sigcom`));
    if (e >= 0) index.set(`e_${column}`, e);
  }
  return { index };
}

export interface CounterpartReport {
  file: string;
  rows: number;
  stored: number;
  skippedUnknownSource: number;
  /** Sources that now have a counterpart from this file. */
  names: string[];
}

export async function loadCounterparts(
  tx: Queryable,
  inputs: AsyncIterable<TableInput> | Iterable<TableInput>,
  opts: { origin?: string; log: Logger; progress: Progress },
): Promise<CounterpartReport[]> {
  const reports: CounterpartReport[] = [];
  for await (const input of inputs) {
    const { index } = mapCounterpartColumns(input.header);
    if (!index.has('name')) throw new IngestError('NO_NAME_COLUMN', 'no source name column (name or CSCv2_name) in the file', { file: input.file });
    if (index.size === 1) throw new IngestError('NO_PHOTOMETRY', NO_PHOTOMETRY_MESSAGE, { file: input.file });
    const origin = opts.origin ?? basename(input.file);
    const columns = [...index.keys()];
    const defs = new Map<string, ColumnDef>(mwCounterpart.columns.map((c) => [c.name, c]));
    const stage = await createStage(tx, mwCounterpart, ['name', 'origin', ...columns.filter((c) => c !== 'name')]);
    let rows = 0;
    opts.progress.begin(`counterparts ${input.file}`, 0);
    for await (const batch of input.batches) {
      const out: unknown[][] = [];
      for (const raw of batch) {
        rows++;
        const values: Record<string, unknown> = { origin };
        for (const [column, i] of index) {
          const def = defs.get(column);
          if (!def) continue;
          try {
            values[column] = convertValue(raw.values[i], column === 'name' ? { ...def, required: true } : def);
          } catch (err) {
            if (err instanceof ValueError) throw new IngestError('BAD_VALUE', err.message, { file: input.file, row: raw.row, column: input.header[i] }, { cause: err });
            throw err;
          }
        }
        out.push([...stage.columns.map((c) => values[c] ?? null), BigInt(raw.row), rowFingerprint(raw.values)]);
      }
      await tx.copyIn(stage.stage, [...stage.columns, ...STAGE_EXTRA_COLUMNS], [out]);
      opts.progress.advance(batch.length);
    }
    opts.progress.end();
    const repeated = await checkDuplicateKeys(tx, stage, input.file);
    if (repeated) opts.log.warn({ file: input.file }, repeated);
    const unknown = await tx.query(`SELECT count(DISTINCT s.name) FROM ${stage.stage} s WHERE NOT EXISTS (SELECT 1 FROM csc2.master_source m WHERE m.name = s.name)`);
    const skipped = Number(unknown.rows[0]?.[0] ?? 0);
    const stored = await upsertFromStage(tx, stage, `EXISTS (SELECT 1 FROM csc2.master_source m WHERE m.name = ${stage.stage}.name)`);
    if (skipped) opts.log.warn({ file: input.file, skipped }, 'counterparts of sources not in csc2.master_source were skipped');
    const names = (await tx.query(`SELECT DISTINCT s.name FROM ${stage.stage} s JOIN csc2.master_source m ON m.name = s.name`)).rows.map((r) => String(r[0]));
    reports.push({ file: input.file, rows, stored, skippedUnknownSource: skipped, names });
  }
  return reports;
}
