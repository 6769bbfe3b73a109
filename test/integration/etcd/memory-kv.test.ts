import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { LeaseLostError, StoreClosedError, WatchCompactedError } from '../../../src/etcd/errors.js';
import type { KvEvent } from '../../../src/etcd/kv-store.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';

// Behaviour only MemoryKv has (test hooks, exact revisions); the shared contract is in kv-contract.

test('revisions move once per writing txn, like a fresh etcd', async (t) => {
  const kv = new MemoryKv();
  t.is(kv.revision, 1);
  t.is((await kv.txn([], [{ op: 'put', key: 'a', value: '1' }])).revision, 2);
  t.is((await kv.txn([], [{ op: 'delete', key: 'missing' }])).revision, 2, 'no change, no revision');
  t.deepEqual(await kv.txn([{ key: 'a', modRevision: 0 }], [{ op: 'put', key: 'a', value: '2' }]), {
    succeeded: false,
    revision: 2,
  });
  t.is((await kv.range('')).revision, 2);
});

test('a lease expires a TTL after its keepalive stops, on the injected clock', async (t) => {
  const clock = new FakeClock();
  const kv = new MemoryKv({ clock });
  const lease = await kv.grantLease(10);
  await kv.txn([], [{ op: 'put', key: 'k', value: 'v', lease: lease.id }]);
  let lost: Error | undefined;
  lease.onLost((reason) => (lost = reason));
  clock.advance(60_000);
  t.truthy(await kv.get('k'), 'kept alive while its holder lives');
  kv.stopKeepAlive(lease.id);
  clock.advance(9_999);
  await Promise.resolve();
  t.truthy(await kv.get('k'));
  t.is(lost, undefined);
  clock.advance(1);
  await Promise.resolve();
  t.is(await kv.get('k'), undefined);
  t.true(lost instanceof LeaseLostError);
});

test('compaction resets a live watcher that has not been sent everything before it', async (t) => {
  const kv = new MemoryKv();
  const seen: KvEvent[] = [];
  let reset: Error | undefined;
  await kv.watch('p/', 0, {
    onEvents: (events) => seen.push(...events),
    onReset: (reason) => (reset = reason),
  });
  await kv.txn([], [{ op: 'put', key: 'p/a', value: '1' }]);
  await kv.txn([], [{ op: 'put', key: 'p/a', value: '2' }]);
  await kv.compact(kv.revision);
  await kv.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.true(reset instanceof WatchCompactedError);
  t.deepEqual(seen, []);
});

test('settled() waits until every watcher has been handed every event', async (t) => {
  const kv = new MemoryKv();
  const seen: string[] = [];
  await kv.watch('', 0, {
    onEvents: (events) => seen.push(...events.map((e) => e.key)),
    onReset: () => undefined,
  });
  for (let i = 0; i < 5; i++) await kv.txn([], [{ op: 'put', key: `k${i}`, value: '' }]);
  t.is(seen.length, 0, 'delivery is asynchronous');
  await kv.settled();
  t.deepEqual(seen, ['k0', 'k1', 'k2', 'k3', 'k4']);
});

test('a closed store refuses calls with a typed error', async (t) => {
  const kv = new MemoryKv();
  await kv.close();
  await t.throwsAsync(kv.get('x'), { instanceOf: StoreClosedError });
});
