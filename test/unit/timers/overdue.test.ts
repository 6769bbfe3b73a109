/**
 * The oldest overdue trigger per partition: JobTable.oldestOverdue (pure, time passed in) and
 * TimerService.overdue on MemoryKv with a FakeClock, so ages are exact.
 */
import test from 'ava';
import { partitionOf } from '../../../src/cluster/partition.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import type { KvStore } from '../../../src/etcd/kv-store.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { DueQueue } from '../../../src/timers/due-queue.js';
import { scopeKeys } from '../../../src/timers/job-keys.js';
import { JobTable } from '../../../src/timers/job-table.js';
import type { JobRecord, TriggerResult } from '../../../src/timers/schedule/job.js';
import type { LiveJob } from '../../../src/timers/live-job.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { ForwardingKv } from '../../helpers/forwarding-kv.js';
import { memorySteps } from '../../helpers/memory-steps.js';

const T0 = Date.UTC(2026, 0, 1);

function oneShot(name: string, dueInMs: number): JobRecord {
  return normalizeJob(name, { dueTime: new Date(T0 + dueInMs) }, T0);
}

function live(table: JobTable, name: string, partition: number, dueInMs: number, nowMs = T0): LiveJob {
  const job = table.upsert(name, partition, oneShot(name, dueInMs), 1, undefined, false, nowMs);
  if (!job || job.state === 'dormant') throw new Error(`${name} is not live`);
  return job;
}

/** The map's entries in partition order (a Map compares in insertion order). */
function byPartition(oldest: Map<number, number>): Array<[number, number]> {
  return [...oldest].sort(([a], [b]) => a - b);
}

test('DueQueue.visitUpTo visits exactly the entries due by then', (t) => {
  const queue = new DueQueue<{ at: number }>();
  const ats = [50, 10, 70, 30, 90, 20, 60, 40, 80, 0];
  for (const at of ats) queue.push({ at });
  for (const limit of [-1, 0, 35, 89, 100]) {
    const seen: number[] = [];
    queue.visitUpTo(limit, (e) => seen.push(e.at));
    t.deepEqual(
      seen.sort((a, b) => a - b),
      ats.filter((a) => a <= limit).sort((a, b) => a - b),
    );
  }
  t.is(queue.size, ats.length, 'nothing taken');
});

test('nothing due, nothing overdue: future ticks do not count', (t) => {
  const table = new JobTable();
  live(table, 'a', 0, 1_000);
  t.deepEqual([...table.oldestOverdue(T0 + 999)], []);
  t.deepEqual([...table.oldestOverdue(T0 + 1_000)], [[0, T0 + 1_000]], 'due at its tick');
});

test('the earliest overdue tick per partition, whether waiting, in flight or staged', (t) => {
  const table = new JobTable();
  live(table, 'waiting', 0, 300);
  const inflight = live(table, 'inflight', 0, 100);
  const staged = live(table, 'staged', 1, 200);
  live(table, 'later', 1, 50_000);
  live(table, 'other', 2, 400);
  const now = T0 + 1_000;
  t.is(table.takeDue(now), inflight);
  inflight.state = 'inflight';
  t.is(table.takeDue(now), staged);
  table.stage(staged);
  t.deepEqual(byPartition(table.oldestOverdue(now)), [
    [0, T0 + 100],
    [1, T0 + 200],
    [2, T0 + 400],
  ]);
});

test('a tick between retries counts from its scheduled time, not from the retry time', (t) => {
  const table = new JobTable();
  const job = live(table, 'retrying', 3, 100);
  t.is(table.takeDue(T0 + 100), job);
  // The trigger loop queues the same tick again after a failure, 10 s later.
  table.enqueue(job, T0 + 10_100);
  t.deepEqual([...table.oldestOverdue(T0 + 5_000)], [[3, T0 + 100]]);
  // Completed: the next tick is queued in its place, and nothing is overdue any more.
  job.tick = T0 + 60_000;
  table.requeue(job, T0 + 5_000);
  t.deepEqual([...table.oldestOverdue(T0 + 5_000)], []);
});

test('a removed job, a released partition or a cleared table is no longer overdue', (t) => {
  const table = new JobTable();
  const a = live(table, 'a', 0, 100);
  live(table, 'b', 1, 100);
  live(table, 'c', 2, 100);
  t.is(table.takeDue(T0 + 200), a);
  table.remove(0, 'a');
  table.removePartition(1);
  t.deepEqual([...table.oldestOverdue(T0 + 200)], [[2, T0 + 100]]);
  table.clear();
  t.deepEqual([...table.oldestOverdue(T0 + 200)], []);
});

