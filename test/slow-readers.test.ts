/** Ten slow readers do not starve the query pool (issue 9): a listening server, ten raw sockets that read their
 *  download at ~20 KB/s. Once they have waited on their client for XTAP_SYNC_SPOOL_AFTER_MS, their results are
 *  spooled and their database sessions released; a cone query answers in < 1 s meanwhile; every slow reader
 *  still receives the complete result, byte for byte the same as a fast client's. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenTestApp, type ListeningTestApp } from './helpers/app.js';
import { adminQuery } from './helpers/databases.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MARK = 'slowmark';
const BIG = `SELECT a.name, a.ra, a.dec, b.name AS ${MARK} FROM csc2.master_source AS a, csc2.master_source AS b ORDER BY a.name, b.name`;
const CONE = "SELECT name FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.41, -58.75, 0.1))";
const FORMATS = ['csv', 'votable/b2', 'votable/td'];

function path(query: string, format: string): string {
  return `/tap/sync?${new URLSearchParams({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: format, MAXREC: '1000000' })}`;
}

/** The body with the per-request date taken out, hashed. */
function digest(body: Buffer): string {
  return createHash('sha256').update(body.toString('latin1').replace(/name="request_date" value="[^"]*"/, '')).digest('hex');
}

/** An HTTP/1.0 GET on a raw socket (no chunked encoding: the body is everything after the head) that reads
 *  `bytesPerTick` every 100 ms until fast() is called. */
class SlowReader {
  private readonly socket: Socket;
  private readonly parts: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly done: Promise<Buffer>;
  received = 0;

  constructor(port: number, target: string, bytesPerTick: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.write(`GET ${target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
    this.done = new Promise((resolve, reject) => {
      this.socket.once('end', () => resolve(Buffer.concat(this.parts)));
      this.socket.once('error', reject);
    });
    this.timer = setInterval(() => {
      const chunk = this.socket.read(bytesPerTick) as Buffer | null;
      if (chunk) this.take(chunk);
    }, 100);
  }

  private take(chunk: Buffer): void {
    this.parts.push(chunk);
    this.received += chunk.length;
  }

  /** Reads the rest as fast as it comes. */
  fast(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.socket.on('data', (c: Buffer) => this.take(c));
  }

  async response(): Promise<{ status: number; body: Buffer }> {
    const all = await this.done;
    const head = all.indexOf('\r\n\r\n');
    return { status: Number(/^HTTP\/1\.\d (\d{3})/.exec(all.subarray(0, head).toString('latin1'))?.[1]), body: all.subarray(head + 4) };
  }

  destroy(): void {
    clearInterval(this.timer);
    this.socket.destroy();
  }
}

describe('ten slow readers on a listening server', () => {
  let t: ListeningTestApp | undefined;
  let url: string;
  let port: number;
  const spoolDir = mkdtempSync(join(tmpdir(), 'xtap-spool-'));

  beforeAll(async () => {
    t = await listenTestApp(10, { XTAP_SYNC_SPOOL_AFTER_MS: '1000', XTAP_SPOOL_DIR: spoolDir });
    ({ url, port } = t);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  /** Sessions of this database still running (or holding the cursor of) a slow reader's query. */
  const busySessions = async () =>
    (
      await adminQuery<{ n: string }>(
        url,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND query LIKE $1",
        [`%${MARK}%`],
      )
    )[0]?.n;

  it('releases their connections, answers a cone query in < 1 s, and gives every reader the complete result', async () => {
    const reference = new Map<string, { digest: string; bytes: number }>();
    for (const f of FORMATS) {
      const r = await fetch(`http://127.0.0.1:${port}${path(BIG, f)}`);
      const body = Buffer.from(await r.arrayBuffer());
      expect(r.status).toBe(200);
      reference.set(f, { digest: digest(body), bytes: body.length });
    }
    // Big enough that it cannot sit in the socket buffers of a slow client.
    expect(Math.min(...[...reference.values()].map((r) => r.bytes))).toBeGreaterThan(8_000_000);

    const readers = Array.from({ length: 10 }, (_, i) => new SlowReader(port, path(BIG, FORMATS[i % FORMATS.length] as string), 2048));
    try {
      // Every reader's query has started; then, after the spool delay, none holds a database session.
      const t0 = Date.now();
      while (readers.some((r) => r.received === 0) && Date.now() - t0 < 60_000) await sleep(100);
      let busy = await busySessions();
      while (busy !== '0' && Date.now() - t0 < 60_000) {
        await sleep(250);
        busy = await busySessions();
      }
      expect(busy).toBe('0');
      const stillReading = readers.map((r) => r.received);
      expect(Math.max(...stillReading)).toBeLessThan(1_000_000);

      const probes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const p0 = performance.now();
        const r = await fetch(`http://127.0.0.1:${port}${path(CONE, 'votable/td')}`);
        await r.arrayBuffer();
        expect(r.status).toBe(200);
        probes.push(performance.now() - p0);
        await sleep(100);
      }
      expect(Math.max(...probes)).toBeLessThan(1000);

      for (const r of readers) r.fast();
      const responses = await Promise.all(readers.map((r) => r.response()));
      responses.forEach((r, i) => {
        const ref = reference.get(FORMATS[i % FORMATS.length] as string);
        expect(r.status).toBe(200);
        expect({ bytes: r.body.length, digest: digest(r.body) }).toEqual(ref);
      });
      // Spool files are unlinked when opened and closed at the end: nothing is left in the directory.
      expect(readdirSync(spoolDir)).toEqual([]);
    } finally {
      for (const r of readers) r.destroy();
    }
  }, 180_000);
});
