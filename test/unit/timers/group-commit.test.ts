/**
 * GroupCommit (the timer service's batched writer) on MemoryKv: many small guarded writes become
 * few transactions, yet each keeps its own outcome.
 */
import test from 'ava';
import { GroupCommit, itemBytes } from '../../../src/etcd/group-commit.js';
import type { KvStore } from '../../../src/etcd/kv-store.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import type { StoreGuard, StoreOp } from '../../../src/etcd/store-op.js';

/** Counts the transactions that reach the store and what they held. */
function counting(kv: MemoryKv): KvStore & { txns: Array<{ guards: number; ops: number }> } {
  const txns: Array<{ guards: number; ops: number }> = [];
  return {
    txns,
    get: (key) => kv.get(key),
    getMany: (keys) => kv.getMany(keys),
    range: (prefix, options) => kv.range(prefix, options),
    watch: (prefix, from, callbacks) => kv.watch(prefix, from, callbacks),
    grantLease: (ttl) => kv.grantLease(ttl),
    close: () => kv.close(),
    txn: (guards: StoreGuard[], ops: StoreOp[]) => {
      txns.push({ guards: guards.length, ops: ops.length });
      return kv.txn(guards, ops);
    },
  };
}

const put = (key: string, value = 'v'): StoreOp => ({ op: 'put', key, value });

test('a thousand writes submitted together go out in full 128-op transactions', async (t) => {
  const kv = counting(new MemoryKv());
  const commit = new GroupCommit(kv);
  const outcomes = await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      commit.submit({ guards: [{ key: `/k/${i}`, modRevision: 0 }], ops: [put(`/k/${i}`)] }),
    ),
  );
  t.true(outcomes.every((o) => o.succeeded));
  t.is(kv.txns.length, Math.ceil(1000 / 128));
  t.true(kv.txns.slice(0, -1).every((x) => x.ops === 128 && x.guards === 128));
  t.is(commit.txnCount, kv.txns.length);
  t.is((await kv.range('/k/')).entries.length, 1000);
});

test('a failed guard fails only its own item', async (t) => {
  const kv = counting(new MemoryKv());
  await kv.txn([], [put('/taken', 'old')]);
  const commit = new GroupCommit(kv);
  const [a, taken, b] = await Promise.all([
    commit.submit({ guards: [{ key: '/a', modRevision: 0 }], ops: [put('/a')] }),
    commit.submit({ guards: [{ key: '/taken', modRevision: 0 }], ops: [put('/taken', 'new')] }),
    commit.submit({ guards: [{ key: '/b', modRevision: 0 }], ops: [put('/b')] }),
  ]);
  t.deepEqual([a?.succeeded, taken?.succeeded, b?.succeeded], [true, false, true]);
  t.is((await kv.get('/taken'))?.value, 'old');
  t.truthy(await kv.get('/a'));
  t.truthy(await kv.get('/b'));
});

test('writes to the same key never share a transaction, and keep their order', async (t) => {
  const kv = counting(new MemoryKv());
  const commit = new GroupCommit(kv);
  await Promise.all([
    commit.submit({ guards: [], ops: [put('/same', '1')] }),
    commit.submit({ guards: [], ops: [put('/other')] }),
    commit.submit({ guards: [], ops: [put('/same', '2')] }),
  ]);
  t.is(kv.txns.length, 2);
  t.is((await kv.get('/same'))?.value, '2');
});

test('a prefix delete travels alone', async (t) => {
  const kv = counting(new MemoryKv());
  const commit = new GroupCommit(kv);
  await Promise.all([
    commit.submit({ guards: [], ops: [put('/p/1')] }),
    commit.submit({ guards: [], ops: [{ op: 'deletePrefix', prefix: '/p/' }] }),
    commit.submit({ guards: [], ops: [put('/p/2')] }),
  ]);
  t.deepEqual(
    kv.txns.map((x) => x.ops),
    [1, 1, 1],
  );
  t.deepEqual(
    (await kv.range('/p/')).entries.map((e) => e.key),
    ['/p/2'],
  );
});

