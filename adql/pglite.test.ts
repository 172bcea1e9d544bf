/** Runs translated ADQL on a fresh test database (embedded PostgreSQL, or DATABASE_URL's server) with the published
 *  DDL and the adql.* geometry functions, so we know the generated SQL is valid PostgreSQL and returns what the
 *  column metadata promises. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { testDatabases } from '../test/helpers/databases.js';
import { ADQL_GEOMETRY_SQL } from './geometry/index.js';
import { translateAdql } from './index.js';
import { publishedCatalog } from '../schema/catalog.js';
import { createTablesDdl } from '../schema/ddl.js';
import { PUBLISHED_SCHEMAS, allTables } from '../schema/registry.js';

let db: Db;
let drop: () => Promise<void>;
const catalog = publishedCatalog();

beforeAll(async () => {
  const backend = testDatabases()[0];
  if (!backend) throw new Error('no test database');
  ({ db, drop } = await backend.open());
  for (const stmt of createTablesDdl(PUBLISHED_SCHEMAS, allTables())) await db.exec(stmt);
  for (const stmt of ADQL_GEOMETRY_SQL) await db.exec(stmt);
  await db.exec(`
    INSERT INTO csc2.master_source (name, ra, dec, var_flag, conf_flag, hpx14) VALUES
      ('2CXO J122849.4+122328', 187.7059, 12.3911, true, false, 1819669012),
      ('2CXO J000000.0+000000', 10.0, 20.0, false, false, 0),
      ('2CXO J000001.0+000000', 10.5, 20.5, NULL, true, 0);
    INSERT INTO csc2.stack_source (detect_stack_id, region_id, ra, dec) VALUES ('acisfJ1228491p122328_001', 1, 187.7059, 12.3911);
    INSERT INTO csc2.master_stack_assoc (name, detect_stack_id, region_id, match_type) VALUES ('2CXO J122849.4+122328', 'acisfJ1228491p122328_001', 1, 'u');
    INSERT INTO csc2.observation_source (obsid, obi, region_id, ra, dec, conf_code, theta) VALUES (1234, 0, 1, 187.7059, 12.3911, 5, 1.5);
  `);
});

afterAll(async () => {
  await drop();
});

async function run(adql: string, rowLimit?: number): Promise<unknown[][]> {
  const t = translateAdql(adql, catalog, rowLimit === undefined ? {} : { rowLimit });
  const r = await db.query(t.sql, t.params);
  expect(r.fields.map((f) => f.name)).toEqual(t.columns.map((c) => c.name));
  return r.rows;
}

describe('translated SQL runs on PostgreSQL', () => {
  it.each([
    'SELECT * FROM csc2.master_source',
    'SELECT TOP 2 name, ra, dec FROM csc2.master_source ORDER BY ra DESC',
    'SELECT ra, ra, 1+1, 7/2, 7.0/2 FROM csc2.master_source',
    'SELECT COUNT(*), COUNT(DISTINCT name), AVG(ra), SUM(ra), MIN(dec), MAX(dec) FROM csc2.master_source',
    "SELECT name FROM csc2.master_source WHERE name LIKE '2CXO%' AND name ILIKE '%j12%'",
    'SELECT name FROM csc2.master_source WHERE ra BETWEEN 0 AND 100 OR dec NOT BETWEEN -10 AND 10',
    "SELECT name FROM csc2.master_source WHERE name IN ('a', 'b') OR ra NOT IN (1, 2, 3)",
    'SELECT name FROM csc2.master_source WHERE var_flag IS NULL',
    'SELECT name FROM csc2.master_source WHERE var_flag = 1',
    "SELECT name FROM csc2.master_source WHERE var_flag = 'TRUE' AND conf_flag <> 'T'",
    'SELECT name FROM csc2.master_source WHERE var_flag = 0 OR conf_flag = 1',
    'SELECT name, abs(-3.5), ceiling(ra), floor(ra), degrees(1), radians(180), exp(1), sqrt(ra), log(ra), log10(ra) FROM csc2.master_source',
    'SELECT mod(7, 3), mod(ra, 7), power(2, 10), pi(), rand(), round(ra), round(ra, 2), truncate(ra), truncate(ra, 1) FROM csc2.master_source',
    'SELECT sin(ra), cos(ra), tan(1), cot(1), asin(0.5), acos(0.5), atan(1), atan2(1, 2) FROM csc2.master_source',
    "SELECT lower(name), upper(name), name || '-' || ra, 'x' || 'y', coalesce(var_flag, false) FROM csc2.master_source",
    'SELECT NULLIF(ra, 10), COALESCE(NULL, ra, 0) FROM csc2.master_source',
    "SELECT CASE WHEN ra > 100 THEN 'far' ELSE 'near' END AS side, CASE var_flag WHEN true THEN 1 ELSE 0 END FROM csc2.master_source",
    "SELECT CAST(ra AS INTEGER), CAST(ra AS SMALLINT), CAST(ra AS BIGINT), CAST(ra AS REAL), CAST('1.5' AS DOUBLE PRECISION), CAST(ra AS VARCHAR(10)), CAST(name AS CHAR(4)), CAST('2021-01-14T11:25:00' AS TIMESTAMP) FROM csc2.master_source",
    "SELECT IN_UNIT(ra, 'arcsec'), IN_UNIT(ra, 'rad'), IN_UNIT(theta, 'deg') FROM csc2.observation_source",
    'SELECT m.name, a.detect_stack_id FROM csc2.master_source AS m JOIN csc2.master_stack_assoc AS a ON m.name = a.name',
    'SELECT * FROM csc2.master_stack_assoc JOIN csc2.stack_source USING (detect_stack_id, region_id)',
    'SELECT * FROM csc2.master_stack_assoc NATURAL JOIN csc2.stack_source',
    'SELECT m.name FROM csc2.master_source m LEFT OUTER JOIN csc2.master_stack_assoc a ON m.name = a.name WHERE a.name IS NULL',
    'SELECT name FROM csc2.master_source RIGHT JOIN csc2.master_stack_assoc USING (name)',
    'SELECT name FROM csc2.master_source FULL OUTER JOIN csc2.master_stack_assoc USING (name)',
    'SELECT m.name, s.ra FROM csc2.master_source m, csc2.stack_source s CROSS JOIN csc2.observation_source o',
    'SELECT q.n FROM (SELECT name AS n, ra FROM csc2.master_source WHERE ra > 5) AS q WHERE q.ra < 200',
    'SELECT name FROM csc2.master_source WHERE name IN (SELECT name FROM csc2.master_stack_assoc)',
    'SELECT name FROM csc2.master_source m WHERE EXISTS (SELECT * FROM csc2.master_stack_assoc a WHERE a.name = m.name)',
    'SELECT name, (SELECT COUNT(*) FROM csc2.master_stack_assoc a WHERE a.name = m.name) AS n FROM csc2.master_source m',
    'SELECT var_flag, COUNT(*) AS n FROM csc2.master_source GROUP BY var_flag HAVING COUNT(*) > 0 ORDER BY n DESC',
    'SELECT ROUND(ra / 10) AS band, COUNT(*) FROM csc2.master_source GROUP BY band ORDER BY band',
    'SELECT name FROM csc2.master_source UNION SELECT name FROM csc2.master_stack_assoc ORDER BY name',
    'SELECT name FROM csc2.master_source UNION ALL SELECT name FROM csc2.master_stack_assoc EXCEPT SELECT name FROM csc2.master_stack_assoc INTERSECT SELECT name FROM csc2.master_source',
    '(SELECT TOP 1 name FROM csc2.master_source ORDER BY ra) UNION (SELECT TOP 1 name FROM csc2.master_source ORDER BY ra DESC)',
    'WITH near AS (SELECT name, ra FROM csc2.master_source WHERE ra < 100), far AS (SELECT name FROM near) SELECT * FROM far',
    'SELECT TOP 1 name FROM csc2.master_source ORDER BY 1 OFFSET 1',
    'SELECT obsid, csc_bitand(conf_code, 4), csc_bittest(conf_code, 0) FROM csc2.observation_source WHERE csc_bittest(conf_code, 2) = 1',
    "SELECT table_name, \"size\" FROM TAP_SCHEMA.columns WHERE ivo_hasword(description, 'position') = 1 OR ivo_nocasematch(table_name, 'CSC2%') = 1",
    "SELECT ivo_string_agg(name, ',') FROM csc2.master_source",
    // geometry
    'SELECT POINT(ra, dec), CIRCLE(ra, dec, 1), BOX(10, 20, 2, 1), POLYGON(1, 2, 3, 4, 5, 6) FROM csc2.master_source',
    'SELECT name, DISTANCE(POINT(ra, dec), POINT(187.7, 12.39)), DISTANCE(ra, dec, 187.7, 12.39) FROM csc2.master_source',
    "SELECT name FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 187.7059, 12.3911, 0.01))",
    'SELECT name FROM csc2.master_source WHERE DISTANCE(POINT(ra, dec), POINT(187.7059, 12.3911)) < 0.01',
    'SELECT name FROM csc2.master_source m WHERE dbo.cone_distance(m.ra, m.dec, 187.7059, 12.3911) <= 1.0',
    'SELECT name, dbo.separation(ra, dec, 187.7, 12.39) FROM csc2.master_source WHERE INTERSECTS(CIRCLE(187.7059, 12.3911, 0.1), POINT(ra, dec)) = 1',
    'SELECT AREA(CIRCLE(10, 20, 1)), CENTROID(POLYGON(10, 10, 11, 10, 11, 11)), COORD1(POINT(ra, dec)), COORD2(CENTROID(CIRCLE(ra, dec, 1))), COORDSYS(POINT(ra, dec)) FROM csc2.master_source',
    'SELECT name FROM csc2.master_source WHERE CONTAINS(POINT(ra, dec), POLYGON(180, 10, 190, 10, 190, 20, 180, 20)) = 1',
    'SELECT name FROM csc2.master_source WHERE CONTAINS(POINT(ra, dec), BOX(ra, dec, 1, 1)) = 1',
    "SELECT CAST('12.3 45.6' AS POINT), CAST('1 2 3' AS CIRCLE) FROM csc2.master_source",
    'SELECT s.name FROM csc2.master_source AS s JOIN csc2.stack_source AS t ON DISTANCE(POINT(s.ra, s.dec), POINT(t.ra, t.dec)) < 0.001',
  ])('%s', async (adql) => {
    await run(adql);
  });

  it('returns the rows the cone fast path promises', async () => {
    expect(await run("SELECT name FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 187.7059, 12.3911, 0.01))")).toEqual([['2CXO J122849.4+122328']]);
  });

  it('divides integers like ADQL, rounds doubles to n places, and compares booleans with 0/1', async () => {
    expect(await run("SELECT 7/2, ROUND(ra, 1), TRUNCATE(ra, 2), MOD(ra, 7) FROM csc2.master_source WHERE name = '2CXO J122849.4+122328'")).toEqual([[3.5, 187.7, 187.7, 5.7059]]);
    expect(await run('SELECT COUNT(*) FROM csc2.master_source WHERE var_flag = 1')).toEqual([[1n]]);
    expect(await run("SELECT COUNT(*) FROM csc2.master_source WHERE conf_flag = 'FALSE'")).toEqual([[2n]]);
  });

  it('applies TOP after OFFSET and combines TOP with rowLimit', async () => {
    expect(await run('SELECT TOP 1 ra FROM csc2.master_source ORDER BY ra OFFSET 1')).toEqual([[10.5]]);
    expect(await run('SELECT TOP 3 ra FROM csc2.master_source ORDER BY ra', 2)).toEqual([[10], [10.5]]);
    expect(await run('SELECT ra FROM csc2.master_source UNION SELECT dec FROM csc2.master_source ORDER BY 1', 2)).toEqual([[10], [10.5]]);
  });

  it('converts units with IN_UNIT', async () => {
    expect(await run("SELECT IN_UNIT(theta, 'arcsec') FROM csc2.observation_source")).toEqual([[90]]);
  });
});
