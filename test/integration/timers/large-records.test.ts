/**
 * Issue 13, on a real etcd: records whose sizes add up past one gRPC answer (4 MiB by default)
 * used to stall their partition for good, silently. Each case runs at the size that broke it.
 */
import test from 'ava';
import { partitionOf } from '../../../src/cluster/partition.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { newService, Recorder, uniqueAppId } from './timer-fixture.js';

const etcd = await useEtcd(test);

/** `count` job names that all hash to partition `partition` of `partitions`. */
function namesIn(partition: number, partitions: number, count: number, stem: string): string[] {
  const names: string[] = [];
  for (let i = 0; names.length < count; i++) {
    const name = `${stem}-${i}`;
    if (partitionOf(name, partitions) === partition) names.push(name);
  }
  return names;
}

test('2,001 jobs of 2.5 KB in one partition: a replica taking it over delivers every one, never early', async (t) => {
  const appId = uniqueAppId();
  const names = namesIn(3, 8, 2_001, 'bulk');
  const payload = 'p'.repeat(2_500);
  const first = newService(await etcd.connect(), { appId });
  await first.start();
  const dueAt = Date.now() + 4_000;
  await first.scheduleMany(
    names.map((name) => ({ name, spec: { dueTime: new Date(dueAt), data: payload } })),
  );
  // The whole partition (5 MB) must be read again by the next owner.
  await first.stop();

  const rec = new Recorder();
  const second = newService(await etcd.connect(), { appId });
  rec.watch(second);
  second.onTrigger('app', rec.handler('second'));
  await second.start();
  t.teardown(() => second.stop());
  await rec.untilEnded(names, { timeoutMs: 30_000 });
  t.is(rec.deliveries.length, names.length, 'each job delivered once');
  t.is(new Set(rec.deliveries.map((d) => d.name)).size, names.length);
  for (const d of rec.deliveries) {
    t.true(d.handlerNow >= d.scheduledAt, `${d.name} not early`);
    t.is(d.data, payload);
  }
  t.deepEqual(
    rec.warnings.map((w) => w.message),
    [],
    'no load failed',
  );
});

test('five 1 MB jobs read back from dormancy fire, and a small job of another partition is not held up', async (t) => {
  const rec = new Recorder();
  const service = newService(await etcd.connect(), { horizonMs: 1_000 });
  rec.watch(service);
  service.onTrigger('app', rec.handler('a'));
  await service.start();
  t.teardown(() => service.stop());
  await waitFor(() => service.ownedPartitions().length === 8, { what: 'all partitions owned' });
  const big = namesIn(5, 8, 5, 'big');
  const [small] = namesIn(2, 8, 1, 'small');
  if (small === undefined) throw new Error('no name for partition 2');
  const mb = 'm'.repeat(1_000_000);
  // Both due times from one instant, the small job scheduled first: how long the 5 MB take to
  // write on a loaded machine must not move the small job's due time past the large ones'.
  const now = Date.now();
  const smallDue = now + 3_000;
  const bigDue = now + 5_000;
  await service.schedule(small, { dueTime: new Date(smallDue), data: 'small' });
  for (const name of big) await service.schedule(name, { dueTime: new Date(bigDue), data: `${name}:${mb}` });
  await rec.untilEnded([...big, small], { timeoutMs: 30_000 });
  for (const name of big) {
    const [d, ...again] = rec.of(name);
    t.is(again.length, 0, `${name} once`);
    t.true((d?.handlerNow ?? 0) >= bigDue, `${name} not early`);
    t.is(
      typeof d?.data === 'string' ? d.data.length : 0,
      name.length + 1 + mb.length,
      `${name} with its data`,
    );
  }
  const [smallDelivery] = rec.of(small);
  t.true((smallDelivery?.handlerNow ?? 0) >= smallDue);
  // The small job is due 2 s before the large ones: it must not wait for their read-back.
  t.true(
    (smallDelivery?.handlerNow ?? Infinity) < bigDue,
    `small job delivered ${(smallDelivery?.handlerNow ?? 0) - smallDue} ms after its tick`,
  );
  t.deepEqual(
    rec.warnings.map((w) => w.message),
    [],
  );
});

test('listing a scope whose partitions hold 1 MB jobs pages through them all', async (t) => {
  const service = newService(await etcd.connect());
  await service.start();
  t.teardown(() => service.stop());
  const names = namesIn(1, 8, 6, 'listed');
  const mb = 'l'.repeat(1_000_000);
  for (const name of names) await service.schedule(name, { dueTime: '1h', data: mb });
  await service.schedule('tiny', { dueTime: '1h', data: 1 });
  const first = await service.listPage({ limit: 100 });
  t.true(first.jobs.length < 7, 'a page ends by bytes');
  t.truthy(first.next);
  const all = await service.list();
  t.deepEqual(all.map((j) => j.name).sort(), [...names, 'tiny'].sort());
  t.is(all.find((j) => j.name === names[0])?.data, mb);
});
