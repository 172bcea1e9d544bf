/** Renders a small 2-D map (rows × columns, row-major) as a PNG preview: each cell a `scale` × `scale` block,
 *  viridis colours, linear or log10 scaling. Pure (pngjs encodes in memory); used for the E–t and dEdT previews. */
import { PNG } from 'pngjs';

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

/** PNG of `values[r * cols + c]` with columns along x and rows along y. */
export function renderMapPng(values: ArrayLike<number>, rows: number, cols: number, opts: MapImageOptions = {}): Buffer {
  const scale = opts.scale ?? 16;
  const isLog = opts.scaling === 'log';
  const t = Array.from(values, (v) => (isLog ? (v > 0 ? Math.log10(v) : Number.NaN) : v));
  const finite = t.filter((v) => Number.isFinite(v));
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
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
