/** Seeded PRNG for reproducible simulations: mulberry32 (32-bit state, period 2^32), chosen because it is
 *  five integer operations that Python reproduces bit for bit with `& 0xFFFFFFFF` masks. Not for crypto.
 *  The exact algorithm is written out in ml/representations/README.md. */

export class Rng {
  private state: number;

  /** `seed` is reduced to an unsigned 32-bit integer. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1): uint32() / 2^32. */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform in [a, b): a + (b - a) * next(). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Log-uniform in [a, b): exp(ln a + (ln b - ln a) * next()). */
  logUniform(a: number, b: number): number {
    return Math.exp(Math.log(a) + (Math.log(b) - Math.log(a)) * this.next());
  }

  /** Exponential with the given rate: -ln(1 - next()) / rate. */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }
}