test('an item larger than one transaction is refused; a store error rejects its batch', async (t) => {
  const kv = new MemoryKv();
  const commit = new GroupCommit(kv);
  await t.throwsAsync(
    commit.submit({ guards: [], ops: Array.from({ length: 129 }, (_, i) => put(`/big/${i}`)) }),
    {
      instanceOf: RangeError,
    },
  );
  await kv.close();
  const results = await Promise.allSettled([
    commit.submit({ guards: [], ops: [put('/x')] }),
    commit.submit({ guards: [], ops: [put('/y')] }),
  ]);
  t.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
});

test('large values close a batch before it passes the byte limit; an item over it alone still goes out', async (t) => {
  const kv = counting(new MemoryKv());
  const commit = new GroupCommit(kv, { maxBytes: 1_000_000 });
  const big = 'b'.repeat(300_000);
  const outcomes = await Promise.all(
    Array.from({ length: 10 }, (_, i) => commit.submit({ guards: [], ops: [put(`/big/${i}`, big)] })),
  );
  t.true(outcomes.every((o) => o.succeeded));
  // Three 300 kB values fit under 1 MB, a fourth would not.
  t.deepEqual(
    kv.txns.map((x) => x.ops),
    [3, 3, 3, 1],
  );
  const huge = await commit.submit({ guards: [], ops: [put('/huge', 'h'.repeat(1_200_000))] });
  t.true(huge.succeeded);
  t.is(kv.txns[kv.txns.length - 1]?.ops, 1);
});

test('itemBytes counts keys and values in UTF-8, with framing per op and guard', (t) => {
  const bytes = itemBytes({ guards: [{ key: '/g', modRevision: 0 }], ops: [put('/k', 'é')] });
  t.is(bytes, 2 + 32 + (2 + 2 + 32));
});

test('onTxn reports every transaction: its time, commits, operations and outcome', async (t) => {
  const base = new MemoryKv();
  const kv = counting(base);
  let clock = 0;
  const reports: Array<{ seconds: number; items: number; ops: number; outcome: string }> = [];
  const commit = new GroupCommit(kv, {
    onTxn: (e) => reports.push(e),
    // Each reading moves the clock on by 2 ms: every transaction reads it twice, so each takes 2 ms.
    now: () => (clock += 2),
  });
  await Promise.all(
    ['/a', '/b', '/c'].map((key) => commit.submit({ guards: [{ key, modRevision: 0 }], ops: [put(key)] })),
  );
  t.deepEqual(reports, [{ seconds: 0.002, items: 3, ops: 3, outcome: 'committed' }]);

  // A stale guard refuses the batch; its items go again one by one, each with its own report.
  reports.length = 0;
  const outcomes = await Promise.all([
    commit.submit({ guards: [{ key: '/a', modRevision: 0 }], ops: [put('/a', 'again')] }),
    commit.submit({ guards: [{ key: '/d', modRevision: 0 }], ops: [put('/d'), put('/e')] }),
  ]);
  t.deepEqual(
    outcomes.map((o) => o.succeeded),
    [false, true],
  );
  t.deepEqual(
    reports.map((r) => [r.items, r.ops, r.outcome]),
    [
      [2, 3, 'refused'],
      [1, 1, 'refused'],
      [1, 2, 'committed'],
    ],
  );

  // etcd failing: reported, and the caller still gets the error.
  reports.length = 0;
  kv.txn = () => Promise.reject(new Error('etcd away'));
  await t.throwsAsync(commit.submit({ guards: [], ops: [put('/f')] }), { message: 'etcd away' });
  t.deepEqual(
    reports.map((r) => [r.items, r.ops, r.outcome]),
    [[1, 1, 'failed']],
  );
  t.is(commit.txnCount, 5);
});
