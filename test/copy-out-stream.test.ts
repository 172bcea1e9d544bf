/** db/copy-out-stream.ts against a real PostgreSQL: the COPY data it gives is byte for byte what pg-copy-streams
 *  gives (small, empty, large and wider-than-a-socket-read rows, binary and csv), interspersed notices are
 *  skipped, an error midway reaches the consumer, and the connection is usable after each. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { copyTo } from '../db/copy-out-stream.js';
import { testServerUrl } from './helpers/databases.js';

async function collect(stream: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c)); // copied: the reference stream's chunks are its own
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

describe('COPY TO STDOUT without a Buffer per row (db/copy-out-stream.ts)', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: testServerUrl() });
    await client.connect();
    // One NOTICE per row: NoticeResponse messages between the CopyData messages.
    await client.query(`CREATE FUNCTION pg_temp.noisy(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'row %', i; RETURN i; END $$`);
  });
  afterAll(async () => client.end());

  const statements = [
    ['no rows', `COPY (SELECT 1 AS x WHERE false) TO STDOUT (FORMAT binary)`],
    ['one row', `COPY (SELECT 1::int, 'é'::text, NULL::float8) TO STDOUT (FORMAT binary)`],
    ['200k rows', `COPY (SELECT i, i * 0.5::float8, md5(i::text), i % 7 = 0 FROM generate_series(1, 200000) AS i) TO STDOUT (FORMAT binary)`],
    ['rows wider than a socket read', `COPY (SELECT i, repeat(md5(i::text), 8000 * i) FROM generate_series(1, 5) AS i) TO STDOUT (FORMAT binary)`],
    ['csv', `COPY (SELECT i, 'a,"b"' || i, NULL FROM generate_series(1, 50000) AS i) TO STDOUT (FORMAT csv)`],
  ] as const;

  for (const [what, sql] of statements) {
    it(`gives the same bytes as pg-copy-streams: ${what}`, async () => {
      const want = await collect(client.query(copyStreams.to(sql)) as unknown as AsyncIterable<Buffer>);
      const stream = client.query(copyTo(sql));
      const got = await collect(stream as unknown as AsyncIterable<Buffer>);
      expect(got.bytes.length).toBe(want.bytes.length);
      expect(got.bytes.equals(want.bytes)).toBe(true);
      expect((await client.query('SELECT 42 AS n')).rows[0]).toEqual({ n: 42 });
    });
  }

  it('skips interspersed notices and reports the row count', async () => {
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => notices.push(n.message ?? '');
    client.on('notice', onNotice);
    try {
      const sql = `COPY (SELECT pg_temp.noisy(i), i::text FROM generate_series(1, 300) AS i) TO STDOUT (FORMAT csv)`;
      const stream = client.query(copyTo(sql));
      const { bytes } = await collect(stream as unknown as AsyncIterable<Buffer>);
      expect(bytes.toString('utf8')).toBe(Array.from({ length: 300 }, (_, k) => `${k + 1},${k + 1}\n`).join(''));
      await new Promise((r) => setImmediate(r));
      expect(stream.rowCount).toBe(300);
    } finally {
      client.off('notice', onNotice);
    }
    // The notices reached node-postgres only while it owned the socket; the COPY's own went past it unparsed.
    expect((await client.query('SELECT 1 AS n')).rows[0]).toEqual({ n: 1 });
  });

  it('reports an error midway to the consumer, after the rows before it, and the connection goes on', async () => {
    const stream = client.query(copyTo(`COPY (SELECT 1000 / (200000 - i) FROM generate_series(1, 300000) AS i) TO STDOUT (FORMAT csv)`));
    let lines = 0;
    await expect(
      (async () => {
        for await (const c of stream as unknown as AsyncIterable<Buffer>) for (const b of c) if (b === 10) lines++;
      })(),
    ).rejects.toThrow(/division by zero/);
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThan(200000);
    expect((await client.query('SELECT 7 AS n')).rows[0]).toEqual({ n: 7 });
  });
});
