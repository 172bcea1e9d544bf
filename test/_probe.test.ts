import { it } from 'vitest';
import { translateAdql } from '../adql/index.js';
import { publishedCatalog } from '../schema/index.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { join } from 'node:path';
const Q: string[] = [
 `SELECT COUNT(hpx14) AS a, MIN(hpx14) AS b, MAX(hpx14) AS c FROM csc2.master_source`,
 `SELECT COUNT(*) AS n FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.2759, -58.8454, 0.05))`,
 `SELECT TOP 2 name, DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 166.2759, -58.8454)) AS d FROM csc2.master_source ORDER BY d`,
];
it('probe', async () => {
  const [backend] = testDatabases();
  if (!backend) return;
  const { db, drop } = await backend.open();
  await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, testLogger().log);
  console.log((await db.query("SELECT nspname FROM pg_namespace")).rows.map(r=>r[0]).join(','));
  for (const q of Q) {
    try {
      const t = translateAdql(q, publishedCatalog(), {});
      console.log('SQL', t.sql.slice(0, 600));
      const r = await db.query(t.sql, t.params);
      console.log('OK', q.slice(0, 80), JSON.stringify(r.rows.slice(0, 5), (_k, v) => typeof v === 'bigint' ? Number(v) : v));
    } catch (e) { console.log('ERR', q.slice(0, 80), (e as Error).message); }
  }
  await drop();
}, 300000);
