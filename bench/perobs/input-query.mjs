// Run from the repository root after `npm run build`: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/perobs/input-query.mjs
// Times classify-sources' input query with and without the observations column, on 3000 synthetic master-only
// sources (what `npm run bench -- classify` loads) and on the IC 2395 sample (2 observations per source), then the
// batch query classify-sources runs (10k rows of 20k synthetic sources) with PostgreSQL's JIT on and off.
import { pino } from 'pino';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const root = process.cwd();
const { migrate, openDb, MIGRATIONS } = await import(`${root}/dist/db/index.js`);
const { ingestCsc2, silentProgress } = await import(`${root}/dist/ingest/index.js`);
const { writeSyntheticMasterCsv } = await import(`${root}/dist/bench/synthetic-csc2.js`);
const { INPUT_SQL, OBSERVATIONS_SQL } = await import(`${root}/dist/ingest/ml/classify-sources.js`);
const OLD_SQL = INPUT_SQL.replace(`, ${OBSERVATIONS_SQL}`, '');
if (OLD_SQL === INPUT_SQL) throw new Error('could not strip the observations column');
const admin = process.env.DATABASE_URL;
const log = pino({ level: 'warn' });
const c = new pg.Client({ connectionString: admin }); await c.connect();
await c.query('DROP DATABASE IF EXISTS perobs_sql WITH (FORCE)'); await c.query('CREATE DATABASE perobs_sql'); await c.end();
const u = new URL(admin); u.pathname = '/perobs_sql';
const db = await openDb({ databaseUrl: u.toString(), dataDir: 'unused' });
await migrate(db, MIGRATIONS);
await writeSyntheticMasterCsv(join(tmpdir(), 'perobs-synth3000.csv'), 3000, 777);
await writeSyntheticMasterCsv(join(tmpdir(), 'perobs-synth20000.csv'), 20000, 778);
await ingestCsc2(db, { files: [join(tmpdir(), 'perobs-synth3000.csv')], table: 'master_source', log, progress: silentProgress, classify: false });
await ingestCsc2(db, { files: [`${root}/data/sample/ic2395_conesearch_per.csv`], table: 'auto', log, progress: silentProgress, classify: false });
await ingestCsc2(db, { files: [join(tmpdir(), 'perobs-synth20000.csv')], table: 'master_source', log, progress: silentProgress, classify: false });
await db.query('ANALYZE');
const ic = (await db.query("SELECT a.name FROM csc2.master_stack_assoc a")).rows.map((r) => r[0]);
const synth = (await db.query("SELECT name FROM csc2.master_source m WHERE NOT EXISTS (SELECT 1 FROM csc2.master_stack_assoc a WHERE a.name = m.name) ORDER BY name LIMIT 3000")).rows.map((r) => r[0]);
async function time(sql, names) {
  const ts = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    const r = await db.query(`${sql} WHERE m.name = ANY($1::text[]) ORDER BY m.name`, [names]);
    ts.push(performance.now() - t0);
    if (r.rows.length !== names.length) throw new Error('row count');
  }
  ts.sort((a, b) => a - b);
  return `median ${ts[4].toFixed(1)} ms (min ${ts[0].toFixed(1)}, max ${ts[8].toFixed(1)})`;
}
for (const [label, names] of [['3000 synthetic master-only sources', synth], [`${ic.length} IC 2395 sources`, ic]]) {
  console.log(label, '| 2.2.1 query:', await time(OLD_SQL, names), '| 2.2.2 query:', await time(INPUT_SQL, names));
}
const missing = `NOT EXISTS (SELECT 1 FROM ml.source_class s WHERE s.name = m.name AND s.model_id = 'xtap-source-classifier' AND s.model_version = $2)`;
const batchSql = `${INPUT_SQL} WHERE m.name > $1 AND ${missing} ORDER BY m.name LIMIT 10000`;
const jitTimes = { on: [], off: [] };
for (let i = 0; i < 7; i++) for (const mode of ['on', 'off']) {
  await db.query(`SET jit = ${mode}`);
  const t0 = performance.now();
  const r = await db.query(batchSql, ['', 'none']);
  jitTimes[mode].push(performance.now() - t0);
  if (r.rows.length !== 10000) throw new Error('row count');
}
const ms = (v) => { v.sort((a, b) => a - b); return `median ${v[3].toFixed(0)} ms (min ${v[0].toFixed(0)}, max ${v[6].toFixed(0)})`; };
console.log('10k-row classification batch | jit on:', ms(jitTimes.on), '| jit off:', ms(jitTimes.off));
await db.close();
if (!process.env.KEEP) { const c2 = new pg.Client({ connectionString: admin }); await c2.connect(); await c2.query('DROP DATABASE IF EXISTS perobs_sql WITH (FORCE)'); await c2.end(); }
