import { describe, expect, it } from 'vitest';
import { closingIterator, primeFirst } from './prime.js';

function source(items: number[], failAt?: number) {
  const log: string[] = [];
  async function* gen() {
    try {
      for (let i = 0; i < items.length; i++) {
        if (i === failAt) throw new Error(`boom at ${i}`);
        log.push(`yield ${items[i]}`);
        yield items[i] as number;
      }
    } finally {
      log.push('closed');
    }
  }
  return { gen: gen(), log };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('primeFirst', () => {
  it('runs the source to its first item before returning, then yields everything once', async () => {
    const { gen, log } = source([1, 2, 3]);
    const primed = await primeFirst(gen);
    expect(log).toEqual(['yield 1']);
    expect(await all(primed)).toEqual([1, 2, 3]);
    expect(await all(primed)).toEqual([]);
    expect(log.at(-1)).toBe('closed');
  });

  it('throws what the source throws before its first item', async () => {
    const { gen, log } = source([1, 2], 0);
    await expect(primeFirst(gen)).rejects.toThrow('boom at 0');
    expect(log).toEqual(['closed']);
  });

  it('passes a later failure on to the reader', async () => {
    const { gen } = source([1, 2, 3], 2);
    const primed = await primeFirst(gen);
    await expect(all(primed)).rejects.toThrow('boom at 2');
  });

  it('handles an empty source', async () => {
    const { gen } = source([]);
    expect(await all(await primeFirst(gen))).toEqual([]);
  });

  it('close() closes a source that was never read', async () => {
    const { gen, log } = source([1, 2, 3]);
    const primed = await primeFirst(gen);
    await primed.close();
    await primed.close();
    expect(log).toEqual(['yield 1', 'closed']);
    expect(await all(primed)).toEqual([]);
  });
});

describe('closingIterator', () => {
  it('closes the owned source when the consumer returns before it started', async () => {
    const { gen, log } = source([1, 2]);
    const primed = await primeFirst(gen);
    async function* never() {
      yield* primed; // an async generator that never starts runs no finally
    }
    const it = closingIterator(never(), primed);
    await it.return?.();
    expect(log).toEqual(['yield 1', 'closed']);
  });

  it('reads through to the end', async () => {
    const { gen } = source([4, 5]);
    const primed = await primeFirst(gen);
    const it = closingIterator(primed[Symbol.asyncIterator](), primed);
    expect(await all(it)).toEqual([4, 5]);
  });
});