test('a dormant job past its tick (read-back failing) is overdue, taken or put back', (t) => {
  const table = new JobTable({ horizonMs: 10_000 });
  const far = table.upsert('far', 5, oneShot('far', 60_000), 1, undefined, false, T0);
  t.is(far?.state, 'dormant');
  table.upsert('farther', 6, oneShot('farther', 90_000), 1, undefined, false, T0);
  t.deepEqual([...table.oldestOverdue(T0 + 59_999)], [], 'not due yet');
  // The waker takes it to read it back; the read keeps failing past its tick.
  const [taken] = table.takeWaking(T0 + 55_000, 10);
  t.deepEqual<unknown, unknown>(taken, far);
  t.deepEqual([...table.oldestOverdue(T0 + 61_000)], [[5, T0 + 60_000]], 'while being read');
  if (taken) table.sleep(taken);
  t.deepEqual([...table.oldestOverdue(T0 + 62_000)], [[5, T0 + 60_000]], 'put back after a failed read');
  t.deepEqual(byPartition(table.oldestOverdue(T0 + 95_000)), [
    [5, T0 + 60_000],
    [6, T0 + 90_000],
  ]);
  // Read back at last: live, and overdue as a waiting job until it is taken and completed.
  if (taken) table.revive(taken, oneShot('far', 60_000));
  t.deepEqual(table.oldestOverdue(T0 + 95_000).get(5), T0 + 60_000);
});

async function service(answer: () => TriggerResult) {
  const clock = new FakeClock(T0);
  const kv = new MemoryKv({ clock });
  const timers = new TimerService({ kv, clock, partitions: 4 });
  timers.onTrigger('app', answer);
  await timers.start();
  // Owned partitions show while they load; a load that never finished would time this out.
  await waitFor(() => timers.ownedPartitions().length === 4 && timers.loadingPartitions().length === 0, {
    what: 'all partitions owned and loaded',
  });
  return { clock, timers, ...memorySteps(kv, clock) };
}

test('TimerService.overdue: a tick that keeps failing grows older with the clock; 0 elsewhere', async (t) => {
  let result: TriggerResult = 'failed';
  const { timers, advanceTo } = await service(() => result);
  t.deepEqual(
    timers.overdue(),
    [0, 1, 2, 3].map((partition) => ({ partition, ageMs: 0 })),
  );
  await timers.schedule('stuck', {
    dueTime: new Date(T0 + 1_000),
    failurePolicy: { constant: { interval: '2s' } }, // retries forever
  });
  const p = partitionOf('stuck', 4);
  const ageOf = (): number | undefined => timers.overdue().find((o) => o.partition === p)?.ageMs;
  await advanceTo(T0 + 999);
  t.is(ageOf(), 0);
  await advanceTo(T0 + 4_000);
  t.is(ageOf(), 3_000, 'measured from the tick, across retries');
  await advanceTo(T0 + 20_500);
  t.is(ageOf(), 19_500);
  t.true(
    timers.overdue().every((o) => o.partition === p || o.ageMs === 0),
    'other partitions are not overdue',
  );
  result = 'success';
  await advanceTo(T0 + 23_000);
  t.is(ageOf(), 0, 'delivered: nothing overdue');
  await timers.stop();
});

test('TimerService options: minIntervalMs is checked', (t) => {
  const kv = new MemoryKv({ clock: new FakeClock(T0) });
  for (const bad of [-1, 1_001, Number.NaN]) {
    const error = t.throws(() => new TimerService({ kv, minIntervalMs: bad }));
    t.regex(error?.message ?? '', /minIntervalMs/);
  }
  t.notThrows(() => new TimerService({ kv, minIntervalMs: 0 }));
  t.notThrows(() => new TimerService({ kv, minIntervalMs: 1_000 }));
});

/** Fails every read of one partition's jobs while `failing` is set. */
class FailingLoadKv extends ForwardingKv {
  failing = true;
  readonly #prefix: string;

  constructor(inner: KvStore, prefix: string) {
    super(inner);
    this.#prefix = prefix;
  }

  override range(...args: Parameters<KvStore['range']>): ReturnType<KvStore['range']> {
    if (this.failing && args[0].startsWith(this.#prefix)) {
      return Promise.reject(new StoreUnavailableError('range', 'etcd answered too much for one read'));
    }
    return super.range(...args);
  }
}

test('a partition whose load keeps failing is reported loading, and the failure is warned about', async (t) => {
  const clock = new FakeClock(T0);
  const memory = new MemoryKv({ clock });
  const keys = scopeKeys('default', 'tickflow');
  const kv = new FailingLoadKv(memory, keys.jobsPrefix(2));
  const timers = new TimerService({ kv, clock, partitions: 4 });
  const warnings: Error[] = [];
  timers.on('warning', (error) => warnings.push(error));
  await timers.start();
  await waitFor(
    () =>
      timers.ownedPartitions().length === 4 &&
      timers.loadingPartitions().join() === '2' &&
      warnings.length > 0,
    { what: 'the others loaded; partition 2 reported loading, and a warning' },
  );
  t.regex(warnings[0]?.message ?? '', /too much/);
  // The load is retried with backoff on the service's clock while the partition stays owned.
  const failures = warnings.length;
  clock.advance(10_000);
  await waitFor(() => warnings.length > failures, { what: 'a retried load failing again' });
  t.deepEqual(timers.loadingPartitions(), [2]);
  kv.failing = false;
  clock.advance(10_000);
  await waitFor(() => timers.ownedPartitions().length === 4 && timers.loadingPartitions().length === 0, {
    what: 'partition 2 loaded once reads succeed',
  });
  t.pass();
  await timers.stop();
});
