/** Synthetic csc2.master_source rows for benchmarks: 30 CSC2 columns with realistic ranges (uniform sky,
 *  fluxes 1e-15..1e-13 erg/s/cm² with confidence limits per band, variability probabilities), written as CSV
 *  from a fixed-seed generator so every run loads the same rows. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const SYNTHETIC_COLUMNS = [
  'name', 'ra', 'dec', 'err_ellipse_r0', 'significance', 'likelihood_class', 'conf_flag', 'var_flag',
  'flux_aper90_b', 'flux_aper90_lolim_b', 'flux_aper90_hilim_b',
  'flux_aper90_s', 'flux_aper90_lolim_s', 'flux_aper90_hilim_s',
  'flux_aper90_m', 'flux_aper90_lolim_m', 'flux_aper90_hilim_m',
  'flux_aper90_h', 'flux_aper90_lolim_h', 'flux_aper90_hilim_h',
  'hard_hm', 'hard_hs', 'hard_ms', 'kp_intra_prob_b', 'var_intra_prob_b', 'var_inter_prob_b', 'nh_gal', 'gal_l', 'gal_b', 'acis_num',
];

export async function writeSyntheticMasterCsv(file: string, rows: number, seed = 12345): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${SYNTHETIC_COLUMNS.join(',')}\n`);
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const band = (f: number) => [f.toExponential(3), (f * 0.7).toExponential(3), (f * 1.3).toExponential(3)];
  for (let i = 0; i < rows; i++) {
    const ra = rand() * 360;
    const dec = Math.asin(2 * rand() - 1) * (180 / Math.PI);
    const f = 1e-15 * 10 ** (rand() * 2);
    const [s, m, h] = [f * (0.1 + rand() * 0.4), f * (0.1 + rand() * 0.4), f * (0.1 + rand() * 0.4)];
    const line = [
      `2CXO JBENCH${String(i).padStart(8, '0')}`, ra.toFixed(6), dec.toFixed(6), (rand() * 2).toFixed(2), (rand() * 50).toFixed(2),
      rand() < 0.9 ? 'TRUE' : 'MARGINAL', rand() < 0.1 ? 'TRUE' : 'FALSE', rand() < 0.1 ? 'TRUE' : 'FALSE',
      ...band(s + m + h), ...band(s), ...band(m), ...band(h),
      (rand() * 2 - 1).toFixed(3), (rand() * 2 - 1).toFixed(3), (rand() * 2 - 1).toFixed(3),
      rand().toFixed(3), rand().toFixed(3), rand().toFixed(3), (rand() * 100).toFixed(2), (rand() * 360).toFixed(5),
      (rand() * 180 - 90).toFixed(5), String(1 + Math.floor(rand() * 10)),
    ].join(',');
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
