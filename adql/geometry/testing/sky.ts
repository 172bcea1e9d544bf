/** Test-only sky samplers shared by the geometry suites: a seeded PRNG, points on and inside circles, random
 *  polygons. Not exported from index.ts. */
import { toRaDec, toVec } from '../spherical.js';
import type { Vec3 } from '../spherical.js';

/** Deterministic PRNG in [0, 1) (mulberry32), so failures replay. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform on the sphere. */
export function randomPosition(rnd: () => number): [number, number] {
  return [rnd() * 360, (Math.asin(2 * rnd() - 1) * 180) / Math.PI];
}

/** Log-uniform in [lo, hi]. */
export function logUniform(rnd: () => number, lo: number, hi: number): number {
  return lo * (hi / lo) ** rnd();
}

/** The point `distDeg` from (ra, dec) at position angle `paDeg` (east of north), as [ra in [0, 360), dec]. */
export function offset(ra: number, dec: number, distDeg: number, paDeg: number): [number, number] {
  const c: Vec3 = toVec(ra, dec);
  const D = Math.PI / 180;
  const e: Vec3 = [-Math.sin(ra * D), Math.cos(ra * D), 0];
  const n: Vec3 = [c[1] * e[2] - c[2] * e[1], c[2] * e[0] - c[0] * e[2], c[0] * e[1] - c[1] * e[0]];
  const cr = Math.cos(distDeg * D);
  const sr = Math.sin(distDeg * D);
  const cp = Math.cos(paDeg * D);
  const sp = Math.sin(paDeg * D);
  return toRaDec([
    c[0] * cr + (n[0] * cp + e[0] * sp) * sr,
    c[1] * cr + (n[1] * cp + e[1] * sp) * sr,
    c[2] * cr + (n[2] * cp + e[2] * sp) * sr,
  ]);
}

/** A star-shaped (so simple) polygon of 3..maxVertices vertices around (ra, dec), vertex distances in
 *  [0.4, 1]·size, randomly wound. */
export function randomPolygon(rnd: () => number, ra: number, dec: number, size: number, maxVertices = 8): number[] {
  const n = 3 + Math.floor(rnd() * (maxVertices - 2));
  const angles = Array.from({ length: n }, () => rnd() * 360).sort((a, b) => a - b);
  const out: number[] = [];
  for (const pa of angles) out.push(...offset(ra, dec, size * (0.4 + 0.6 * rnd()), pa));
  if (rnd() < 0.5) {
    const rev: number[] = [];
    for (let i = out.length - 2; i >= 0; i -= 2) rev.push(out[i]!, out[i + 1]!);
    return rev;
  }
  return out;
}
