/** Runs the lyonetia corpus through the parser and translator: valid queries must parse (and translate against
 *  the fixture catalog), invalid ones must be rejected by the parser or the translator. Returns per-query
 *  outcomes and per-file counts; main.ts prints them, lyonetia.test.ts asserts them. */
import { AdqlError } from '../errors.js';
import { parseAdql } from '../parser.js';
import { translateQuery } from '../index.js';
import type { Catalog } from '../catalog.js';
import type { CorpusQuery } from './corpus.js';
import { findException } from './exceptions.js';

export type Outcome =
  /** valid query parsed and translated */
  | 'ok'
  /** valid query parsed; translation failed as listed in exceptions.ts */
  | 'ok-translate-excepted'
  /** invalid query rejected */
  | 'rejected'
  /** invalid query accepted, as listed in exceptions.ts */
  | 'accepted-excepted'
  | 'FAIL';

export interface QueryResult {
  query: CorpusQuery;
  outcome: Outcome;
  /** Where it stopped: the error of the parser or translator, if any. */
  error?: AdqlError;
  /** What went wrong for FAIL outcomes. */
  problem?: string;
}

export interface FileSummary {
  file: string;
  valid: number;
  validParsed: number;
  validTranslated: number;
  invalid: number;
  invalidRejected: number;
  failures: number;
}

export function runQuery(q: CorpusQuery, catalog: Catalog): QueryResult {
  let stage: 'parse' | 'translate' = 'parse';
  let error: AdqlError | undefined;
  try {
    const ast = parseAdql(q.adql);
    stage = 'translate';
    const t = translateQuery(ast, catalog, { rowLimit: 1001 });
    if (!/^(SELECT|WITH) /.test(t.sql) || t.sql.replace(/"(?:[^"]|"")*"/g, '""').replace(/'(?:[^']|'')*'/g, "''").includes(';')) {
      return { query: q, outcome: 'FAIL', problem: `translation is not one SELECT/WITH statement: ${t.sql.slice(0, 80)}` };
    }
  } catch (err) {
    if (!(err instanceof AdqlError)) {
      return { query: q, outcome: 'FAIL', problem: `non-AdqlError thrown in ${stage}: ${String(err)}` };
    }
    error = err;
  }
  const exception = findException(q);
  if (q.valid) {
    if (!error) return { query: q, outcome: 'ok' };
    if (stage === 'parse') return { query: q, outcome: 'FAIL', error, problem: `valid query rejected by the parser: ${error.describe()}` };
    if (exception?.kind === 'translate-fails' && exception.code === error.code) return { query: q, outcome: 'ok-translate-excepted', error };
    return { query: q, outcome: 'FAIL', error, problem: `valid query not translated: ${error.describe()}` };
  }
  if (error) return { query: q, outcome: 'rejected', error };
  if (exception?.kind === 'accepted') return { query: q, outcome: 'accepted-excepted' };
  return { query: q, outcome: 'FAIL', problem: 'invalid query accepted' };
}

export function runCorpus(queries: ReadonlyArray<CorpusQuery>, catalog: Catalog): { results: QueryResult[]; files: FileSummary[] } {
  const results = queries.map((q) => runQuery(q, catalog));
  const byFile = new Map<string, FileSummary>();
  for (const r of results) {
    const f = byFile.get(r.query.file) ?? { file: r.query.file, valid: 0, validParsed: 0, validTranslated: 0, invalid: 0, invalidRejected: 0, failures: 0 };
    byFile.set(r.query.file, f);
    if (r.query.valid) {
      f.valid++;
      if (r.outcome === 'ok' || r.outcome === 'ok-translate-excepted') f.validParsed++;
      if (r.outcome === 'ok') f.validTranslated++;
    } else {
      f.invalid++;
      if (r.outcome === 'rejected') f.invalidRejected++;
    }
    if (r.outcome === 'FAIL') f.failures++;
  }
  return { results, files: [...byFile.values()] };
}

/** A fixed-width text table of the per-file counts plus a total row. */
export function formatSummary(files: ReadonlyArray<FileSummary>): string {
  const rows = [['file', 'valid parsed', 'valid translated', 'invalid rejected', 'failures']];
  const tot = { valid: 0, validParsed: 0, validTranslated: 0, invalid: 0, invalidRejected: 0, failures: 0 };
  for (const f of files) {
    rows.push([f.file, `${f.validParsed}/${f.valid}`, `${f.validTranslated}/${f.valid}`, `${f.invalidRejected}/${f.invalid}`, String(f.failures)]);
    for (const k of Object.keys(tot) as Array<keyof typeof tot>) tot[k] += f[k];
  }
  rows.push(['TOTAL', `${tot.validParsed}/${tot.valid}`, `${tot.validTranslated}/${tot.valid}`, `${tot.invalidRejected}/${tot.invalid}`, String(tot.failures)]);
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')).join('\n');
}
