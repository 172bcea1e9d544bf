import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));

async function* source(parts: string[], opts: { delayAfter?: number; delayMs?: number; failAfter?: number; closed?: { value: boolean } } = {}) {
  try {
    for (let i = 0; i < parts.length; i++) {
      if (opts.failAfter === i) throw new Error('failed midway');
      if (opts.delayAfter === i) await new Promise((r) => setTimeout(r, opts.delayMs ?? 100));
      yield bytes(parts[i] as string);
    }
    if (opts.failAfter === parts.length) throw new Error('failed at the end');
  } finally {
    if (opts.closed) opts.closed.value = true;
  }
}

async function drain(it: AsyncIterableIterator<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('readAhead', () => {
  it('gives a document that ends within the bounds as one buffer', async () => {
    const r = await readAhead(source(['<VOTABLE>', '<TR/>', '</VOTABLE>']), 1024, 1000);
    expect(r.kind).toBe('whole');
    if (r.kind === 'whole') expect(r.body.toString()).toBe('<VOTABLE><TR/></VOTABLE>');
  });

  it('streams a document larger than maxBytes, every byte in order', async () => {
    const parts = Array.from({ length: 10 }, (_, i) => `chunk${i};`);
    const r = await readAhead(source(parts), 20, 1000);
    expect(r.kind).toBe('stream');
    if (r.kind === 'stream') expect(text(await drain(r.body))).toBe(parts.join(''));
  });

  it('streams a document whose rest is slower than maxMs, without losing the chunk it was waiting for', async () => {
    const r = await readAhead(source(['a', 'b', 'c', 'd'], { delayAfter: 2, delayMs: 80 }), 1024, 20);
    expect(r.kind).toBe('stream');
    if (r.kind === 'stream') expect(text(await drain(r.body))).toBe('abcd');
  });

  it('throws a failure raised during the read-ahead after the chunks read before it (the transfer is aborted)', async () => {
    const r = await readAhead(source(['a', 'b'], { failAfter: 2 }), 1024, 1000);
    expect(r.kind).toBe('stream');
    if (r.kind !== 'stream') return;
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const c of r.body) seen.push(new TextDecoder().decode(c));
      })(),
    ).rejects.toThrow('failed at the end');
    expect(seen).toEqual(['a', 'b']);
  });

  it('return() closes the source', async () => {
    const closed = { value: false };
    const r = await readAhead(source(['aaaa', 'bbbb', 'cccc'], { closed }), 4, 1000);
    expect(r.kind).toBe('stream');
    if (r.kind !== 'stream') return;
    expect(text([(await r.body.next()).value as Uint8Array])).toBe('aaaa');
    await r.body.return?.();
    expect(closed.value).toBe(true);
    expect((await r.body.next()).done).toBe(true);
  });
});
