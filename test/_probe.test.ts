import { it } from 'vitest';
import { translateAdql } from '../adql/index.js';
import { publishedCatalog } from '../schema/index.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { join } from 'node:path';
const Q: string[] = [
 `SELECT COUNT(*) AS n, MIN(ra) AS ra0, MAX(ra) AS ra1, MIN(dec) AS d0, MAX(dec) AS d1, AVG(ra) AS ram, AVG(dec) AS decm FROM csc2.master_source WHERE ra > 150`,
 `SELECT COUNT(*) AS n, MIN(ra) AS ra0, MAX(ra) AS ra1, MIN(dec) AS d0, MAX(dec) AS d1, AVG(ra) AS ram, AVG(dec) AS decm FROM csc2.master_source WHERE ra < 150`,
 `SELECT COUNT(hard_hm) AS a, COUNT(hard_hs) AS b, COUNT(hard_ms) AS c, SUM(CASE WHEN hard_hm > 0 THEN 1 ELSE 0 END) AS d, SUM(CASE WHEN hard_hs > 0.5 THEN 1 ELSE 0 END) AS e FROM csc2.observation_source`,
 `SELECT name, ra, dec, hard_hm, hard_hs, powlaw_gamma FROM csc2.master_source WHERE hard_hm IS NOT NULL OR hard_hs IS NOT NULL`,
 `SELECT COUNT(*) AS n FROM csc2.master_source WHERE powlaw_gamma IS NOT NULL AND powlaw_gamma < 1.5`,
 `SELECT TOP 3 name, flux_aper90_b FROM csc2.master_source ORDER BY flux_aper90_b DESC`,
 `SELECT COUNT(*) AS n FROM csc2.master_source WHERE var_inter_prob_b > 0.5`,
 `SELECT COUNT(*) AS n FROM csc2.master_source WHERE var_flag = 1 AND var_intra_prob_b > 0.9`,
 `SELECT TOP 5 ra_pnt, dec_pnt, obsid FROM csc2.observation_source`,
 `SELECT COUNT(*) AS n FROM csc2.master_source WHERE conf_flag = 0 AND sat_src_flag = 0`,
 `SELECT COUNT(*) AS n FROM csc2.observation_source WHERE var_prob_b > 0.9`,
 `SELECT COUNT(err_ellipse_r0) AS a, COUNT(gal_l) AS b, COUNT(extent_flag) AS c FROM csc2.master_source`,
 `SELECT TOP 3 name, ra, dec FROM csc2.master_source WHERE name LIKE '2CXO J0842%'`,
];
it('probe', async () => {
  const [backend] = testDatabases();
  if (!backend) return;
  const { db, drop } = await backend.open();
  await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, testLogger().log);
  for (const q of Q) {
    try {
      const t = translateAdql(q, publishedCatalog(), {});
      const r = await db.query(t.sql, t.params);
      console.log('OK', q.slice(0, 80), JSON.stringify(r.rows.slice(0, 5), (_k, v) => typeof v === 'bigint' ? Number(v) : v));
    } catch (e) { console.log('ERR', q.slice(0, 80), (e as Error).message); }
  }
  await drop();
}, 300000);
