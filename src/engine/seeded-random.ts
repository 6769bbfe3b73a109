import { createHash } from 'node:crypto';

/** 2^53: a double holds every integer below it exactly, so n / 2^53 is uniform over [0, 1). */
const TWO_POW_53 = 2 ** 53;

/**
 * A number in [0, 1) derived from `seed` alone (the top 53 bits of its SHA-256). The same seed
 * gives the same number on every replay and every replica, which is what lets `ctx.random()` be
 * called from workflow code; distinct seeds give independent-looking numbers.
 */
export function seededFraction(seed: string): number {
  const hash = createHash('sha256').update(seed, 'utf8').digest();
  // 32 + 21 bits: readUInt32BE and a 21-bit remainder stay exact in a double.
  const high = hash.readUInt32BE(0);
  const low = hash.readUInt32BE(4) >>> 11;
  return (high * 2 ** 21 + low) / TWO_POW_53;
}
