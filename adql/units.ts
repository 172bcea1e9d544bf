/** A small VOUnit parser and converter for IN_UNIT (ADQL 2.1 §4.9): parses unit strings such as `deg`,
 *  `mas/yr`, `erg/s/cm**2`, `keV` into a scale factor plus SI dimension exponents, and gives conversion
 *  factors between compatible units. Covers the units our metadata uses, not the whole VOUnit standard. */

/** Dimension exponents: angle (rad), time (s), length (m), mass (kg), and the pseudo-dimensions count and mag. */
export type Dims = readonly [angle: number, time: number, length: number, mass: number, count: number, mag: number];

export interface Unit {
  /** Multiply a value in this unit by `factor` to get it in the SI (or base) unit of its dimensions. */
  factor: number;
  dims: Dims;
}

const D = (angle = 0, time = 0, length = 0, mass = 0, count = 0, mag = 0): Dims => [angle, time, length, mass, count, mag];
const JOULE = D(0, -2, 2, 1);

const BASE: Readonly<Record<string, Unit>> = {
  rad: { factor: 1, dims: D(1) },
  deg: { factor: Math.PI / 180, dims: D(1) },
  arcmin: { factor: Math.PI / 180 / 60, dims: D(1) },
  arcsec: { factor: Math.PI / 180 / 3600, dims: D(1) },
  mas: { factor: Math.PI / 180 / 3600e3, dims: D(1) },
  uas: { factor: Math.PI / 180 / 3600e6, dims: D(1) },
  s: { factor: 1, dims: D(0, 1) },
  min: { factor: 60, dims: D(0, 1) },
  h: { factor: 3600, dims: D(0, 1) },
  d: { factor: 86400, dims: D(0, 1) },
  a: { factor: 365.25 * 86400, dims: D(0, 1) },
  yr: { factor: 365.25 * 86400, dims: D(0, 1) },
  m: { factor: 1, dims: D(0, 0, 1) },
  Angstrom: { factor: 1e-10, dims: D(0, 0, 1) },
  AU: { factor: 1.495978707e11, dims: D(0, 0, 1) },
  pc: { factor: 3.0856775814913673e16, dims: D(0, 0, 1) },
  g: { factor: 1e-3, dims: D(0, 0, 0, 1) },
  J: { factor: 1, dims: JOULE },
  erg: { factor: 1e-7, dims: JOULE },
  eV: { factor: 1.602176634e-19, dims: JOULE },
  W: { factor: 1, dims: D(0, -3, 2, 1) },
  Hz: { factor: 1, dims: D(0, -1) },
  count: { factor: 1, dims: D(0, 0, 0, 0, 1) },
  ct: { factor: 1, dims: D(0, 0, 0, 0, 1) },
  photon: { factor: 1, dims: D(0, 0, 0, 0, 1) },
  mag: { factor: 1, dims: D(0, 0, 0, 0, 0, 1) },
};

/** SI prefixes VOUnit allows on most units. */
const PREFIXES: Readonly<Record<string, number>> = {
  y: 1e-24, z: 1e-21, a: 1e-18, f: 1e-15, p: 1e-12, n: 1e-9, u: 1e-6, m: 1e-3, c: 1e-2, d: 1e-1,
  da: 1e1, h: 1e2, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Z: 1e21, Y: 1e24,
};
/** Units that take no prefix (mas/uas are spelled out above; "min", "h", "d", "a" would be ambiguous). */
const NO_PREFIX = new Set(['deg', 'arcmin', 'arcsec', 'mas', 'uas', 'min', 'h', 'd', 'a', 'yr', 'AU', 'pc', 'mag', 'count', 'ct', 'photon', 'Angstrom']);

export const DIMENSIONLESS: Unit = { factor: 1, dims: D() };

function atom(sym: string): Unit | undefined {
  const direct = BASE[sym];
  if (direct) return direct;
  for (const [p, f] of Object.entries(PREFIXES)) {
    if (sym.length > p.length && sym.startsWith(p)) {
      const rest = sym.slice(p.length);
      const base = BASE[rest];
      if (base && !NO_PREFIX.has(rest)) return { factor: f * base.factor, dims: base.dims };
    }
  }
  return undefined;
}

export function multiplyUnits(a: Unit, b: Unit, sign: 1 | -1 = 1): Unit {
  return {
    factor: sign === 1 ? a.factor * b.factor : a.factor / b.factor,
    dims: a.dims.map((x, i) => x + sign * (b.dims[i] ?? 0)) as unknown as Dims,
  };
}

export function powerUnit(a: Unit, p: number): Unit {
  return { factor: a.factor ** p, dims: a.dims.map((x) => x * p) as unknown as Dims };
}

export function sameDims(a: Unit, b: Unit): boolean {
  return a.dims.every((x, i) => Math.abs(x - (b.dims[i] ?? 0)) < 1e-12);
}

/** Parses a VOUnit string (`erg/s/cm**2`, `mas.yr**-1`, `km/s`, `deg`); undefined when any part is unknown.
 *  The empty string is dimensionless. */
export function parseUnit(text: string): Unit | undefined {
  if (UNIT_CACHE.has(text)) return UNIT_CACHE.get(text);
  const u = parseUnitUncached(text);
  if (UNIT_CACHE.size < 1000) UNIT_CACHE.set(text, u);
  return u;
}

/** Parsed units by text: metadata repeats a handful of unit strings; parsing them per column reference showed
 *  up in the translation benchmark. Bounded, and the values are immutable. */
const UNIT_CACHE = new Map<string, Unit | undefined>();

function parseUnitUncached(text: string): Unit | undefined {
  const s = text.trim();
  if (s === '') return DIMENSIONLESS;
  let unit: Unit = DIMENSIONLESS;
  // Tokens: unit symbols with optional **exp / ^exp, joined by '.', '*', ' ' or '/'.
  const re = /\s*([/.* ]?)\s*([A-Za-z]+)(?:(?:\*\*|\^)\(?([+-]?\d+(?:\.\d+)?)\)?|([+-]?\d+))?/y;
  let pos = 0;
  let first = true;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m || m[0].length === 0) return undefined;
    const sep = m[1] ?? '';
    if (first && sep === '/') return undefined;
    if (!first && sep === '') return undefined;
    const a = atom(m[2] ?? '');
    if (!a) return undefined;
    const exp = Number(m[3] ?? m[4] ?? '1');
    unit = multiplyUnits(unit, powerUnit(a, exp), sep === '/' ? -1 : 1);
    pos = re.lastIndex;
    first = false;
  }
  return unit;
}

/** Factor f with value_in_to = f * value_in_from, or a reason why there is none. */
export function conversionFactor(from: string, to: string): { factor: number } | { error: string } {
  const a = parseUnit(from);
  if (!a) return { error: `unknown unit "${from}"` };
  const b = parseUnit(to);
  if (!b) return { error: `unknown unit "${to}"` };
  if (!sameDims(a, b)) return { error: `cannot convert "${from}" to "${to}": the units measure different quantities` };
  return { factor: a.factor / b.factor };
}
