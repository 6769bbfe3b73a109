import test from 'ava';
import { assignPartitions, fnv1a32, partitionOf } from '../../../src/cluster/partition.js';

test('fnv1a32 matches the reference vectors', (t) => {
  t.is(fnv1a32(''), 0x811c9dc5);
  t.is(fnv1a32('a'), 0xe40c292c);
  t.is(fnv1a32('foobar'), 0xbf9cf968);
});

test('partitionOf is stable, in range and spreads keys', (t) => {
  const counts = new Array<number>(32).fill(0);
  for (let i = 0; i < 32_000; i++) {
    const p = partitionOf(`job-${i}`, 32);
    t.true(p >= 0 && p < 32);
    counts[p] = (counts[p] ?? 0) + 1;
  }
  t.is(partitionOf('job-1', 32), partitionOf('job-1', 32));
  t.true(Math.min(...counts) > 800 && Math.max(...counts) < 1200, `uneven spread: ${counts.join(',')}`);
  t.is(partitionOf('anything', 1), 0);
  t.throws(() => partitionOf('x', 0), { instanceOf: RangeError });
  t.throws(() => partitionOf('x', 2.5), { instanceOf: RangeError });
});

const members = (n: number): string[] => Array.from({ length: n }, (_, i) => `member-${i}`);

for (const total of [1, 7, 32, 100]) {
  for (const n of [1, 2, 3, 5, 8]) {
    test(`assignPartitions(${n} members, ${total}) is disjoint, complete and balanced`, (t) => {
      const assignment = assignPartitions(members(n), total);
      t.is(assignment.size, n);
      const all = [...assignment.values()].flat().sort((a, b) => a - b);
      t.deepEqual(
        all,
        Array.from({ length: total }, (_, i) => i),
      );
      for (const owned of assignment.values()) {
        t.true(owned.length === Math.floor(total / n) || owned.length === Math.ceil(total / n));
      }
    });
  }
}

test('assignPartitions ignores member order and duplicates', (t) => {
  const a = assignPartitions(['c', 'a', 'b'], 32);
  const b = assignPartitions(['b', 'c', 'a', 'a'], 32);
  t.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
});

test('assignPartitions with no members assigns nothing', (t) => {
  t.is(assignPartitions([], 32).size, 0);
  t.throws(() => assignPartitions(['a'], 0), { instanceOf: RangeError });
});

test('assignPartitions moves few partitions when a member joins or leaves', (t) => {
  for (const total of [32, 64, 256]) {
    for (let n = 1; n <= 8; n++) {
      const before = assignPartitions(members(n), total);
      const joined = assignPartitions(members(n + 1), total);
      let moved = 0;
      for (const [member, owned] of before) {
        const now = new Set(joined.get(member));
        moved += owned.filter((p) => !now.has(p)).length;
      }
      const ideal = Math.ceil(total / (n + 1));
      t.true(moved <= 2 * ideal + 2, `join ${n}->${n + 1} of ${total}: moved ${moved}, ideal ${ideal}`);

      const left = assignPartitions(members(n).slice(1), total);
      let extra = 0;
      for (const [member, owned] of before) {
        if (member === 'member-0') continue;
        const now = new Set(left.get(member));
        extra += owned.filter((p) => !now.has(p)).length;
      }
      t.true(extra <= Math.ceil(total / n), `leave of ${total}: ${extra} partitions moved between survivors`);
    }
  }
});
