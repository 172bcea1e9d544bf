/** Renders a small 2-D map (rows × columns, row-major) as a PNG: each cell a `scale` × `scale` block, viridis
 *  colours, linear or log10 scaling; `renderPlotPng` adds a title, labelled axes with ticks and a colour bar
 *  (text from bitmap-font.ts). Pure (pngjs encodes in memory); used for the E–t and dEdT products. */
import { PNG } from 'pngjs';
import { drawText, GLYPH_HEIGHT, setPixel, textWidth } from './bitmap-font.js';
import type { Canvas } from './bitmap-font.js';

/** Viridis at 5 stops (matplotlib's colormap, sampled at 0, .25, .5, .75, 1), linearly interpolated. */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function viridis(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

export interface MapImageOptions {
  /** Pixels per cell side (default 16). */
  scale?: number;
  /** 'log': log10 of the positive values mapped from their minimum to their maximum (zeros get the lowest colour). */
  scaling?: 'linear' | 'log';
  /** Draw row 0 at the bottom (default true: energy / lag axes grow upwards). */
  isOriginBottom?: boolean;
}

/** The values on the colour scale (log10 of the positive ones for 'log'; zeros and negatives NaN) and its range. */
function scaled(values: ArrayLike<number>, scaling: 'linear' | 'log' | undefined): { t: number[]; lo: number; hi: number; isLog: boolean } {
  const isLog = scaling === 'log';
  const t = Array.from(values, (v) => (isLog ? (v > 0 ? Math.log10(v) : Number.NaN) : v));
  const finite = t.filter((v) => Number.isFinite(v));
  return { t, lo: finite.length ? Math.min(...finite) : 0, hi: finite.length ? Math.max(...finite) : 1, isLog };
}

/** PNG of `values[r * cols + c]` with columns along x and rows along y. */
export function renderMapPng(values: ArrayLike<number>, rows: number, cols: number, opts: MapImageOptions = {}): Buffer {
  const scale = opts.scale ?? 16;
  const { t, lo, hi } = scaled(values, opts.scaling);
  const png = new PNG({ width: cols * scale, height: rows * scale });
  for (let r = 0; r < rows; r++) {
    const yRow = opts.isOriginBottom === false ? r : rows - 1 - r;
    for (let c = 0; c < cols; c++) {
      const v = t[r * cols + c];
      const [red, green, blue] = viridis(Number.isFinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0);
      for (let dy = 0; dy < scale; dy++) {
        let o = ((yRow * scale + dy) * cols * scale + c * scale) * 4;
        for (let dx = 0; dx < scale; dx++, o += 4) {
          png.data[o] = red;
          png.data[o + 1] = green;
          png.data[o + 2] = blue;
          png.data[o + 3] = 255;
        }
      }
    }
  }
  return PNG.sync.write(png);
}

/** One axis of a plot: its label and tick marks at positions in cell units (0 = first cell's outer edge). */
export interface PlotAxis {
  label: string;
  ticks: ReadonlyArray<{ at: number; text: string }>;
}

export interface PlotOptions {
  title: string;
  x: PlotAxis;
  y: PlotAxis;
  colorbarLabel: string;
  /** Pixels per cell side (default 16). */
  scale?: number;
  scaling?: 'linear' | 'log';
}

/** Margins of the plot frame (pixels): room for tick labels, axis labels, title and colour bar. */
export const PLOT_MARGIN = { left: 66, right: 112, top: 30, bottom: 44 } as const;
const BAR_GAP = 14;
const BAR_WIDTH = 14;
const BLACK = [0, 0, 0] as const;

/** A short label for a number: 3 significant digits, exponent notation outside 0.01–9999. */
export function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 0.01) return v.toExponential(1).replace('e+', 'E').replace('e', 'E');
  return String(Number(v.toPrecision(3)));
}

