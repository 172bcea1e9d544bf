/** Loads classifications published by other works (e.g. MUWCLASS output tables, Yang et al. 2022) into
 *  ml.published_class, one reference (bibcode) per load. Columns are matched case-insensitively with the usual
 *  spellings (name/CSCv2_name, Class, Class_prob, Class_prob_e, CT, true_Class, P_<class>, e_P_<class>). Rows are
 *  upserted by (reference, name); sources not in csc2.master_source are kept and counted. */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { Queryable } from '../../db/index.js';
import type { ColumnDef } from '../../schema/index.js';
import { SOURCE_CLASSES, classColumnStem, publishedClass } from '../../schema/ml/index.js';
import { ValueError, convertValue } from '../csc2/values.js';
import { IngestError } from '../errors.js';
import type { Progress } from '../progress.js';
import type { TableInput } from '../readers/types.js';
import { createStage, upsertFromStage } from '../staging.js';

const SPELLINGS: Record<string, string[]> = {
  name: ['name', 'cscv2_name', 'csc2_name', 'csc_name', 'master_name'],
  published_class: ['published_class', 'class', 'predicted_class', 'pred_class'],
  class_prob: ['class_prob', 'class_probability', 'predicted_prob', 'prob'],
  e_class_prob: ['e_class_prob', 'class_prob_e', 'class_prob_err'],
  ct: ['ct'],
  true_class: ['true_class'],
  ...Object.fromEntries(
    SOURCE_CLASSES.flatMap((c) => {
      const stem = classColumnStem(c);
      const forms = [...new Set([c.toLowerCase(), stem])];
      return [
        [`p_${stem}`, forms.map((f) => `p_${f}`)],
        [`e_p_${stem}`, forms.flatMap((f) => [`e_p_${f}`, `p_${f}_e`])],
      ];
    }),
  ),
};

/** Input column index of every ml.published_class column the header provides. Pure. */
export function mapPublishedClassColumns(header: ReadonlyArray<string>): Map<string, number> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const index = new Map<string, number>();
  for (const [column, spellings] of Object.entries(SPELLINGS)) {
    const i = lower.findIndex((h) => spellings.includes(h));
    if (i >= 0) index.set(column, i);
  }
  return index;
}

/** ADS bibcodes are 19 characters: YYYYJJJJJVVVVMPPPPA. */
const BIBCODE = /^\d{4}[A-Za-z0-9&.]{15}$/;

export interface PublishedClassOptions {
  /** Bibcode of the work (ml.published_class.reference). */
  reference: string;
  /** Which classification of that work; default: the file name. */
  catalogue?: string;
  log: Logger;
  progress: Progress;
}

export interface PublishedClassReport {
  file: string;
  reference: string;
  rows: number;
  stored: number;
  /** Rows whose source is not in csc2.master_source (kept; they join once the source is loaded). */
  notInMirror: number;
}

export function checkReference(reference: string): string {
  const r = reference.trim();
  if (!BIBCODE.test(r)) throw new IngestError('BAD_REFERENCE', `reference "${reference}" is not a 19-character ADS bibcode such as 2022ApJ...941..104Y`);
  return r;
}

export async function loadPublishedClasses(
  tx: Queryable,
  inputs: AsyncIterable<TableInput> | Iterable<TableInput>,
  opts: PublishedClassOptions,
): Promise<PublishedClassReport[]> {
  const reference = checkReference(opts.reference);
  const defs = new Map<string, ColumnDef>(publishedClass.columns.map((c) => [c.name, c]));
  const reports: PublishedClassReport[] = [];
  for await (const input of inputs) {
    const index = mapPublishedClassColumns(input.header);
    if (!index.has('name')) throw new IngestError('NO_NAME_COLUMN', 'no source name column (name or CSCv2_name) in the file', { file: input.file });
    if (!index.has('published_class')) throw new IngestError('NO_CLASS_COLUMN', 'no class column (Class or published_class) in the file', { file: input.file });
    const origin = basename(input.file);
    const fixed: Record<string, string> = { reference, catalogue: opts.catalogue ?? origin, origin };
    const stage = await createStage(tx, publishedClass, [...Object.keys(fixed), ...index.keys()]);
    let rows = 0;
    opts.progress.begin(`published classes ${input.file}`, 0);
    for await (const batch of input.batches) {
      const out: unknown[][] = [];
      for (const raw of batch) {
        rows++;
        const values: Record<string, unknown> = { ...fixed };
        for (const [column, i] of index) {
          const def = defs.get(column);
          if (!def) continue;
          try {
            values[column] = convertValue(raw.values[i], def);
          } catch (err) {
            if (err instanceof ValueError) throw new IngestError('BAD_VALUE', err.message, { file: input.file, row: raw.row, column: input.header[i] }, { cause: err });
            throw err;
          }
        }
        out.push([...stage.columns.map((c) => values[c] ?? null), BigInt(rows)]);
      }
      await tx.copyIn(stage.stage, [...stage.columns, 'xtap_ord'], [out]);
      opts.progress.advance(batch.length);
    }
    opts.progress.end();
    if (rows === 0) throw new IngestError('EMPTY_FILE', 'the file has no rows', { file: input.file });
    const outside = await tx.query(`SELECT count(DISTINCT s.name) FROM ${stage.stage} s WHERE NOT EXISTS (SELECT 1 FROM csc2.master_source m WHERE m.name = s.name)`);
    const notInMirror = Number(outside.rows[0]?.[0] ?? 0);
    const stored = await upsertFromStage(tx, stage);
    if (notInMirror) opts.log.warn({ file: input.file, notInMirror }, 'published classes of sources not in csc2.master_source were kept');
    reports.push({ file: input.file, reference, rows, stored, notInMirror });
  }
  return reports;
}
