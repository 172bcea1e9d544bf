/** The direct-COPY path of CSC2 ingest (one table, still empty): same stored rows as the staging + upsert path,
 *  same errors (file, row, column), nothing changed by a failed load, repeated keys handed to the staging path. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticMasterCsv } from '../bench/synthetic-csc2.js';
import { MIGRATIONS, migrate } from '../db/index.js';
import type { Db } from '../db/index.js';
import { ingestCsc2, silentProgress } from '../ingest/index.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const ROWS = 3000;
const TABLE_DIGEST = `SELECT count(*)::text, md5(string_agg(m::text, '|' ORDER BY name)) FROM csc2.master_source m`;

describe.each(testDatabases())('CSC2 direct COPY ingest on $name', (backend) => {
  const { log } = testLogger();
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-direct-'));
  const csv = join(tmp, 'master.csv');
  let direct: Db;
  let staged: Db;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    for (const which of ['direct', 'staged'] as const) {
      const { db, drop } = await backend.open();
      await migrate(db, MIGRATIONS);
      drops.push(drop);
      if (which === 'direct') direct = db;
      else staged = db;
    }
    await writeSyntheticMasterCsv(csv, ROWS, 99);
  });
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it('stores exactly what the staging + upsert path stores, and classifies every loaded source', async () => {
    const [report] = await ingestCsc2(direct, { files: [csv], table: 'master_source', log, progress: silentProgress });
    expect(report?.stored).toEqual({ master_source: ROWS });
    expect(report?.masterNames).toHaveLength(ROWS);
    // a row already in the table sends the same file through staging + upsert
    await staged.exec(`INSERT INTO csc2.master_source (name, ra, dec) VALUES ('2CXO JPLACEHOLDER', 1, 1)`);
    await ingestCsc2(staged, { files: [csv], table: 'master_source', log, progress: silentProgress, classify: false });
    await staged.exec(`DELETE FROM csc2.master_source WHERE name = '2CXO JPLACEHOLDER'`);
    const a = (await direct.query(TABLE_DIGEST)).rows[0];
    const b = (await staged.query(TABLE_DIGEST)).rows[0];
    expect(a?.[0]).toBe(String(ROWS));
    expect(a).toEqual(b);
    const classified = await direct.query(`SELECT count(*) FROM ml.source_class`);
    expect(classified.rows[0]?.[0]).toBe(BigInt(ROWS));
    await direct.exec('DELETE FROM ml.source_class; DELETE FROM ml.source_class_field_prior; DELETE FROM csc2.master_source');
  }, 300_000); // classification of 3000 sources and a second load: minutes on a loaded 2-core machine

  it('a bad value names file, row and column and leaves the empty table empty', async () => {
    const lines = readFileSync(csv, 'utf8').split('\n');
    const cells = (lines[2500] ?? '').split(',');
    cells[1] = '400.5';
    lines[2500] = cells.join(',');
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    await expect(ingestCsc2(direct, { files: [bad], table: 'master_source', log, progress: silentProgress })).rejects.toMatchObject({
      code: 'BAD_VALUE', file: bad, row: 2500, column: 'ra',
    });
    expect((await direct.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0]).toBe(0n);
  });

  it('a bad value several batches into the file (rows already COPYed) changes nothing, the HEALPix index included', async () => {
    const big = join(tmp, 'big.csv');
    await writeSyntheticMasterCsv(big, 12_000, 7);
    const lines = readFileSync(big, 'utf8').split('\n');
    const cells = (lines[11_000] ?? '').split(',');
    cells[3] = '1.2.3';
    lines[11_000] = cells.join(',');
    writeFileSync(big, lines.join('\n'));
    const indexes = `SELECT indexname FROM pg_indexes WHERE schemaname = 'csc2' AND tablename = 'master_source' ORDER BY 1`;
    const before = (await direct.query(indexes)).rows;
    expect(before.map((r) => r[0])).toContain('master_source_hpx14_idx');
    await expect(ingestCsc2(direct, { files: [big], table: 'master_source', log, progress: silentProgress, classify: false })).rejects.toMatchObject({
      code: 'BAD_VALUE', file: big, row: 11_000, column: 'err_ellipse_r0',
    });
    expect((await direct.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0]).toBe(0n);
    expect((await direct.query(indexes)).rows).toEqual(before);
  });

  it('quoted names with separators, quotes and line breaks, NaN, blanks, sexagesimal positions: the rows staging stores', async () => {
    const header = 'name,ra,dec,significance,conf_flag,likelihood_class,acis_num';
    const body = [
      '"2CXO J1, with comma",166.5,-58.85,NaN,TRUE,"say ""hi""",3',
      '"2CXO J2\nsecond line", 11 05 07.45 ,-58:51:05.47,,false,,',
      '  2CXO J3  ,0.000,-0,-Infinity,F,Ünïcode,-0',
      '2CXO J4,12,13,1e-3,t,MARGINAL,+7',
    ];
    const file = join(tmp, 'tricky.csv');
    writeFileSync(file, `# comment line\r\n${header}\r\n${body.join('\r\n')}\r\n`);
    const [report] = await ingestCsc2(direct, { files: [file], table: 'master_source', log, progress: silentProgress, classify: false });
    expect(report?.stored).toEqual({ master_source: 4 });
    expect(report?.masterNames).toEqual(['2CXO J1, with comma', '2CXO J2\nsecond line', '2CXO J3', '2CXO J4']);
    await staged.exec('DELETE FROM csc2.master_source');
    await staged.exec(`INSERT INTO csc2.master_source (name, ra, dec) VALUES ('2CXO JPLACEHOLDER', 1, 1)`);
    await ingestCsc2(staged, { files: [file], table: 'master_source', log, progress: silentProgress, classify: false });
    await staged.exec(`DELETE FROM csc2.master_source WHERE name = '2CXO JPLACEHOLDER'`);
    const a = (await direct.query(TABLE_DIGEST)).rows[0];
    const b = (await staged.query(TABLE_DIGEST)).rows[0];
    expect(a?.[0]).toBe('4');
    expect(a).toEqual(b);
    const nan = await direct.query(`SELECT significance::text, gal_l IS NOT NULL FROM csc2.master_source WHERE name = '2CXO J1, with comma'`);
    expect(nan.rows[0]).toEqual(['NaN', true]);
    await direct.exec('DELETE FROM csc2.master_source');
  });

  it('a key repeated with different values is the staging path\'s DUPLICATE_KEY error and changes nothing', async () => {
    const lines = readFileSync(csv, 'utf8').split('\n');
    const changed = (lines[10] ?? '').split(',');
    changed[4] = '12.34';
    const dup = join(tmp, 'dup.csv');
    writeFileSync(dup, [...lines.slice(0, -1), changed.join(','), ''].join('\n'));
    await expect(ingestCsc2(direct, { files: [dup], table: 'master_source', log, progress: silentProgress })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY', file: dup, row: ROWS + 1,
    });
    expect((await direct.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0]).toBe(0n);
  });
});
