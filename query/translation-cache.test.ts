import { describe, expect, it } from 'vitest';
import { TranslationCache, translationKey } from './translation-cache.js';

describe('TranslationCache', () => {
  it('returns what was stored under the same key only', () => {
    const c = new TranslationCache<string>(4);
    c.set(translationKey('SELECT 1', 11), 'a');
    expect(c.get(translationKey('SELECT 1', 11))).toBe('a');
    expect(c.get(translationKey('SELECT 1', 12))).toBeUndefined(); // another MAXREC
    expect(c.get(translationKey('SELECT 1 ', 11))).toBeUndefined(); // other text
    expect(translationKey('a', 1)).not.toBe(translationKey('1a', 0));
  });

  it('drops the least recently used entry beyond its capacity', () => {
    const c = new TranslationCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // b is now the oldest
    c.set('c', 3);
    expect(c.size).toBe(2);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
  });

  it('stays within its weight bound and refuses an entry heavier than 1/16 of it', () => {
    const c = new TranslationCache<number>(100, 160);
    c.set('a', 1, 10);
    c.set('b', 2, 10);
    c.set('huge', 3, 11); // > 160 / 16
    expect(c.get('huge')).toBeUndefined();
    for (let i = 0; i < 20; i++) c.set(`k${i}`, i, 10);
    expect(c.totalWeight).toBeLessThanOrEqual(160);
    expect(c.size).toBe(16);
    expect(c.get('a')).toBeUndefined(); // the oldest went first
    expect(c.get('k19')).toBe(19);
    c.set('k19', 19, 10); // replacing an entry does not count it twice
    expect(c.totalWeight).toBe(160);
  });

  it('keeps nothing with capacity 0', () => {
    const c = new TranslationCache<number>(0);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });
});
