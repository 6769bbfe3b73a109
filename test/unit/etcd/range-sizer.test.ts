/**
 * RangeSizer: how many keys each request of a byte-bounded page asks for. Pure, no store.
 */
import test from 'ava';
import fc from 'fast-check';
import { RangeSizer } from '../../../src/etcd/range-sizer.js';

const MIB = 1024 * 1024;

test('the first request of a page asks for a modest number of keys, never more than wanted', (t) => {
  const sizer = new RangeSizer(2 * MIB);
  t.is(sizer.firstAsk(64), 64);
  t.is(sizer.firstAsk(5_000), 128, 'sizes are unknown yet: at most 128 keys');
  t.is(sizer.firstAsk(1), 1);
});

test('later requests ask for what the bytes seen so far say still fits', (t) => {
  const sizer = new RangeSizer(2 * MIB);
  // 128 entries of 100 bytes: about 20,000 more fit in 2 MiB, capped by what is wanted.
  t.is(sizer.nextAsk(128, 12_800, 2_000), 2_000 - 128);
  t.is(sizer.nextAsk(128, 12_800, 100_000), 10_000, 'never more than 10,000 keys a request');
  // 3 entries of 600 kB: one more would pass the page size; ask for one.
  t.is(sizer.nextAsk(3, 1_800_000, 2_000), 1);
  t.is(sizer.nextAsk(4, 2_400_000, 2_000), 0, 'the page is full in bytes');
  t.is(sizer.nextAsk(2_000, 10, 2_000), 0, 'the page is full in keys');
});

test('an answer too large to receive shrinks the ask, down to one key, and raises the estimate', (t) => {
  const sizer = new RangeSizer(2 * MIB);
  t.is(sizer.shrink(128), 16);
  t.is(sizer.shrink(16), 2);
  t.is(sizer.shrink(2), 1);
  t.true(sizer.bytesPerEntry >= MIB, 'the next page starts small');
  t.is(sizer.firstAsk(2_000), 1);
});

test('the estimate follows the entries read: large ones make first asks small, small ones large again', (t) => {
  const sizer = new RangeSizer(2 * MIB);
  for (let i = 0; i < 20; i++) sizer.observe(2, 2 * MIB);
  t.true(sizer.firstAsk(2_000) <= 2);
  for (let i = 0; i < 60; i++) sizer.observe(1_000, 200_000);
  t.is(sizer.firstAsk(2_000), 128);
});

test('property: every ask is at least one key and at most what is still wanted', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1024, max: 8 * MIB }),
      fc.integer({ min: 1, max: 20_000 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 0, max: 64 * MIB }),
      (pageBytes, want, have, bytes) => {
        const sizer = new RangeSizer(pageBytes);
        const first = sizer.firstAsk(want);
        const next = sizer.nextAsk(have, bytes, want);
        const full = have >= want || bytes >= pageBytes;
        return first >= 1 && first <= want && (full ? next === 0 : next >= 1 && next <= want - have);
      },
    ),
  );
  t.pass();
});
