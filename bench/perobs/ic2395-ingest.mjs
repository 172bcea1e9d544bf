// Run from the repository root after `npm run build`: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/perobs/ic2395-ingest.mjs
// Times `ingestCsc2` (with classification) of the IC 2395 sample CSV into a fresh database perobs_ic2395 on DATABASE_URL's server.
import { pino } from 'pino';
import pg from 'pg';
const root = process.cwd();
const { migrate, openDb, MIGRATIONS } = await import(`${root}/dist/db/index.js`);
const { ingestCsc2, silentProgress } = await import(`${root}/dist/ingest/index.js`);
const admin = process.env.DATABASE_URL;
const reps = Number(process.env.REPS ?? 5);
const times = [];
for (let i = 0; i < reps; i++) {
  const c = new pg.Client({ connectionString: admin }); await c.connect();
  await c.query('DROP DATABASE IF EXISTS perobs_ic2395 WITH (FORCE)'); await c.query('CREATE DATABASE perobs_ic2395'); await c.end();
  const u = new URL(admin); u.pathname = '/perobs_ic2395';
  const db = await openDb({ databaseUrl: u.toString(), dataDir: 'unused' });
  await migrate(db, MIGRATIONS);
  const t0 = performance.now();
  await ingestCsc2(db, { files: [`${root}/data/sample/ic2395_conesearch_per.csv`], table: 'auto', log: pino({ level: 'warn' }), progress: silentProgress });
  times.push((performance.now() - t0) / 1000);
  const r = await db.query('SELECT count(*) FROM ml.source_class');
  await db.close();
  if (i === reps - 1) console.log('classified rows', String(r.rows[0][0]));
}
const c = new pg.Client({ connectionString: admin }); await c.connect(); await c.query('DROP DATABASE IF EXISTS perobs_ic2395 WITH (FORCE)'); await c.end();
times.sort((a, b) => a - b);
console.log('IC 2395 ingest+classify seconds (sorted):', times.map((t) => t.toFixed(3)).join(' '), 'median', times[Math.floor(times.length / 2)].toFixed(3));
