/** Deterministic synthetic CSC2 catalogue (pure): fields of Chandra pointings (30 % along the Galactic plane, the
 *  rest isotropic), each observed as 1 + Poisson(2.6) detect stacks of 1 + Poisson(0.54) ObsIDs a few arcmin apart;
 *  sources clustered in the ~16′ field (Gaussian, σ = 4′ off-axis, cut at 8′); broad-band fluxes log-normal with the
 *  sample's mean and spread, band split s/m/h, confidence limits and position errors scaling with flux (Poisson
 *  counts) and off-axis angle; NULLs per column at the sample's rates. Each master source is detected in a stack
 *  with probability 0.9 (at least one), each stack detection in every ObsID of its stack, so master_stack_assoc and
 *  stack_observation_assoc join all levels consistently. Same seed → same rows. */
import { Rng } from '../ml/representations/prng.js';
import type { SampleStats } from './sample-stats.js';

export type SynthTable = 'master_source' | 'stack_source' | 'observation_source' | 'master_stack_assoc' | 'stack_observation_assoc';

export const SYNTH_SCALES = { small: 2_000, full: 400_000 } as const;
export type SynthScale = keyof typeof SYNTH_SCALES;

export const SYNTH_COLUMNS: Record<SynthTable, readonly string[]> = {
  master_source: [
    'name', 'ra', 'dec', 'err_ellipse_r0', 'significance', 'likelihood_class', 'conf_flag', 'var_flag',
    'flux_aper90_b', 'flux_aper90_lolim_b', 'flux_aper90_hilim_b', 'flux_aper90_s', 'flux_aper90_lolim_s', 'flux_aper90_hilim_s',
    'flux_aper90_m', 'flux_aper90_lolim_m', 'flux_aper90_hilim_m', 'flux_aper90_h', 'flux_aper90_lolim_h', 'flux_aper90_hilim_h',
    'kp_intra_prob_b', 'var_intra_prob_b', 'var_inter_prob_b', 'nh_gal',
  ],
  stack_source: ['detect_stack_id', 'region_id', 'ra', 'dec', 'ra_stack', 'dec_stack'],
  observation_source: ['obsid', 'obi', 'region_id', 'ra', 'dec', 'ra_pnt', 'dec_pnt', 'flux_aper90_b'],
  master_stack_assoc: ['name', 'detect_stack_id', 'region_id', 'match_type'],
  stack_observation_assoc: ['detect_stack_id', 'region_id', 'obsid', 'obi'],
};

/** Master columns whose NULL rate comes from the sample (position and name are never NULL). */
export const NULLABLE_MASTER_COLUMNS = SYNTH_COLUMNS.master_source.filter((c) => !['name', 'ra', 'dec', 'flux_aper90_b'].includes(c) && !/lim_/.test(c));

function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function poisson(rng: Rng, mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  for (let p = rng.next(); p > l; p *= rng.next()) k++;
  return k;
}

const D2R = Math.PI / 180;

/** Galactic (l, b) → ICRS (ra, dec), degrees (IAU 1958 pole and node). */
export function galacticToEquatorial(l: number, b: number): [number, number] {
  const raGp = 192.85948 * D2R;
  const decGp = 27.12825 * D2R;
  const lNcp = 122.93192 * D2R;
  const sb = Math.sin(b * D2R);
  const cb = Math.cos(b * D2R);
  const dl = lNcp - l * D2R;
  const sd = sb * Math.sin(decGp) + cb * Math.cos(decGp) * Math.cos(dl);
  const dec = Math.asin(Math.max(-1, Math.min(1, sd)));
  const y = cb * Math.sin(dl);
  const x = sb * Math.cos(decGp) - cb * Math.sin(decGp) * Math.cos(dl);
  const ra = (raGp + Math.atan2(y, x)) / D2R;
  return [((ra % 360) + 360) % 360, dec / D2R];
}

function offset(ra: number, dec: number, arcminE: number, arcminN: number): [number, number] {
  const d = Math.max(-90, Math.min(90, dec + arcminN / 60));
  const r = ra + arcminE / 60 / Math.max(0.01, Math.cos(d * D2R));
  return [((r % 360) + 360) % 360, d];
}

function sexagesimal(ra: number, dec: number): string {
  const h = ra / 15;
  const hh = Math.floor(h);
  const mm = Math.floor((h - hh) * 60);
  const ss = Math.floor(((h - hh) * 60 - mm) * 600) / 10;
  const sign = dec < 0 ? '-' : '+';
  const a = Math.abs(dec);
  const dd = Math.floor(a);
  const am = Math.floor((a - dd) * 60);
  const as = Math.floor(((a - dd) * 60 - am) * 60);
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  return `${p(hh, 2)}${p(mm, 2)}${ss.toFixed(1).padStart(4, '0')}${sign}${p(dd, 2)}${p(am, 2)}${p(as, 2)}`;
}

export type SynthRows = Record<SynthTable, unknown[][]>;

