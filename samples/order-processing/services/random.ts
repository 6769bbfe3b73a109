/**
 * Seeded randomness for the simulated services. Each decision draws from its own stream, keyed by
 * what it is about (`payment:order-7:attempt-2`), so an outcome does not depend on the order in
 * which concurrent activities happen to run: the same seed gives the same run, and a redelivered
 * activity (at-least-once) makes the same decision again.
 */

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for simulations (not for anything secret). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the key's UTF-16 code units, mixed with the seed. */
function hash(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class SeededRandom {
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
  }

  /** A fresh stream for `key`; the same (seed, key) always yields the same numbers. */
  stream(key: string): () => number {
    return mulberry32(hash(this.seed, key));
  }

  /** One number in [0, 1) for `key`. */
  next(key: string): number {
    return this.stream(key)();
  }

  /** True with probability `p` for `key`. */
  chance(key: string, p: number): boolean {
    return this.next(key) < p;
  }

  /** An integer in [min, max] for `key`. */
  int(key: string, min: number, max: number): number {
    return min + Math.floor(this.next(key) * (max - min + 1));
  }
}
