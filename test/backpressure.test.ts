/** Issue #11, peak RSS: a client that stops reading stops the database too. While a sync download streams at its
 *  client's pace (not spooled), the server holds a bounded amount of it: the COPY in PostgreSQL waits on the
 *  server, which waits on the client. If any stage between them buffered without limit (the COPY reader, the
 *  encoder, the spooler's memory segment, the HTTP response), the server would drain the whole result into memory
 *  and the COPY would finish while the client sleeps. The result (~60 MB of CSV) is far larger than the socket
 *  buffers and the spooler's 256 KiB; then the client reads on and gets every row. */
import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenTestApp, type ListeningTestApp } from './helpers/app.js';
import { adminQuery } from './helpers/databases.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MARK = 'pausemark';
const ROWS = 600_000;
const QUERY = `SELECT TOP ${ROWS} a.name, a.ra, a.dec, b.name AS ${MARK}, c.name AS c_name FROM csc2.master_source AS a, csc2.master_source AS b, csc2.master_source AS c`;

describe('a client that stops reading', () => {
  let t: ListeningTestApp | undefined;
  let url: string;
  let port: number;

  beforeAll(async () => {
    t = await listenTestApp(4, {
      XTAP_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'xtap-spool-')),
      // Never spool: the download stays at its client's pace, the case where buffering would show in memory.
      XTAP_SYNC_SPOOL_AFTER_MS: '600000',
    });
    ({ url, port } = t);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  /** The state of the download's statement in PostgreSQL ('active' while the COPY runs), or 'gone'. */
  const copyState = async () =>
    (
      await adminQuery<{ state: string }>(url, "SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1 AND query LIKE 'COPY%'", [`%${MARK}%`])
    )[0]?.state ?? 'gone';

  it('keeps the COPY waiting in PostgreSQL while it sleeps, then gets every row', async () => {
    const sample = Number((await adminQuery<{ n: string }>(url, 'SELECT count(*) AS n FROM csc2.master_source'))[0]?.n);
    expect(sample ** 3).toBeGreaterThan(ROWS);
    const socket: Socket = connect(port, '127.0.0.1');
    const target = `/tap/sync?${new URLSearchParams({ LANG: 'ADQL', QUERY, RESPONSEFORMAT: 'csv', MAXREC: String(ROWS) })}`;
    socket.write(`GET ${target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
    const ended = new Promise<void>((resolve, reject) => {
      socket.once('end', resolve);
      socket.once('error', reject);
    });
    try {
      // Read nothing until the COPY has started, then sleep: only the socket buffers and the server's own hold data.
      const t0 = Date.now();
      while ((await copyState()) !== 'active' && Date.now() - t0 < 30_000) await sleep(50);
      expect(await copyState()).toBe('active');
      const states: string[] = [];
      for (let i = 0; i < 8; i++) {
        await sleep(500);
        states.push(await copyState());
      }
      expect(states).toEqual(Array(8).fill('active'));

      // Read on: the head, then the CSV header and one line per row, the body ending with its last row's newline.
      let head = Buffer.alloc(0);
      let bodyBytes = 0;
      let lines = 0;
      let last = 0;
      const body = (c: Buffer) => {
        bodyBytes += c.length;
        for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
        if (c.length) last = c[c.length - 1] as number;
      };
      let inHead = true;
      socket.on('data', (c: Buffer) => {
        if (!inHead) return body(c);
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        inHead = false;
        body(head.subarray(end + 4));
        head = head.subarray(0, end);
      });
      await ended;
      expect(head.toString('latin1')).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(bodyBytes).toBeGreaterThan(40_000_000);
      expect(lines).toBe(ROWS + 1);
      expect(last).toBe(10);
      expect(await copyState()).not.toBe('active');
    } finally {
      socket.destroy();
    }
  }, 120_000);
});
