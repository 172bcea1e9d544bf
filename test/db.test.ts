import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, publishTapSchema, MIGRATIONS } from '../db/index.js';
import type { Db } from '../db/index.js';
import { PUBLISHED_SCHEMAS, allTables } from '../schema/index.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases())('database layer on $name', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
  });
  afterAll(async () => drop());

  it('applies migrations once and is idempotent', async () => {
    const first = await migrate(db, MIGRATIONS);
    expect(first).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(await migrate(db, MIGRATIONS)).toEqual([]);
    const r = await db.query('SELECT count(*) FROM xtap.schema_migrations');
    expect(r.rows[0]?.[0]).toBe(BigInt(MIGRATIONS.length));
  });

  it('pins the session settings text output relies on (regression: doubles as 15 digits if a server sets extra_float_digits=0)', async () => {
    const r = await db.query("SELECT current_setting('extra_float_digits'), current_setting('standard_conforming_strings'), (0.1::float8 + 0.2::float8)::text");
    expect(r.rows[0]).toEqual(['1', 'on', '0.30000000000000004']);
  });

  it('creates every column of every published table', async () => {
    for (const t of allTables()) {
      const r = await db.query(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
        [t.schema.toLowerCase(), t.name],
      );
      expect(r.rows.map((x) => x[0]), `${t.schema}.${t.name}`).toEqual(t.columns.map((c) => c.name));
    }
  });

  it('publishes TAP_SCHEMA with one row per column of every published table', async () => {
    await publishTapSchema(db, PUBLISHED_SCHEMAS);
    await publishTapSchema(db, PUBLISHED_SCHEMAS); // re-publishing replaces, never duplicates
    const expected = allTables().reduce((n, t) => n + t.columns.length, 0);
    const r = await db.query('SELECT count(*) FROM tap_schema.columns');
    expect(r.rows[0]?.[0]).toBe(BigInt(expected));
    const ra = await db.queryObjects<{ unit: string; ucd: string; datatype: string; indexed: number }>(
      "SELECT unit, ucd, datatype, indexed FROM tap_schema.columns WHERE table_name = 'csc2.master_source' AND column_name = 'ra'",
    );
    expect(ra).toEqual([{ unit: 'deg', ucd: 'pos.eq.ra;meta.main', datatype: 'double', indexed: 0 }]);
    const size = await db.query(`SELECT column_name, std FROM tap_schema.columns WHERE table_name = 'TAP_SCHEMA.columns' AND column_name = '"size"'`);
    expect(size.rows).toEqual([['"size"', 1]]);
    const hpx = await db.query(`SELECT indexed FROM tap_schema.columns WHERE table_name = 'csc2.master_source' AND column_name = 'hpx14'`);
    expect(hpx.rows).toEqual([[1]]);
  });

  it('publishes TAP_SCHEMA from several processes at once (servers starting together) without a duplicate key', async () => {
    await Promise.all([1, 2, 3, 4].map(() => publishTapSchema(db, PUBLISHED_SCHEMAS)));
    const expected = allTables().reduce((n, t) => n + t.columns.length, 0);
    const r = await db.query('SELECT count(*) FROM tap_schema.columns');
    expect(r.rows[0]?.[0]).toBe(BigInt(expected));
  });

  it('every key column named in TAP_SCHEMA exists on both sides', async () => {
    const r = await db.query(`
      SELECT k.key_id, kc.from_column, kc.target_column,
             (SELECT count(*) FROM tap_schema.columns c WHERE c.table_name = k.from_table AND c.column_name = kc.from_column),
             (SELECT count(*) FROM tap_schema.columns c WHERE c.table_name = k.target_table AND c.column_name = kc.target_column)
      FROM tap_schema.keys k JOIN tap_schema.key_columns kc USING (key_id)`);
    expect(r.rows.length).toBeGreaterThanOrEqual(8);
    for (const row of r.rows) expect([row[0], row[3], row[4]]).toEqual([row[0], 1n, 1n]);
  });

  it('streams rows through a cursor in batches and stops early without leaking the session', async () => {
    const batches: number[] = [];
    for await (const b of db.stream('SELECT g, g::bigint * 2 FROM generate_series(1, 2500) g', [], { batchSize: 1000, readOnly: true })) {
      batches.push(b.length);
    }
    expect(batches).toEqual([1000, 1000, 500]);
    let seen = 0;
    for await (const b of db.stream('SELECT g FROM generate_series(1, 100000) g', [], { batchSize: 100 })) {
      seen += b.length;
      if (seen >= 300) break;
    }
    expect(seen).toBe(300);
    const after = await db.query('SELECT 42');
    expect(after.rows).toEqual([[42]]);
  });

  it('rejects writes in a read-only stream and reports SQLSTATE', async () => {
    await db.exec('CREATE SEQUENCE IF NOT EXISTS xtap.t_seq');
    const run = async () => {
      for await (const _ of db.stream("SELECT nextval('xtap.t_seq')", [], { batchSize: 10, readOnly: true })) {
        // unreachable
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'DbError', code: '25006' });
  });

  it('rolls back a failed transaction completely', async () => {
    await db.exec('CREATE TABLE IF NOT EXISTS xtap.t_rollback (x int PRIMARY KEY)');
    await expect(
      db.transaction(async (tx) => {
        await tx.copyIn('xtap.t_rollback', ['x'], [[[1], [2]]]);
        await tx.query('INSERT INTO xtap.t_rollback VALUES (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const r = await db.query('SELECT count(*) FROM xtap.t_rollback');
    expect(r.rows[0]?.[0]).toBe(0n);
  });

  it('copies values of every stored type exactly', async () => {
    await db.exec('CREATE TABLE IF NOT EXISTS xtap.t_copy (b boolean, i integer, l bigint, d double precision, s text, a real[], ts timestamp)');
    const rows = [
      [true, -5, 9007199254740993n, 1.5e-300, 'comma, "quote"\nnewline', [1.5, 2.5], '2008-10-23T21:44:43'],
      [null, null, null, Number.NaN, '', [], null],
    ];
    await db.copyIn('xtap.t_copy', ['b', 'i', 'l', 'd', 's', 'a', 'ts'], [rows]);
    const r = await db.query('SELECT * FROM xtap.t_copy ORDER BY i NULLS LAST');
    expect(r.rows[0]).toEqual(rows[0]);
    expect(r.rows[1]?.slice(0, 3)).toEqual([null, null, null]);
    expect(Number.isNaN(r.rows[1]?.[3])).toBe(true);
    expect(r.rows[1]?.slice(4)).toEqual(['', [], null]);
  });
});
