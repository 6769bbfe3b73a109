import test from 'ava';
import { nanoid } from 'nanoid';
import { PartitionCountMismatchError } from '../../../src/cluster/errors.js';
import { PartitionOwnership } from '../../../src/cluster/partition-ownership.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { WatchCompactedError } from '../../../src/etcd/errors.js';
import type { KvStore } from '../../../src/etcd/kv-store.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';

const PARTITIONS = 8;

/** Who is serving each partition, checked on every callback: never two at once. */
class Serving {
  readonly by = new Map<number, string>();
  readonly violations: string[] = [];
  acquire(p: number, member: string): void {
    const holder = this.by.get(p);
    if (holder !== undefined) this.violations.push(`${member} acquired ${p} while ${holder} serves it`);
    this.by.set(p, member);
  }
  release(p: number, member: string): void {
    if (this.by.get(p) !== member) this.violations.push(`${member} released ${p} it did not serve`);
    else this.by.delete(p);
  }
}

function setup() {
  const clock = new FakeClock();
  const kv = new MemoryKv({ clock });
  const prefix = `/cluster-${nanoid(6)}`;
  const serving = new Serving();
  const members: PartitionOwnership[] = [];
  const member = (
    id: string,
    partitions: number | null = PARTITIONS,
    store: KvStore = kv,
  ): PartitionOwnership => {
    const ownership = new PartitionOwnership({
      kv: store,
      prefix,
      memberId: id,
      leaseTtlSeconds: 2,
      ...(partitions !== null ? { partitions } : {}),
      onAcquire: async (p) => serving.acquire(p, id),
      onRelease: async (p) => serving.release(p, id),
    });
    members.push(ownership);
    return ownership;
  };
  const covered = (...owners: PartitionOwnership[]): boolean => {
    const all = owners.flatMap((o) => [...o.owned()]);
    return all.length === PARTITIONS && new Set(all).size === PARTITIONS;
  };
  return { clock, kv, prefix, serving, member, members, covered };
}

test('a single member owns every partition', async (t) => {
  const { member, serving } = setup();
  const a = member('a');
  await a.start();
  await waitFor(() => a.owned().size === PARTITIONS, { what: 'a owns all' });
  t.is(a.partitions, PARTITIONS);
  await a.stop();
  t.is(a.owned().size, 0);
  t.is(serving.by.size, 0, 'stop released everything');
  t.deepEqual(serving.violations, []);
});

test('two members split the partitions disjointly; when one stops the other takes all', async (t) => {
  const { member, serving, covered } = setup();
  const a = member('a');
  const b = member('b');
  await Promise.all([a.start(), b.start()]);
  await waitFor(() => covered(a, b) && a.owned().size > 0 && b.owned().size > 0, { what: 'a split' });
  t.is(a.owned().size, PARTITIONS / 2);
  t.deepEqual(a.members(), ['a', 'b']);
  await b.stop();
  await waitFor(() => a.owned().size === PARTITIONS, { what: 'a takes over' });
  t.deepEqual(serving.violations, []);
  await a.stop();
});

test('a member whose lease expires releases everything at once and rejoins', async (t) => {
  const { member, serving, covered, kv, prefix, clock } = setup();
  const a = member('a');
  const b = member('b');
  await Promise.all([a.start(), b.start()]);
  await waitFor(() => covered(a, b) && a.owned().size === PARTITIONS / 2, { what: 'a split' });
  const leaseOfA = (await kv.get(`${prefix}/members/a`))?.lease;
  if (leaseOfA === undefined) return t.fail('member key of a has no lease');
  const lost = nextEvent(a, 'leaseLost');
  kv.stopKeepAlive(leaseOfA);
  clock.advance(2_000);
  await lost;
  t.is(a.owned().size, 0, 'released locally as soon as the lease was lost');
  await waitFor(() => covered(a, b) && a.owned().size === PARTITIONS / 2, { what: 'a rejoined' });
  t.not((await kv.get(`${prefix}/members/a`))?.lease, leaseOfA, 'rejoined under a new lease');
  t.deepEqual(serving.violations, []);
  await Promise.all([a.stop(), b.stop()]);
});

