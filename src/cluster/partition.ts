/**
 * Pure partitioning: which partition a key hashes to, and which member owns which partition.
 * Every member computes the same answers from the same inputs, with no coordination.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a, 32-bit, over the UTF-8 bytes of `text`. Stable across processes and versions. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The partition (0 ≤ p < total) that `key` belongs to. */
export function partitionOf(key: string, total: number): number {
  assertTotal(total);
  return fnv1a32(key) % total;
}

/**
 * Spreads partitions 0..total-1 over `members`: deterministic (independent of the members'
 * order), balanced (every member gets ⌊total/n⌋ or ⌈total/n⌉), and mostly stable (rendezvous
 * hashing: a join or leave moves few partitions besides the ones that must move).
 *
 * Each partition goes to the member ranking it highest that still has room; the ⌈⌉ slots go to
 * whoever asks first, so the counts always add up.
 */
export function assignPartitions(members: readonly string[], total: number): Map<string, number[]> {
  assertTotal(total);
  const unique = [...new Set(members)].sort();
  const result = new Map<string, number[]>(unique.map((member) => [member, []]));
  if (unique.length === 0) return result;
  const floor = Math.floor(total / unique.length);
  let extra = total % unique.length;
  for (let partition = 0; partition < total; partition++) {
    const ranked = unique
      .map((member) => ({ member, score: score(member, partition) }))
      .sort((a, b) => b.score - a.score || (a.member < b.member ? -1 : 1));
    for (const { member } of ranked) {
      const owned = result.get(member);
      if (!owned) continue;
      if (owned.length < floor || (owned.length === floor && extra > 0)) {
        if (owned.length === floor) extra--;
        owned.push(partition);
        break;
      }
    }
  }
  return result;
}

/** Rendezvous weight of (member, partition); the finaliser spreads FNV's weak low bits. */
function score(member: string, partition: number): number {
  let h = fnv1a32(`${member}\u0000${partition}`);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function assertTotal(total: number): void {
  if (!Number.isSafeInteger(total) || total < 1) {
    throw new RangeError(`partition count must be an integer >= 1, got ${String(total)}`);
  }
}
