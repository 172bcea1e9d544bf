/** The runner's translation cache (query/translation-cache.ts) over real HTTP and PostgreSQL: a repeated query
 *  answers as the first one did, the row limit is part of the key, uploads are never served a cached translation
 *  (same query text, different uploaded tables), and invalid queries are not cached. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col } from '../schema/index.js';
import { encodeVotable, parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

async function upload(fields: ReturnType<typeof col>[], rows: unknown[][]): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of encodeVotable({}, fields, [rows as never], { serialization: 'TABLEDATA' })) chunks.push(c);
  return Buffer.concat(chunks);
}

describe.each(testDatabases())('translation cache on $name', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend, { XTAP_TRANSLATION_CACHE: '8' });
  });
  afterAll(async () => {
    await t.close();
  });
  const table = (body: string) => parseVotable(body)[0];

  it('answers a repeated query as the first time, and keys on MAXREC', async () => {
    const q = 'SELECT TOP 3 name, ra, dec FROM csc2.master_source ORDER BY name';
    const run = async (extra: Record<string, string> = {}) => (await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: q, RESPONSEFORMAT: 'votable/td', ...extra })).text;
    const first = await run();
    const again = await run();
    expect(table(again)?.rows).toEqual(table(first)?.rows);
    expect(table(first)?.rows.length).toBeGreaterThan(0);
    const capped = await run({ MAXREC: '1' });
    expect(table(capped)?.rows).toHaveLength(1);
    expect(capped).toMatch(/name="QUERY_STATUS" value="OVERFLOW"/);
    expect(table(await run())?.rows).toEqual(table(first)?.rows);
  });

  it('translates a query on uploads afresh each time (same text, other tables)', async () => {
    const q = 'SELECT * FROM TAP_UPLOAD.mine';
    const send = async (vot: Buffer) =>
      (await request(t.app.callback()).post('/tap/sync').field('LANG', 'ADQL').field('QUERY', q).field('RESPONSEFORMAT', 'votable/td').field('UPLOAD', 'mine,param:mine').attach('mine', vot, 'mine.vot')).text;
    const a = await send(await upload([col('label', 'char', '', '', 'a label'), col('x', 'double', 'deg', '', 'x')], [['one', 1.5]]));
    const b = await send(await upload([col('n', 'int', '', '', 'a number')], [[7], [8]]));
    expect(table(a)?.fields.map((f) => f.name)).toEqual(['label', 'x']);
    expect(table(a)?.rows).toEqual([['one', 1.5]]);
    expect(table(b)?.fields.map((f) => f.name)).toEqual(['n']);
    expect(table(b)?.rows).toEqual([[7], [8]]);
  });

  it('does not cache an invalid query', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await request(t.app.callback()).post('/tap/sync').type('form').send({ LANG: 'ADQL', QUERY: 'SELECT nosuchcolumn FROM csc2.master_source' });
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/nosuchcolumn/i);
    }
  });
});