test("a crashed member's partitions move to the survivor once its lease expires", async (t) => {
  const { member, serving, covered, kv, prefix, clock } = setup();
  const crashable = crashableKv(kv);
  const a = member('a', PARTITIONS, crashable.store);
  const b = member('b');
  await Promise.all([a.start(), b.start()]);
  await waitFor(() => covered(a, b) && a.owned().size === PARTITIONS / 2, { what: 'a split' });
  const leaseOfA = (await kv.get(`${prefix}/members/a`))?.lease;
  if (leaseOfA === undefined) return t.fail('member key of a has no lease');
  crashable.crash();
  for (const [p, holder] of serving.by) if (holder === 'a') serving.by.delete(p); // a dead process serves nothing
  kv.stopKeepAlive(leaseOfA);
  clock.advance(1_999);
  await kv.settled();
  t.is(b.owned().size, PARTITIONS / 2, 'nothing moves before the TTL has passed');
  clock.advance(1);
  await waitFor(() => b.owned().size === PARTITIONS, { what: 'b owns all' });
  t.deepEqual(b.members(), ['b']);
  t.deepEqual(serving.violations, []);
  await b.stop();
});

/** A view of `kv` for one member that can "crash": every later call hangs and nothing reaches it. */
function crashableKv(kv: MemoryKv): { store: KvStore; crash(): void } {
  let crashed = false;
  const hang = <T>(): Promise<T> => new Promise<T>(() => undefined);
  const store: KvStore = {
    get: (key) => (crashed ? hang() : kv.get(key)),
    getMany: (keys) => (crashed ? hang() : kv.getMany(keys)),
    range: (prefix, options) => (crashed ? hang() : kv.range(prefix, options)),
    txn: (guards, ops) => (crashed ? hang() : kv.txn(guards, ops)),
    watch: (prefix, from, callbacks) =>
      kv.watch(prefix, from, {
        onEvents: (events, revision) => crashed || callbacks.onEvents(events, revision),
        onReset: (reason) => crashed || callbacks.onReset(reason),
      }),
    grantLease: async (ttl) => {
      const lease = await kv.grantLease(ttl);
      return {
        id: lease.id,
        onLost: (fn) => lease.onLost((reason) => crashed || fn(reason)),
        revoke: () => (crashed ? hang() : lease.revoke()),
      };
    },
    close: () => kv.close(),
  };
  return { store, crash: () => (crashed = true) };
}

test('a compacted watch makes members re-list and carry on', async (t) => {
  const { member, covered, kv, prefix } = setup();
  const a = member('a');
  await a.start();
  await waitFor(() => a.owned().size === PARTITIONS);
  const reset = nextEvent(a, 'error', { filter: (error) => error instanceof WatchCompactedError });
  // Two changes a has not been sent yet, then compaction past the first: a's watch is behind it.
  await kv.txn([], [{ op: 'put', key: `${prefix}/noise`, value: '1' }]);
  await kv.txn([], [{ op: 'put', key: `${prefix}/noise`, value: '2' }]);
  await kv.compact(kv.revision);
  await reset;
  const b = member('b');
  await b.start();
  await waitFor(() => covered(a, b) && b.owned().size === PARTITIONS / 2, { what: 'split after compaction' });
  t.pass();
  await Promise.all([a.stop(), b.stop()]);
});

test('members agree on the stored partition count', async (t) => {
  const { member } = setup();
  const a = member('a', 4);
  await a.start();
  const b = member('b', null);
  await b.start();
  t.is(b.partitions, 4);
  const c = member('c', 16);
  await t.throwsAsync(c.start(), { instanceOf: PartitionCountMismatchError });
  await Promise.all([a.stop(), b.stop()]);
});
