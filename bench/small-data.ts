/** The catalogue the small-query benchmarks (bench/latency.ts: `top1`, `cone`) run on: csc2.master_source filled
 *  with N deterministic synthetic rows in the 48 columns of the DaCHS side-by-side table
 *  (../shared/bench/dachs/gen_csv.py: name, position, error ellipse, significance, likelihood, 5 flags,
 *  flux_aper_{b,h,m,s,u,w} with limits, hardness ratios with limits, variability, nh_gal, acis_num, hrc_num), with
 *  the same sky layout (70 % of the sources in N/125 "pointings" of σ = 0.12°, 30 % uniform), so that a 0.05°
 *  cone around a source holds a few rows at any N. hpx14 is computed as ingest computes it. */
import { healpixIndex } from '../adql/geometry/index.js';
import { HEALPIX_ORDER } from '../schema/csc2/healpix-column.js';
import { migrate, openDb, MIGRATIONS } from '../db/index.js';
import type { Row } from '../db/index.js';
import { Rng } from '../ml/representations/prng.js';

const BANDS = ['b', 'h', 'm', 's', 'u', 'w'] as const;
const HARD = ['hm', 'hs', 'ms'] as const;

/** The 48 published columns the cone benchmark selects (the DaCHS table's columns, in its order). */
export const CONE_COLUMNS: readonly string[] = [
  'name', 'ra', 'dec', 'err_ellipse_r0', 'err_ellipse_r1', 'err_ellipse_ang', 'significance', 'likelihood', 'likelihood_class',
  'conf_flag', 'sat_src_flag', 'streak_src_flag', 'extent_flag', 'var_flag',
  ...BANDS.flatMap((b) => [`flux_aper_${b}`, `flux_aper_lolim_${b}`, `flux_aper_hilim_${b}`]),
  ...HARD.flatMap((h) => [`hard_${h}`, `hard_${h}_lolim`, `hard_${h}_hilim`]),
  'var_intra_prob_b', 'var_intra_index_b', 'var_inter_prob_b', 'var_inter_index_b', 'nh_gal', 'acis_num', 'hrc_num',
];

function* syntheticRows(n: number, seed = 20260101): Generator<Row[]> {
  // mulberry32: the same seed gives the same rows on every run
  const rng = new Rng(seed);
  const rand = () => rng.next();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const uniformDec = () => (Math.asin(2 * rand() - 1) * 180) / Math.PI;
  const fields = Array.from({ length: Math.max(1, Math.floor(n / 125)) }, () => [rand() * 360, uniformDec()] as const);
  let batch: Row[] = [];
  for (let i = 0; i < n; i++) {
    let ra: number;
    let dec: number;
    if (rand() < 0.7) {
      const [fra, fdec] = fields[Math.floor(rand() * fields.length)] as readonly [number, number];
      dec = Math.max(-89.9999, Math.min(89.9999, fdec + 0.12 * gauss()));
      ra = (((fra + (0.12 * gauss()) / Math.max(Math.cos((dec * Math.PI) / 180), 1e-3)) % 360) + 360) % 360;
    } else {
      ra = rand() * 360;
      dec = uniformDec();
    }
    const hrcOnly = rand() < 0.05;
    const sig = 2 + 4 * -Math.log(1 - rand());
    const like = ((sig * sig) / 2) * (0.7 + 0.6 * rand());
    const r0 = 0.15 + 3 * rand();
    const flux = 1e-15 * 10 ** (2 * rand());
    const bands = BANDS.flatMap((b) => {
      if (hrcOnly && b !== 'w') return [null, null, null];
      const f = b === 'b' || b === 'w' ? flux : flux * (0.1 + 0.4 * rand());
      return [f, f * 0.7, f * 1.3];
    });
    const hard = HARD.flatMap(() => {
      if (hrcOnly) return [null, null, null];
      const h = 2 * rand() - 1;
      return [h, Math.max(-1, h - 0.1), Math.min(1, h + 0.1)];
    });
    const acis = hrcOnly ? 0 : 1 + Math.floor(rand() * 6);
    const intraP = rand() ** 3;
    const interP = acis > 1 ? rand() ** 2 : null;
    const intraI = Math.min(10, Math.floor(intraP * 11));
    const interI = interP === null ? null : Math.min(10, Math.floor(interP * 11));
    batch.push([
      `2CXO JSMALL${String(i).padStart(8, '0')}`, ra, dec, r0, r0 * (0.4 + 0.6 * rand()), rand() * 180, sig, like, like > 14 ? 'TRUE' : 'MARGINAL',
      rand() < 0.05, rand() < 0.001, rand() < 0.002, rand() < 0.03, intraI >= 6 || (interI ?? 0) >= 6,
      ...bands, ...hard,
      intraP, intraI, interP, interI, 10 ** (20.6 + 0.45 * gauss()), acis, hrcOnly ? 1 : Math.floor(rand() * 2),
      healpixIndex(ra, dec, HEALPIX_ORDER),
    ]);
    if (batch.length === 5000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Migrates the database at `url` and fills csc2.master_source with `rows` synthetic rows (then VACUUM ANALYZE). */
export async function fillSmallCatalogue(url: string, rows: number): Promise<void> {
  const db = await openDb({ databaseUrl: url, dataDir: 'unused' });
  try {
    await migrate(db, MIGRATIONS);
    await db.copyIn('csc2.master_source', [...CONE_COLUMNS, 'hpx14'], syntheticRows(rows));
    await db.exec('VACUUM (ANALYZE) csc2.master_source');
  } finally {
    await db.close();
  }
}
