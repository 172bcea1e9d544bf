import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Spooler } from './spool.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `n` chunks of 64 KiB with distinct content; records when the source ended and whether it was closed. */
function source(n: number) {
  const state = { ended: 0, returned: false, produced: 0 };
  async function* gen(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for (let i = 0; i < n; i++) {
        const chunk = Buffer.alloc(64 * 1024, i % 251);
        chunk.writeUInt32BE(i, 0);
        state.produced++;
        yield chunk;
      }
      state.ended = performance.now();
    } finally {
      state.returned = true;
    }
  }
  const expected = createHash('sha256');
  for (let i = 0; i < n; i++) {
    const chunk = Buffer.alloc(64 * 1024, i % 251);
    chunk.writeUInt32BE(i, 0);
    expected.update(chunk);
  }
  return { it: gen(), state, digest: expected.digest('hex'), bytes: n * 64 * 1024 };
}

/** Reads the stream, pausing `pauseMs` after each of the first `slowChunks` chunks. */
async function readAll(stream: NodeJS.ReadableStream, slowChunks: number, pauseMs: number): Promise<{ digest: string; bytes: number; finished: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  let i = 0;
  for await (const chunk of stream) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (i++ < slowChunks) await sleep(pauseMs);
  }
  return { digest: h.digest('hex'), bytes, finished: performance.now() };
}

const logs = () => {
  const lines: string[] = [];
  return { lines, log: { info: (_o: object, m: string) => void lines.push(m), warn: (_o: object, m: string) => void lines.push(`WARN ${m}`) } };
};

describe('Spooler', () => {
  it('streams a client that keeps up without spooling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-spool-test-'));
    const s = new Spooler({ dir, afterMs: 200, maxBytes: 1 << 30, pacedLimit: 4 });
    const src = source(64);
    const got = await readAll(s.stream(src.it), 0, 0);
    expect(got).toMatchObject({ digest: src.digest, bytes: src.bytes });
    expect(s.stats()).toEqual({ paced: 0, bytes: 0, spooled: 0 });
  });

  it('spools the rest for a slow client: the source ends long before the client, bytes are identical, nothing is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-spool-test-'));
    const { lines, log } = logs();
    const s = new Spooler({ dir, afterMs: 150, maxBytes: 1 << 30, pacedLimit: 4, log });
    const src = source(160); // 10 MiB
    const got = await readAll(s.stream(src.it), 40, 10);
    expect(got.digest).toBe(src.digest);
    expect(got.bytes).toBe(src.bytes);
    expect(src.state.ended).toBeGreaterThan(0);
    expect(got.finished - src.state.ended).toBeGreaterThan(100);
    expect(s.stats()).toEqual({ paced: 0, bytes: 0, spooled: 1 });
    expect(lines.join('\n')).toMatch(/spooling the rest/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('spools at the first wait when the paced downloads are at their limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-spool-test-'));
    const s = new Spooler({ dir, afterMs: 60_000, maxBytes: 1 << 30, pacedLimit: 0 });
    const src = source(40);
    const t0 = performance.now();
    const got = await readAll(s.stream(src.it), 10, 20);
    expect(got.digest).toBe(src.digest);
    expect(src.state.ended - t0).toBeLessThan(got.finished - t0);
    expect(s.stats().spooled).toBe(1);
  });

  it('keeps streaming from the source, complete, when the spool budget is full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-spool-test-'));
    const { lines, log } = logs();
    const s = new Spooler({ dir, afterMs: 50, maxBytes: 256 * 1024, pacedLimit: 4, log });
    const src = source(48);
    const got = await readAll(s.stream(src.it), 20, 10);
    expect(got.digest).toBe(src.digest);
    expect(lines.join('\n')).toMatch(/WARN spool: XTAP_SPOOL_MAX_BYTES reached/);
    expect(s.stats()).toEqual({ paced: 0, bytes: 0, spooled: 1 });
  });

  it('a client that leaves mid-download closes the source and frees the spool', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-spool-test-'));
    const s = new Spooler({ dir, afterMs: 50, maxBytes: 1 << 30, pacedLimit: 4 });
    const src = source(3000);
    const stream = s.stream(src.it);
    let n = 0;
    for await (const _chunk of stream) {
      if (++n === 5) await sleep(200);
      if (n === 10) break;
    }
    await sleep(50);
    expect(src.state.returned).toBe(true);
    expect(src.state.produced).toBeLessThan(3000);
    expect(s.stats()).toEqual({ paced: 0, bytes: 0, spooled: 1 });
  });
});
