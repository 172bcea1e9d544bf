/** bench/RESULTS.md and bench/RESULTS.json of the side-by-side bench: every figure as median (min–max) of its
 *  repetitions, next to the references measured in the same run (raw PostgreSQL, DaCHS) and the per-repetition
 *  speed ratios; machine facts; the issue #11 targets checked against the figures. Pure. */
import { spread, type Spread } from '../stats.js';
import type { BenchRow } from '../types.js';

export type Unit = 's' | 'ms' | 'q/s' | 'MB' | 'rows/s';

export interface Series {
  label: string;
  values: number[];
}

export interface Figure {
  id: string;
  what: string;
  unit: Unit;
  /** lower is better for times and memory, higher for rates */
  better: 'lower' | 'higher';
  xtap?: Series;
  dachs?: Series;
  raw?: Series;
  note?: string;
}

export interface Target {
  text: string;
  /** figure id and what to compare: the xtap median, or the speed ratio to raw / DaCHS */
  figure: string;
  of: 'xtap' | 'vsRaw' | 'vsDachs';
  op: '<=' | '>=';
  limit: number;
}

export interface Meta {
  started: string;
  finished: string;
  command: string;
  rows: number;
  tableRows: number;
  reps: number;
  facts: Array<[string, string]>;
  notes: string[];
}

export interface Results {
  meta: Meta;
  figures: Figure[];
  xtapOnly: Array<{ bench: string; rows: BenchRow[] }>;
  targets: Target[];
}

/** Speed of xtap relative to a reference, per repetition (paired by index): > 1 means xtap is faster / better. */
export function ratios(f: Figure, ref: Series | undefined): number[] {
  if (!f.xtap || !ref || ref.values.length === 0) return [];
  const n = Math.min(f.xtap.values.length, ref.values.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = f.xtap.values[i] as number;
    const r = ref.values[i] as number;
    out.push(f.better === 'lower' ? r / x : x / r);
  }
  return out.filter((v) => Number.isFinite(v));
}

function digits(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

export function cell(values: number[] | undefined, unit: string): string {
  if (!values || values.length === 0) return '—';
  const s = spread(values);
  return values.length === 1 ? `${digits(s.median)} ${unit}` : `${digits(s.median)} ${unit} (${digits(s.min)}–${digits(s.max)})`;
}

const ratioCell = (r: number[]): string => (r.length ? cell(r, '×').replace(' ×', '×') : '—');

function targetValue(results: Results, t: Target): number | undefined {
  const f = results.figures.find((x) => x.id === t.figure);
  if (!f) return undefined;
  const vals = t.of === 'xtap' ? f.xtap?.values ?? [] : ratios(f, t.of === 'vsRaw' ? f.raw : f.dachs);
  return vals.length ? spread(vals).median : undefined;
}

export function renderMarkdown(results: Results): string {
  const { meta } = results;
  const out: string[] = [];
  out.push('# xtap side by side: raw PostgreSQL, xtap, GAVO DaCHS');
  out.push('');
  out.push(`Written by \`${meta.command}\` (bench/side/); do not edit by hand. Started ${meta.started}, finished ${meta.finished}.`);
  out.push(`Each figure: median (min–max) of ${meta.reps} repetitions; within a repetition xtap, DaCHS and raw PostgreSQL run one`);
  out.push('after the other (interleaved), so ratios compare measurements taken under the same machine load. Ratios are');
  out.push('xtap\'s speed relative to the reference per repetition (> 1×: xtap faster / better), median (min–max).');
  out.push('');
  if (meta.notes.length) {
    out.push('## Notes on this run');
    out.push('');
    for (const n of meta.notes) out.push(`- ${n}`);
    out.push('');
  }
  out.push('## Machine and versions');
  out.push('');
  out.push('| item | value |');
  out.push('|---|---|');
  for (const [k, v] of meta.facts) out.push(`| ${k} | ${v} |`);
  out.push('');
  out.push(`## Figures (${meta.rows.toLocaleString('en')} rows downloaded from a ${meta.tableRows.toLocaleString('en')}-row table)`);
  out.push('');
  out.push('| measurement | xtap | DaCHS | raw PostgreSQL | xtap vs raw | xtap vs DaCHS | notes |');
  out.push('|---|---|---|---|---|---|---|');
  for (const f of results.figures) {
    const raw = f.raw ? `${cell(f.raw.values, f.unit)}${f.raw.label ? ` ${f.raw.label}` : ''}` : '—';
    out.push(
      `| ${f.what} | ${cell(f.xtap?.values, f.unit)} | ${cell(f.dachs?.values, f.unit)} | ${raw} | ${ratioCell(ratios(f, f.raw))} | ${ratioCell(ratios(f, f.dachs))} | ${f.note ?? ''} |`,
    );
  }
  out.push('');
  if (results.targets.length) {
    out.push('## Issue #11 targets against this run');
    out.push('');
    out.push('| target | measured (median) | met |');
    out.push('|---|---|---|');
    for (const t of results.targets) {
      const v = targetValue(results, t);
      const met = v === undefined ? 'not measured' : (t.op === '<=' ? v <= t.limit : v >= t.limit) ? 'yes' : '**no**';
      out.push(`| ${t.text} | ${v === undefined ? '—' : digits(v)} | ${met} |`);
    }
    out.push('');
  }
  for (const x of results.xtapOnly) {
    out.push(`## ${x.bench} (xtap only, \`npm run bench -- ${x.bench}\` run inside this bench)`);
    out.push('');
    out.push('| benchmark | value | unit | reference |');
    out.push('|---|---:|---|---|');
    for (const r of x.rows) out.push(`| ${r.name} | ${digits(r.value)} | ${r.unit} | ${r.reference ?? ''} |`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

export function renderJson(results: Results): string {
  const summarise = (s: Series | undefined): (Spread & Series) | undefined => (s && s.values.length ? { ...s, ...spread(s.values) } : undefined);
  const figures = results.figures.map((f) => ({
    ...f,
    xtap: summarise(f.xtap),
    dachs: summarise(f.dachs),
    raw: summarise(f.raw),
    vsRaw: ratios(f, f.raw),
    vsDachs: ratios(f, f.dachs),
  }));
  const targets = results.targets.map((t) => ({ ...t, measured: targetValue(results, t) ?? null }));
  return `${JSON.stringify({ ...results, figures, targets }, null, 2)}\n`;
}
