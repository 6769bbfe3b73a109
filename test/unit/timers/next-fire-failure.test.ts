/**
 * A job whose next tick cannot be computed (a record this version cannot read, or a bug in the
 * schedule code) is not a job with no tick left: it must stay stored, be reported as a warning, be
 * tried again, and never stop the service from firing the other jobs. MemoryKv and a FakeClock.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { partitionOf } from '../../../src/cluster/partition.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { memorySteps } from '../../helpers/memory-steps.js';

const T0 = Date.UTC(2026, 0, 1);
const PARTITIONS = 4;

async function setup() {
  const clock = new FakeClock(T0);
  const kv = new MemoryKv({ clock });
  const service = new TimerService({ kv, clock, partitions: PARTITIONS });
  const seen: { name: string; scheduledAt: number; at: number }[] = [];
  const warnings: string[] = [];
  const ended: string[] = [];
  service.on('warning', (error) => warnings.push(error.message));
  service.on('jobEnded', (name) => ended.push(name));
  service.onTrigger('app', (trigger) => {
    seen.push({ name: trigger.name, scheduledAt: trigger.scheduledAt.getTime(), at: clock.now() });
    return 'success';
  });
  const { flush, advanceTo } = memorySteps(kv, clock);
  /** Writes a job record as another version of tickflow might have stored it. */
  const putRaw = async (record: { name: string; partitionKey?: string; [field: string]: unknown }) => {
    const key = service.keys.jobKey(partitionOf(record.partitionKey ?? record.name, PARTITIONS), record.name);
    await kv.txn([], [{ op: 'put', key, value: JSON.stringify(record) }]);
    return key;
  };
  const start = async (): Promise<void> => {
    await service.start();
    await waitFor(() => service.ownedPartitions().length === PARTITIONS, { what: 'all partitions owned' });
  };
  return { clock, kv, service, seen, warnings, ended, flush, advanceTo, putRaw, start };
}

test('a fired job whose next tick cannot be computed stays stored, is reported and retried; others still fire', async (t) => {
  const { kv, service, seen, warnings, ended, advanceTo, putRaw, start } = await setup();
  await start();
  // dueAt gives the first tick without the schedule; only the tick after it needs the schedule.
  const key = await putRaw({ name: 'odd', createdAt: T0, dueAt: T0 + 1000, schedule: 'every now and then' });
  await service.schedule('ok', { dueTime: new Date(T0 + 3000) });
  await advanceTo(T0 + 10_000);

  t.deepEqual(
    seen.map((s) => [s.name, s.at - T0]),
    [
      ['odd', 1000],
      ['ok', 3000],
    ],
  );
  t.true(
    warnings.some((m) => m.includes('every now and then')),
    `warnings: ${JSON.stringify(warnings)}`,
  );
  t.truthy(await kv.get(key), 'the job is still stored');
  t.deepEqual(ended, ['ok'], 'only the one-shot ended');
  const reported = warnings.length;

  // Still failing later: reported again (the service coalesces repeats), never fired twice.
  await advanceTo(T0 + 30_000);
  t.is(seen.filter((s) => s.name === 'odd').length, 1);
  t.true(warnings.length > reported, 'the computation was tried again');

  // A new incarnation of the job replaces the stuck one and runs normally.
  await service.schedule('odd', { schedule: '@every 1s', repeats: 2, overwrite: true });
  await advanceTo(T0 + 40_000);
  t.deepEqual(
    seen.filter((s) => s.name === 'odd').map((s) => s.at - T0),
    [1000, 31_000, 32_000],
  );
  t.deepEqual(ended, ['ok', 'odd']);
  await service.stop();
});

test('a stored job whose first tick cannot be computed is reported and left stored; its partition still fires', async (t) => {
  const { kv, service, seen, warnings, advanceTo, putRaw, start } = await setup();
  // Loaded with its partition at start: the neighbour shares the partition.
  const loaded = await putRaw({
    name: 'loaded',
    partitionKey: 'shared',
    createdAt: T0,
    schedule: 'H * * * * *',
  });
  await service.schedule('neighbour', { dueTime: new Date(T0 + 1000), partitionKey: 'shared' });
  await start();
  // Arrives through the watch after start.
  const watched = await putRaw({
    name: 'watched',
    partitionKey: 'shared',
    createdAt: T0,
    schedule: 'H * * * * *',
  });
  await service.schedule('later', { dueTime: new Date(T0 + 2000), partitionKey: 'shared' });
  await advanceTo(T0 + 5000);

  t.deepEqual(
    seen.map((s) => [s.name, s.at - T0]),
    [
      ['neighbour', 1000],
      ['later', 2000],
    ],
  );
  t.true(
    warnings.some((m) => m.includes(loaded) && m.includes('hashed')),
    JSON.stringify(warnings),
  );
  t.true(
    warnings.some((m) => m.includes(watched) && m.includes('hashed')),
    JSON.stringify(warnings),
  );
  t.truthy(await kv.get(loaded), 'never deleted');
  t.truthy(await kv.get(watched), 'never deleted');
  await service.stop();
});
