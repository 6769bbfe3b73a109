/**
 * DormantNames: dormant jobs' names in a byte arena with an open-addressing index by (partition,
 * name). Checked against a Map over a seeded random mix of adds and deletes, enough to rehash the
 * buckets several times, with non-ASCII names and one name in many partitions; and a compaction
 * of the arena after most names were deleted.
 */
import test from 'ava';
import { DormantNames } from '../../../src/timers/dormant-names.js';

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function names(capacity: number): { index: DormantNames; partition: Int32Array } {
  const partition = new Int32Array(capacity);
  const index = new DormantNames((slot) => partition[slot] ?? 0);
  index.grow(capacity);
  return { index, partition };
}

test('one name in two partitions is two entries; non-ASCII names read back as written', (t) => {
  const { index, partition } = names(8);
  const name = 'réveil-⏰-𝄞';
  partition[0] = 1;
  index.add(0, name);
  partition[1] = 2;
  index.add(1, name);
  t.is(index.find(1, name), 0);
  t.is(index.find(2, name), 1);
  t.is(index.find(3, name), undefined);
  t.is(index.find(1, 'réveil'), undefined, 'a prefix is another name');
  t.is(index.nameOf(1), name);
  index.delete(0);
  t.is(index.find(1, name), undefined);
  t.is(index.find(2, name), 1);
  index.clear();
  t.is(index.find(2, name), undefined);
});

test('random adds and deletes find exactly what a Map holds, through rehashes', (t) => {
  const next = random(4);
  const capacity = 40_000;
  const { index, partition } = names(capacity);
  const model = new Map<string, number>(); // `${partition}/${name}` -> slot
  const bySlot = new Map<number, { partition: number; name: string }>();
  const free: number[] = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  // Long names, so the deleted ones waste enough bytes for the arena to be compacted.
  const nameOf = (i: number): string => `${i % 7 === 0 ? 'é' : ''}job-${i}-${'x'.repeat(i % 40)}`;
  for (let step = 0; step < 120_000; step++) {
    const i = Math.floor(next() * 30_000);
    const p = Math.floor(next() * 4);
    const key = `${p}/${nameOf(i)}`;
    const slot = model.get(key);
    if (slot === undefined && free.length > 0 && next() < 0.6) {
      const s = free.pop() ?? 0;
      partition[s] = p;
      index.add(s, nameOf(i));
      model.set(key, s);
      bySlot.set(s, { partition: p, name: nameOf(i) });
    } else if (slot !== undefined && next() < 0.5) {
      index.delete(slot);
      model.delete(key);
      bySlot.delete(slot);
      free.push(slot);
    } else if (index.find(p, nameOf(i)) !== slot) {
      return t.fail(`step ${step}: find(${p}, ${nameOf(i)}) is not ${slot}`);
    }
  }
  t.true(model.size > 1000);
  for (const [slot, { partition: p, name }] of bySlot) {
    t.is(index.find(p, name), slot);
    t.is(index.nameOf(slot), name);
  }
});

test('after most names are deleted, the arena is rewritten without them and the rest still found', (t) => {
  const { index, partition } = names(20_000);
  const long = (i: number): string => `${'n'.repeat(60)}-${i}`;
  // 16,384 live names of ~66 bytes fill a 1 MiB arena.
  for (let s = 0; s < 16_000; s++) {
    partition[s] = s % 3;
    index.add(s, long(s));
  }
  for (let s = 0; s < 16_000; s++) if (s % 10 !== 0) index.delete(s);
  // More names than the arena has room left for: it is compacted (or else grown) to take them.
  for (let s = 16_000; s < 20_000; s++) {
    partition[s] = s % 3;
    index.add(s, long(s));
  }
  for (let s = 0; s < 20_000; s++) {
    const kept = s >= 16_000 || s % 10 === 0;
    t.is(index.find(s % 3, long(s)), kept ? s : undefined);
    if (kept) t.is(index.nameOf(s), long(s));
  }
});
