// Run from the repository root after `npm run build`: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/perobs/ngc3532-check.mjs
// Loads the bundled sample (as `npm start` on a fresh ./var) into perobs_ngc and prints the NGC 3532 check.
import { pino } from 'pino';
import pg from 'pg';
const root = process.cwd();
const { migrate, openDb, MIGRATIONS } = await import(`${root}/dist/db/index.js`);
const { prepareDatabase } = await import(`${root}/dist/server/bootstrap.js`);
const admin = process.env.DATABASE_URL;
const c = new pg.Client({ connectionString: admin }); await c.connect();
await c.query('DROP DATABASE IF EXISTS perobs_ngc WITH (FORCE)'); await c.query('CREATE DATABASE perobs_ngc'); await c.end();
const u = new URL(admin); u.pathname = '/perobs_ngc';
const db = await openDb({ databaseUrl: u.toString(), dataDir: 'unused' });
await prepareDatabase(db, { sampleDir: `${root}/data/sample`, loadSample: 'auto' }, pino({ level: 'warn' }));
for (const q of [
  'SELECT model_version, published_confident, count(*), sum(agree), avg(agree) FROM ml.class_comparison GROUP BY 1, 2 ORDER BY 2',
  'SELECT count(*), sum(agree) FROM ml.class_comparison',
  "SELECT count(*) FILTER (WHERE xtap_class = 'AGN'), count(*) FROM ml.class_comparison WHERE published_class = 'AGN'",
  'SELECT xtap_class, count(*) FROM ml.class_comparison GROUP BY 1 ORDER BY 2 DESC',
]) console.log(q, '\n', JSON.stringify((await db.query(q)).rows, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
await db.close();
const c2 = new pg.Client({ connectionString: admin }); await c2.connect(); await c2.query('DROP DATABASE IF EXISTS perobs_ngc WITH (FORCE)'); await c2.end();