/** Yields one field at a time with that field's rows of every table; stops after `masters` master sources. */
export function* generateCatalogue(seed: number, masters: number, stats: SampleStats): Generator<SynthRows> {
  const rng = new Rng(seed);
  const names = new Set<string>();
  let made = 0;
  let obsid = 900_000;
  const nul = (c: string) => rng.next() < (stats.nullRate[c] ?? 0);
  for (let field = 0; made < masters; field++) {
    const out: SynthRows = { master_source: [], stack_source: [], observation_source: [], master_stack_assoc: [], stack_observation_assoc: [] };
    const [ra0, dec0] = rng.next() < 0.3 ? galacticToEquatorial(rng.next() * 360, normal(rng) * 2) : [rng.next() * 360, Math.asin(2 * rng.next() - 1) / D2R];
    const nStacks = 1 + poisson(rng, 2.6);
    const stacks = Array.from({ length: nStacks }, (_, k) => {
      const [ra, dec] = offset(ra0, dec0, normal(rng) * 2, normal(rng) * 2);
      const hrc = rng.next() < 0.08;
      const id = `${hrc ? 'hrc' : 'acis'}fJ${sexagesimal(ra, dec).replace('.', '').replace('+', 'p').replace('-', 'm')}_${String(k + 1).padStart(3, '0')}`;
      const obs = Array.from({ length: 1 + poisson(rng, 0.54) }, () => {
        const [pr, pd] = offset(ra, dec, normal(rng) * 0.3, normal(rng) * 0.3);
        return { obsid: obsid++, ra: pr, dec: pd };
      });
      return { id, ra, dec, obs, regions: 0 };
    });
    const nSources = Math.min(masters - made, Math.max(3, Math.round(Math.exp(Math.log(45) + 0.6 * normal(rng)))));
    for (let i = 0; i < nSources; i++) {
      const r = Math.min(8, Math.abs(normal(rng) * 4));
      const th = rng.next() * 2 * Math.PI;
      const [ra, dec] = offset(ra0, dec0, r * Math.cos(th), r * Math.sin(th));
      let name = `2CXO J${sexagesimal(ra, dec)}`;
      while (names.has(name)) name += 'X';
      names.add(name);
      const fb = 10 ** (stats.log10FluxB.mean + stats.log10FluxB.sd * normal(rng));
      // relative 1σ error of a Poisson count ∝ flux^-1/2 (≈ 30 % at the sample's median flux), worse off-axis
      const rel = Math.min(0.9, Math.max(0.02, 0.3 * Math.sqrt(10 ** stats.log10FluxB.mean / fb) * (1 + (r / 8) ** 2)));
      const w = [0.2 + rng.next(), 0.2 + rng.next(), 0.2 + rng.next()];
      const ws = w[0]! + w[1]! + w[2]!;
      const band = (f: number, c: string) => (nul(c) ? [null, null, null] : [f, f * (1 - rel), f * (1 + rel)]);
      const sig = Math.max(1, 0.9 / rel + normal(rng) * 0.5);
      const prob = (c: string) => (nul(c) ? null : Math.round(rng.next() * 1000) / 1000);
      out.master_source.push([
        name, ra, dec, nul('err_ellipse_r0') ? null : (0.3 + 2 * (r / 8) ** 2) * (0.5 + rel), nul('significance') ? null : sig,
        sig > 5 ? 'TRUE' : 'MARGINAL', nul('conf_flag') ? null : rng.next() < 0.05, nul('var_flag') ? null : rng.next() < 0.08,
        fb, fb * (1 - rel / 2), fb * (1 + rel / 2),
        ...band((fb * w[0]!) / ws, 'flux_aper90_s'), ...band((fb * w[1]!) / ws, 'flux_aper90_m'), ...band((fb * w[2]!) / ws, 'flux_aper90_h'),
        prob('kp_intra_prob_b'), prob('var_intra_prob_b'), prob('var_inter_prob_b'), nul('nh_gal') ? null : Math.round(10 ** (normal(rng) * 0.4) * 100) / 100,
      ]);
      let detected = 0;
      stacks.forEach((s, k) => {
        if (rng.next() >= 0.9 && !(k === stacks.length - 1 && detected === 0)) return;
        detected++;
        const region = ++s.regions;
        // detections scatter by ~0.5″ around the master position
        const near = () => offset(ra, dec, (normal(rng) * 0.5) / 60, (normal(rng) * 0.5) / 60);
        out.stack_source.push([s.id, region, ...near(), s.ra, s.dec]);
        out.master_stack_assoc.push([name, s.id, region, 'u']);
        for (const o of s.obs) {
          out.observation_source.push([o.obsid, 0, region, ...near(), o.ra, o.dec, fb * (1 + rel * normal(rng) * 0.5)]);
          out.stack_observation_assoc.push([s.id, region, o.obsid, 0]);
        }
      });
    }
    made += nSources;
    yield out;
  }
}
