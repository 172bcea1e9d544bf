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

  it('keeps nothing with capacity 0', () => {
    const c = new TranslationCache<number>(0);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });
});
