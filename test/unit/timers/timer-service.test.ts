/**
 * The stateful timer pieces together (job feed, job table, trigger loop, group commit) on MemoryKv
 * with a FakeClock: time moves only when the test says, so "on time" and retry spacing are exact.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import { partitionOf } from '../../../src/cluster/partition.js';
import type { JobTrigger, TriggerResult } from '../../../src/timers/schedule/job.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { memorySteps } from '../../helpers/memory-steps.js';

const T0 = Date.UTC(2026, 0, 1);
const PARTITIONS = 4;

interface Seen {
  name: string;
  scheduledAt: number;
  at: number;
  attempt: number;
}

async function setup(
  answer: (trigger: JobTrigger) => TriggerResult | Promise<TriggerResult> = () => 'success',
  maxInFlight?: number,
) {
  const clock = new FakeClock(T0);
  const kv = new MemoryKv({ clock });
  const service = new TimerService({
    kv,
    clock,
    partitions: PARTITIONS,
    ...(maxInFlight ? { maxInFlight } : {}),
  });
  const seen: Seen[] = [];
  service.onTrigger('app', (trigger) => {
    seen.push({
      name: trigger.name,
      scheduledAt: trigger.scheduledAt.getTime(),
      at: clock.now(),
      attempt: trigger.attempt,
    });
    return answer(trigger);
  });
  await service.start();
  await waitFor(() => service.ownedPartitions().length === PARTITIONS, { what: 'all partitions owned' });
  const { flush, advanceTo } = memorySteps(kv, clock);
  return { clock, kv, service, seen, flush, advanceTo };
}

test('every timer fires exactly at its due time, never before', async (t) => {
  const { service, seen, advanceTo } = await setup();
  const due = new Map<string, number>();
  for (let i = 0; i < 60; i++) due.set(`t${i}`, T0 + 10 + ((i * 97) % 2000));
  await service.scheduleMany([...due].map(([name, at]) => ({ name, spec: { dueTime: new Date(at) } })));
  await advanceTo(T0 + 5000);
  t.is(seen.length, 60);
  for (const s of seen) t.is(s.at, due.get(s.name) ?? Number.NaN, `${s.name} fired at its due time`);
  t.deepEqual(await service.list(), [], 'all ended and deleted');
  await service.stop();
});

test('the default failure policy retries the same tick exactly 1 s apart, 4 attempts in all', async (t) => {
  const { service, seen, advanceTo } = await setup(() => 'failed');
  await service.schedule('flaky', { dueTime: new Date(T0 + 500) });
  await advanceTo(T0 + 10_000);
  t.deepEqual(
    seen.map((s) => [s.at - T0, s.scheduledAt - T0, s.attempt]),
    [
      [500, 500, 1],
      [1500, 500, 2],
      [2500, 500, 3],
      [3500, 500, 4],
    ],
  );
  await service.stop();
});

test('retries never shift a recurring job off its lattice', async (t) => {
  const { service, seen, advanceTo } = await setup((trigger) => (trigger.count === 0 ? 'failed' : 'success'));
  await service.schedule('beat', {
    schedule: '@every 1s',
    repeats: 3,
    failurePolicy: { constant: { interval: '400ms', maxRetries: 1 } },
  });
  await advanceTo(T0 + 10_000);
  t.deepEqual(
    seen.map((s) => [s.at - T0, s.scheduledAt - T0, s.attempt]),
    [
      [1000, 1000, 1],
      [1400, 1000, 2],
      [2000, 2000, 1],
      [3000, 3000, 1],
    ],
  );
  await service.stop();
});

test('ticks missed while stopped fire at restart, in order, on the lattice', async (t) => {
  const { service, seen, advanceTo, flush } = await setup();
  await service.schedule('tick', { schedule: '@every 1s', repeats: 6 });
  await advanceTo(T0 + 1500);
  t.is(seen.length, 1);
  await service.stop();
  await advanceTo(T0 + 4500);
  t.is(seen.length, 1, 'nothing while stopped');
  await service.start();
  await waitFor(() => service.ownedPartitions().length === PARTITIONS, {
    what: 'all partitions owned again',
  });
  await flush();
  await advanceTo(T0 + 4500);
  t.deepEqual(
    seen.map((s) => [s.scheduledAt - T0, s.at - T0]),
    [
      [1000, 1000],
      [2000, 4500],
      [3000, 4500],
      [4000, 4500],
    ],
  );
  await advanceTo(T0 + 7000);
  t.deepEqual(
    seen.slice(4).map((s) => [s.scheduledAt - T0, s.at - T0]),
    [
      [5000, 5000],
      [6000, 6000],
    ],
  );
  await service.stop();
});

test('at most maxInFlight triggers are out at once; the rest wait their turn', async (t) => {
  const releases: Array<() => void> = [];
  const { clock, service, seen, advanceTo } = await setup(
    () => new Promise<TriggerResult>((resolve) => releases.push(() => resolve('success'))),
    2,
  );
  await service.scheduleMany(
    Array.from({ length: 5 }, (_, i) => ({ name: `j${i}`, spec: { dueTime: new Date(T0 + 100) } })),
  );
  await advanceTo(T0 + 200);
  t.is(seen.length, 2);
  t.is(service.inFlight, 2);
  // A settled trigger re-arms the loop for the jobs already due (run at the clock's current time).
  releases.shift()?.();
  await advanceTo(clock.now());
  t.is(seen.length, 3);
  t.is(service.inFlight, 2);
  while (releases.length > 0) {
    releases.shift()?.();
    await advanceTo(clock.now());
  }
  t.is(seen.length, 5);
  t.is(service.inFlight, 0);
  await service.stop();
});

test('stop() returns while etcd refuses the completion of an in-flight trigger; the job stays stored', async (t) => {
  let release: (() => void) | undefined;
  const { kv, service, flush, advanceTo } = await setup(
    () => new Promise<TriggerResult>((resolve) => (release = () => resolve('success'))),
  );
  await service.schedule('stuck', { dueTime: new Date(T0 + 10) });
  await advanceTo(T0 + 10);
  await waitFor(() => release !== undefined, { what: 'trigger handed to the handler' });
  // etcd goes away for job writes: the completion commit fails and keeps being retried.
  const realTxn = kv.txn.bind(kv);
  let refused = 0;
  kv.txn = async (guards, ops) => {
    if (ops.some((op) => op.op !== 'deletePrefix' && op.key.includes('/timers/jobs/'))) {
      refused++;
      throw new StoreUnavailableError('txn', 'simulated outage');
    }
    return realTxn(guards, ops);
  };
  release?.();
  await flush();
  t.true(refused >= 1);
  await service.stop();
  t.is(service.inFlight, 0);
  // Nothing was recorded as done, so the next owner fires the tick again.
  kv.txn = realTxn;
  t.not(await kv.get(service.keys.jobKey(partitionOf('stuck', PARTITIONS), 'stuck')), undefined);
});