/** PNG of `values[r * cols + c]` (c along x, r = 0 at the bottom) with title, axes, ticks and a colour bar. */
export function renderPlotPng(values: ArrayLike<number>, rows: number, cols: number, opts: PlotOptions): Buffer {
  const scale = opts.scale ?? 16;
  const { t, lo, hi, isLog } = scaled(values, opts.scaling);
  const pw = cols * scale;
  const ph = rows * scale;
  const m = PLOT_MARGIN;
  const width = Math.max(m.left + pw + m.right, textWidth(opts.title, 2) + 20);
  const height = m.top + ph + m.bottom;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const c: Canvas = { width, height, data: png.data };
  const x0 = m.left;
  const y0 = m.top;
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) {
      const v = t[r * cols + col];
      const rgb = viridis(Number.isFinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0);
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) setPixel(c, x0 + col * scale + dx, y0 + ph - 1 - (r * scale + dy), rgb);
    }
  }
  // frame
  for (let x = x0 - 1; x <= x0 + pw; x++) {
    setPixel(c, x, y0 - 1, BLACK);
    setPixel(c, x, y0 + ph, BLACK);
  }
  for (let y = y0 - 1; y <= y0 + ph; y++) {
    setPixel(c, x0 - 1, y, BLACK);
    setPixel(c, x0 + pw, y, BLACK);
  }
  // x ticks and labels
  for (const tk of opts.x.ticks) {
    const x = Math.round(x0 + tk.at * scale);
    for (let k = 1; k <= 4; k++) setPixel(c, x, y0 + ph + k, BLACK);
    drawText(c, tk.text, Math.round(x - textWidth(tk.text) / 2), y0 + ph + 7, BLACK);
  }
  drawText(c, opts.x.label, Math.round(x0 + pw / 2 - textWidth(opts.x.label) / 2), y0 + ph + 24, BLACK);
  // y ticks and labels
  for (const tk of opts.y.ticks) {
    const y = Math.round(y0 + ph - tk.at * scale);
    for (let k = 1; k <= 4; k++) setPixel(c, x0 - 1 - k, y, BLACK);
    drawText(c, tk.text, x0 - 8 - textWidth(tk.text), y - 3, BLACK);
  }
  drawText(c, opts.y.label, 6, Math.round(y0 + ph / 2 + textWidth(opts.y.label) / 2), BLACK, 1, true);
  // title
  drawText(c, opts.title, Math.round(width / 2 - textWidth(opts.title, 2) / 2), 6, BLACK, 2);
  // colour bar: bottom = low, top = high
  const bx = x0 + pw + BAR_GAP;
  for (let y = 0; y < ph; y++) {
    const rgb = viridis((ph - 1 - y) / Math.max(1, ph - 1));
    for (let dx = 0; dx < BAR_WIDTH; dx++) setPixel(c, bx + dx, y0 + y, rgb);
  }
  for (let y = y0 - 1; y <= y0 + ph; y++) {
    setPixel(c, bx - 1, y, BLACK);
    setPixel(c, bx + BAR_WIDTH, y, BLACK);
  }
  for (let x = bx - 1; x <= bx + BAR_WIDTH; x++) {
    setPixel(c, x, y0 - 1, BLACK);
    setPixel(c, x, y0 + ph, BLACK);
  }
  const barValue = (f: number) => (isLog ? 10 ** (lo + (hi - lo) * f) : lo + (hi - lo) * f);
  for (const f of [0, 0.5, 1]) {
    const y = Math.round(y0 + ph - 1 - f * (ph - 1));
    for (let k = 1; k <= 3; k++) setPixel(c, bx + BAR_WIDTH + k, y, BLACK);
    drawText(c, tickText(barValue(f)), bx + BAR_WIDTH + 6, y - Math.floor(GLYPH_HEIGHT / 2), BLACK);
  }
  drawText(c, opts.colorbarLabel, width - 8 - GLYPH_HEIGHT, Math.round(y0 + ph / 2 + textWidth(opts.colorbarLabel) / 2), BLACK, 1, true);
  return PNG.sync.write(png);
}
