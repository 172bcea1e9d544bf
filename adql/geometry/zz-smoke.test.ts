import { it } from 'vitest';
import { PgliteDb } from '../../db/pglite-adapter.js';
import { PgDb } from '../../db/pg-adapter.js';
import { ADQL_GEOMETRY_SQL } from '../../adql/geometry/index.js';
it('smoke', async () => {
  for (const db of [await PgliteDb.open('memory://'), new PgDb('postgres://postgres@127.0.0.1:5432/test', 2)]) {
    if (db.kind === 'pg') await db.exec('DROP SCHEMA IF EXISTS adql CASCADE');
    for (const s of ADQL_GEOMETRY_SQL) await db.exec(s);
    const q = async (s: string) => { try { console.log(db.kind, s, JSON.stringify((await db.query(s)).rows)); } catch (e) { console.log(db.kind, s, 'ERR', (e as Error).message, (e as {code?:string}).code); } };
    await q(`SELECT adql.distance(359.5, 0, 0.5, 0), adql.distance(0,0,180,0), adql.distance(10,20,10,20+1e-9), adql.point_in_circle(0,0,0.5,0,0.5)`);
    await q(`SELECT adql.area(ARRAY[0,0,1]), adql.area(ARRAY[0,80,90,80,180,80,270,80]), adql.centroid(ARRAY[350,-5,10,-5,10,5,350,5])`);
    await q(`SELECT adql.contains(ARRAY[0,0], ARRAY[350,-5,10,-5,10,5,350,5]), adql.contains(ARRAY[180,0], ARRAY[350,-5,10,-5,10,5,350,5]), adql.intersects(ARRAY[0,0,1], ARRAY[1,0,0.5])`);
    await q(`SELECT adql.contains(ARRAY[0,0,1,2], ARRAY[0,0,1])`);
    await q(`SELECT adql.contains(ARRAY[NULL,0]::float8[], ARRAY[0,0,1])`);
    await q(`SELECT adql._box(0,0,2,2), adql.contains(ARRAY[1,80,2,80,3,81], ARRAY[0,90,12]), adql.contains(ARRAY[1,80,2,80,3,81], ARRAY[0,80,10,80,10,82,0,82])`);
    await q(`EXPLAIN VERBOSE SELECT adql.point_in_circle(x, y, 10, 20, 1) FROM (VALUES (1::float8, 2::float8)) t(x, y)`);
    await db.close();
  }
});
