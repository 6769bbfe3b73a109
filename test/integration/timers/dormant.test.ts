/**
 * Dormant jobs on a real etcd: with a 1 s horizon, jobs due a few seconds ahead are kept without
 * their records and read back (a batched get) half a second before they are due. They still fire
 * on time and never early, follow overwrites and deletes made while they slept, and survive their
 * partition moving to another replica.
 */
import test from 'ava';
import { partitionOf } from '../../../src/cluster/partition.js';
import type { KvEntry, KvStore } from '../../../src/etcd/kv-store.js';
import type { TimerService } from '../../../src/timers/timer-service.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { ForwardingKv } from '../../helpers/forwarding-kv.js';
import { inMs, newService, Recorder, uniqueAppId } from './timer-fixture.js';

const HORIZON = 1_000;
const PARTITIONS = 8;
const etcd = await useEtcd(test);

/** The real store, recording which keys were read back in batches. */
class ReadRecordingKv extends ForwardingKv {
  readonly readBack = new Set<string>();

  override getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    for (const key of keys) this.readBack.add(key);
    return this.inner.getMany(keys);
  }
}

async function started(kv: KvStore, rec: Recorder, options: { appId?: string; memberId?: string } = {}) {
  const service = newService(kv, { horizonMs: HORIZON, partitions: PARTITIONS, ...options });
  rec.watch(service);
  service.onTrigger('app', rec.handler(options.memberId ?? 'a'));
  await service.start();
  return service;
}

async function owningAll(service: TimerService): Promise<void> {
  await waitFor(() => service.ownedPartitions().length === PARTITIONS, { what: 'all partitions owned' });
}

test('jobs due beyond the horizon are read back and fire at their tick, never early', async (t) => {
  const kv = new ReadRecordingKv(await etcd.connect());
  const rec = new Recorder();
  const service = await started(kv, rec);
  t.teardown(() => service.stop());
  await owningAll(service);
  const due = new Map<string, number>();
  for (let i = 0; i < 40; i++) due.set(`far-${i}`, Date.now() + 3_000 + i * 25);
  await service.scheduleMany(
    [...due].map(([name, at]) => ({ name, spec: { dueTime: new Date(at), data: { name } } })),
  );
  // Every tick of this one is 1.5 s after the last: it sleeps between ticks.
  await service.schedule('beat', { schedule: '@every 1500ms', repeats: 3, data: 'beat' });
  await rec.untilEnded([...due.keys(), 'beat'], { timeoutMs: 20_000 });
  for (const [name, at] of due) {
    const deliveries = rec.of(name);
    t.is(deliveries.length, 1, name);
    t.is(deliveries[0]?.scheduledAt, at, `${name} delivered for its own tick`);
    t.deepEqual(deliveries[0]?.data, { name }, `${name} delivered with the data read back`);
    t.true(kv.readBack.has(service.keys.jobKey(partitionOf(name, PARTITIONS), name)), `${name} was dormant`);
  }
  t.deepEqual(
    rec.of('beat').map((d) => [d.count, d.data]),
    [
      [0, 'beat'],
      [1, 'beat'],
      [2, 'beat'],
    ],
  );
  t.true(kv.readBack.has(service.keys.jobKey(partitionOf('beat', PARTITIONS), 'beat')));
  for (const d of rec.deliveries) t.true(d.handlerNow >= d.scheduledAt, `${d.name} not early`);
  for (const e of rec.triggered) t.true(e.firedAt >= e.scheduledAt, `${e.name} not early`);
});

test('a dormant job overwritten before it wakes fires the new version; a deleted one never fires', async (t) => {
  const rec = new Recorder();
  const service = await started(await etcd.connect(), rec);
  t.teardown(() => service.stop());
  await owningAll(service);
  await service.schedule('moved', { dueTime: inMs(4_000), data: 'v1' });
  await service.schedule('deleted', { dueTime: inMs(4_000), data: 'v1' });
  const newDue = Date.now() + 3_000;
  await service.schedule('moved', { dueTime: new Date(newDue), data: 'v2', overwrite: true });
  t.true(await service.delete('deleted'));
  // Due after the deleted one would have been: once it has ended, that time has passed.
  await service.schedule('after', { dueTime: inMs(4_500) });
  await rec.untilEnded(['moved', 'after'], { timeoutMs: 20_000 });
  t.deepEqual(
    rec.of('moved').map((d) => [d.scheduledAt, d.data]),
    [[newDue, 'v2']],
  );
  t.deepEqual(rec.of('deleted'), []);
  t.deepEqual(await service.list(), []);
});

test('a dormant job whose partition is handed over fires once, on the new owner', async (t) => {
  const appId = uniqueAppId();
  const rec = new Recorder();
  const a = await started(await etcd.connect(), rec, { appId, memberId: 'a' });
  t.teardown(() => a.stop());
  await owningAll(a);
  const names = Array.from({ length: 24 }, (_, i) => `handed-${i}`);
  const due = Date.now() + 6_000;
  await a.scheduleMany(names.map((name) => ({ name, spec: { dueTime: new Date(due), data: name } })));
  // The jobs are dormant on a; b joins and takes over some of a's partitions.
  const bKv = new ReadRecordingKv(await etcd.connect());
  const b = await started(bKv, rec, { appId, memberId: 'b' });
  t.teardown(() => b.stop());
  await waitFor(
    () =>
      b.ownedPartitions().length > 0 &&
      a.ownedPartitions().length + b.ownedPartitions().length === PARTITIONS &&
      a.ownedPartitions().every((p) => !b.ownedPartitions().includes(p)),
    { what: 'a disjoint split' },
  );
  t.deepEqual(rec.deliveries, [], 'handed over before anything was due');
  const ofB = b.ownedPartitions();
  await rec.untilEnded(names, { timeoutMs: 20_000 });
  for (const name of names) {
    const deliveries = rec.of(name);
    t.is(deliveries.length, 1, `${name} fired once`);
    const partition = partitionOf(name, PARTITIONS);
    const owner = ofB.includes(partition) ? 'b' : 'a';
    t.is(deliveries[0]?.replica, owner, `${name} fired on its partition's owner`);
    if (owner === 'b') t.true(bKv.readBack.has(b.keys.jobKey(partition, name)), `${name} dormant on b too`);
    t.is(deliveries[0]?.data, name);
    t.true((deliveries[0]?.handlerNow ?? 0) >= due, `${name} not early`);
  }
  t.true(
    names.some((n) => ofB.includes(partitionOf(n, PARTITIONS))),
    'some jobs moved',
  );
});
