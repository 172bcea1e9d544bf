import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('withDeadline', () => {
  it('passes a result that comes in time', async () => {
    await expect(withDeadline(later(5, 'ok'), 1000, () => new Error('late'))).resolves.toBe('ok');
  });
  it('passes the work’s own error', async () => {
    await expect(withDeadline(Promise.reject(new Error('own')), 1000, () => new Error('late'))).rejects.toThrow('own');
  });
  it('fails with the expiry error, and hands a late result to discard', async () => {
    const discarded: string[] = [];
    let stopped = false;
    const t0 = Date.now();
    const r = withDeadline(
      later(150, 'held'),
      30,
      () => {
        stopped = true;
        return new Error('no answer within 30 ms');
      },
      (late) => discarded.push(late),
    );
    await expect(r).rejects.toThrow('no answer within 30 ms');
    expect(Date.now() - t0).toBeLessThan(140);
    expect(stopped).toBe(true);
    await later(200, undefined);
    expect(discarded).toEqual(['held']);
  });
});
