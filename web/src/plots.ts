/** Plots with uPlot: the sky positions of a result, a histogram of a numeric column, class-probability bars with
 *  error bars, and the light curve / spectrum of a DataLink product. Each returns the plot's wrapper element. */
import uPlot from 'uplot';
import { classColumns, isNumeric, positionColumns } from './lib/columns.js';
import { histogram } from './lib/histogram.js';
import { numbers } from './votable.js';
import type { VoTable } from './votable.js';

const WIDTH = 460;
const HEIGHT = 300;

function accent(): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#0b5cad';
}
function axisColor(): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#1d232a';
}

function wrapper(title: string, cls: string): HTMLElement {
  const w = document.createElement('figure');
  w.className = `plot ${cls}`;
  w.style.margin = '0';
  const h = document.createElement('h3');
  h.textContent = title;
  w.append(h);
  return w;
}

function axes(xLabel: string, yLabel: string): uPlot.Axis[] {
  const stroke = axisColor();
  return [
    { label: xLabel, stroke, grid: { stroke: 'rgba(128,128,128,.2)' } },
    { label: yLabel, stroke, size: 64, grid: { stroke: 'rgba(128,128,128,.2)' } },
  ];
}

/** Error bars drawn in uPlot's draw hook, for series 1 with half-widths errs. */
function errorBars(errs: ReadonlyArray<number | null>): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = axisColor();
        ctx.lineWidth = 1.5 * devicePixelRatio;
        const xs = u.data[0];
        const ys = u.data[1] as Array<number | null>;
        for (let i = 0; i < xs.length; i++) {
          const y = ys[i];
          const e = errs[i];
          if (y === null || y === undefined || e === null || e === undefined) continue;
          const cx = u.valToPos(xs[i] as number, 'x', true);
          const y0 = u.valToPos(y - e, 'y', true);
          const y1 = u.valToPos(y + e, 'y', true);
          const cap = 4 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(cx, y0);
          ctx.lineTo(cx, y1);
          ctx.moveTo(cx - cap, y0);
          ctx.lineTo(cx + cap, y0);
          ctx.moveTo(cx - cap, y1);
          ctx.lineTo(cx + cap, y1);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

/** Sky plot of the result's positions (RA increasing to the left, as on the sky), or undefined without positions. */
export function skyPlot(t: VoTable): HTMLElement | undefined {
  const pos = positionColumns(t.fields);
  if (!pos) return undefined;
  const ra = numbers(t, pos.ra);
  const dec = numbers(t, pos.dec);
  const pts = ra
    .map((r, i) => [r, dec[i]] as [number | null, number | null])
    .filter((p): p is [number, number] => p[0] !== null && p[1] !== null)
    .sort((a, b) => a[0] - b[0]);
  if (pts.length === 0) return undefined;
  const w = wrapper(`Sky positions (${pts.length} rows, ICRS)`, 'sky');
  const raName = t.fields[pos.ra]?.name ?? 'ra';
  const decName = t.fields[pos.dec]?.name ?? 'dec';
  new uPlot(
    {
      width: WIDTH,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: true, uni: 20 } },
      scales: { x: { time: false, dir: -1 }, y: {} },
      axes: axes(`${raName} (deg)`, `${decName} (deg)`),
      series: [{}, { stroke: accent(), fill: accent(), paths: () => null, points: { show: true, size: 5, fill: accent() } }],
    },
    [pts.map((p) => p[0]), pts.map((p) => p[1])],
    w,
  );
  return w;
}

/** Histogram of column col (numeric), bins by the Freedman–Diaconis rule. */
export function histogramPlot(t: VoTable, col: number): HTMLElement | undefined {
  const f = t.fields[col];
  if (!f || !isNumeric(f)) return undefined;
  const h = histogram(numbers(t, col));
  if (h.counts.length === 0) return undefined;
  const w = wrapper(`Histogram of ${f.name}${h.skipped ? ` (${h.skipped} empty values left out)` : ''}`, 'histogram');
  const xs = [...h.edges];
  const ys: Array<number | null> = [...h.counts, null];
  new uPlot(
    {
      width: WIDTH,
      height: HEIGHT,
      legend: { show: false },
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max * 1.05 || 1] } },
      axes: axes(f.unit ? `${f.name} (${f.unit})` : f.name, 'rows'),
      series: [{}, { stroke: accent(), fill: `${accent()}66`, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: false } }],
    },
    [xs, ys],
    w,
  );
  return w;
}

/** Class-probability bars with their Monte-Carlo uncertainties for one row of an ml.source_class-like result. */
export function classPlot(t: VoTable, row: number): HTMLElement | undefined {
  const cols = classColumns(t.fields);
  const r = t.rows[row];
  if (cols.length === 0 || !r) return undefined;
  const nameCol = t.fields.findIndex((f) => f.name === 'name');
  const who = nameCol >= 0 ? r[nameCol] ?? '' : `row ${row + 1}`;
  const w = wrapper(`Class probabilities of ${who}`, 'classes');
  const xs = cols.map((_, i) => i);
  const ps = cols.map((c) => (r[c.prob] === null ? null : Number(r[c.prob])));
  const es = cols.map((c) => (c.error === undefined || r[c.error] === null ? null : Number(r[c.error])));
  new uPlot(
    {
      width: WIDTH,
      height: HEIGHT,
      legend: { show: false },
      scales: { x: { time: false, range: [-0.6, cols.length - 0.4] }, y: { range: [0, 1] } },
      axes: [
        { stroke: axisColor(), splits: () => xs, values: (_u, splits) => splits.map((s) => cols[s]?.label ?? ''), grid: { show: false } },
        { label: 'probability (± 1σ)', stroke: axisColor(), grid: { stroke: 'rgba(128,128,128,.2)' } },
      ],
      series: [{}, { stroke: accent(), fill: `${accent()}99`, paths: uPlot.paths.bars?.({ size: [0.6, 60] }) }],
      plugins: [errorBars(es)],
    },
    [xs, ps],
    w,
  );
  return w;
}

/** x-y plot of two columns of a product (light curve: time vs rate; spectrum: energy vs counts), with error bars
 *  from errCol when given. x is drawn as (x − xOffset) × xScale in xUnit (MET s → ks since the start, eV → keV). */
export function productPlot(
  t: VoTable,
  title: string,
  xCol: number,
  yCol: number,
  errCol: number | undefined,
  xScale = 1,
  xUnit?: string,
  xOffset = 0,
): HTMLElement | undefined {
  const fx = t.fields[xCol];
  const fy = t.fields[yCol];
  if (!fx || !fy || t.rows.length === 0) return undefined;
  const xs = numbers(t, xCol).map((v) => (v === null ? 0 : (v - xOffset) * xScale));
  const ys = numbers(t, yCol);
  const w = wrapper(title, 'product');
  new uPlot(
    {
      width: WIDTH,
      height: HEIGHT,
      legend: { show: false },
      scales: { x: { time: false } },
      axes: axes(`${fx.name} (${xUnit ?? fx.unit ?? ''})`, `${fy.name}${fy.unit ? ` (${fy.unit})` : ''}`),
      series: [{}, { stroke: accent(), points: { show: true, size: 4 } }],
      plugins: errCol === undefined ? [] : [errorBars(numbers(t, errCol))],
    },
    [xs, ys],
    w,
  );
  return w;
}
