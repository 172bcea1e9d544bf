/** What synthetic CSC2 takes from the bundled sample (data/sample/*_conesearch_per.csv, real CSC 2.1 rows):
 *  the NULL fraction of every generated master_source column and the log-normal distribution of the broad-band
 *  flux, both measured over the sample's distinct master sources. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export const SAMPLE_FILES = ['ngc3532_conesearch_per.csv', 'ic2395_conesearch_per.csv'];

export interface SampleStats {
  sources: number;
  /** Fraction of sources with a blank value, per column. */
  nullRate: Record<string, number>;
  /** Mean and standard deviation of log10(flux_aper90_b) over sources that have it. */
  log10FluxB: { mean: number; sd: number };
}

export function measureSample(sampleDir: string, columns: ReadonlyArray<string>): SampleStats {
  const byName = new Map<string, Record<string, string>>();
  for (const f of SAMPLE_FILES) {
    const rows = parse(readFileSync(join(sampleDir, f), 'utf8'), { columns: true, comment: '#', skip_empty_lines: true }) as Record<string, string>[];
    for (const r of rows) if (r.name) byName.set(r.name.trim(), r);
  }
  const sources = [...byName.values()];
  if (sources.length === 0) throw new Error(`no master sources in ${SAMPLE_FILES.join(', ')}`);
  const nullRate: Record<string, number> = {};
  for (const c of columns) {
    if (!(c in (sources[0] ?? {}))) throw new Error(`sample files lack column ${c}`);
    nullRate[c] = sources.filter((s) => (s[c] ?? '').trim() === '').length / sources.length;
  }
  const logs = sources.map((s) => Number(s.flux_aper90_b)).filter((v) => v > 0).map(Math.log10);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, logs.length - 1));
  return { sources: sources.length, nullRate, log10FluxB: { mean, sd } };
}
