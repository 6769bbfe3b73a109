/**
 * Dormant jobs end to end on MemoryKv with a FakeClock: a job due beyond the horizon is kept
 * without its record, read back from the store half a horizon before its tick, and fires exactly
 * at the tick, whatever happened to it while it slept.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import type { KvEntry, KvEvent, WatchCallbacks, WatchHandle } from '../../../src/etcd/kv-store.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { JobValidationError } from '../../../src/timers/errors.js';
import type { JobTrigger, JsonValue } from '../../../src/timers/schedule/job.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { memorySteps } from '../../helpers/memory-steps.js';

const T0 = Date.UTC(2026, 0, 1);
const PARTITIONS = 4;
const HORIZON = 60_000;
const MINUTE = 60_000;

/**
 * MemoryKv that records batched reads, can fail them or run something just before one, and can
 * hold watch events back (a watch stream lagging behind the store).
 */
class ReadWatchingKv extends MemoryKv {
  readonly reads: string[] = [];
  #held: Array<() => void> | undefined;
  failReads = 0;
  /** Runs once, inside the next batched read, before the store is read. */
  beforeRead: (() => Promise<void>) | undefined;
  /** While set, batched reads wait for it. */
  gate: Promise<void> | undefined;

  override async getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    this.reads.push(...keys);
    if (this.gate) await this.gate;
    if (this.failReads > 0) {
      this.failReads--;
      throw new StoreUnavailableError('getMany', 'simulated outage');
    }
    const before = this.beforeRead;
    this.beforeRead = undefined;
    if (before) await before();
    return super.getMany(keys);
  }

  override watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    return super.watch(prefix, fromRevision, {
      onEvents: (events: KvEvent[], revision: number) => {
        if (this.#held) this.#held.push(() => callbacks.onEvents(events, revision));
        else callbacks.onEvents(events, revision);
      },
      onReset: (reason) => callbacks.onReset(reason),
    });
  }

  holdEvents(): void {
    this.#held ??= [];
  }

  releaseEvents(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const deliver of held) deliver();
  }
}

interface Seen {
  name: string;
  scheduledAt: number;
  at: number;
  count: number;
  data: JsonValue | undefined;
}

async function setup() {
  const clock = new FakeClock(T0);
  const kv = new ReadWatchingKv({ clock });
  const service = new TimerService({ kv, clock, partitions: PARTITIONS, horizonMs: HORIZON });
  const warnings: Error[] = [];
  service.on('warning', (error) => warnings.push(error));
  const seen: Seen[] = [];
  service.onTrigger('app', (trigger: JobTrigger) => {
    seen.push({
      name: trigger.name,
      scheduledAt: trigger.scheduledAt.getTime(),
      at: clock.now(),
      count: trigger.count,
      data: trigger.data,
    });
    return 'success';
  });
  await service.start();
  await waitFor(() => service.ownedPartitions().length === PARTITIONS, { what: 'all partitions owned' });
  const { flush, advanceTo } = memorySteps(kv, clock);
  const keyOf = (name: string): string => {
    const key = kv.reads.find((k) => k.endsWith(`/${name}`));
    return key ?? `(no read of ${name})`;
  };
  return { clock, kv, service, seen, warnings, flush, advanceTo, keyOf };
}

test('far-future jobs are read back half a horizon before due and fire exactly on time', async (t) => {
  const { service, kv, seen, advanceTo } = await setup();
  const due = new Map<string, number>();
  for (let i = 0; i < 300; i++) due.set(`far${i}`, T0 + 10 * MINUTE + i * 7);
  const near = T0 + 5_000;
  await service.scheduleMany([
    ...[...due].map(([name, at]) => ({ name, spec: { dueTime: new Date(at), data: { i: name } } })),
    { name: 'near', spec: { dueTime: new Date(near) } },
  ]);
  await advanceTo(T0 + 10 * MINUTE - HORIZON / 2 - 1);
  t.deepEqual(
    seen.map((s) => s.name),
    ['near'],
  );
  t.deepEqual(kv.reads, [], 'no read before half a horizon ahead; the near job was never dormant');
  await advanceTo(T0 + 11 * MINUTE);
  t.is(seen.length, 301);
  t.is(new Set(kv.reads).size, 300, 'each dormant job read back once');
  for (const s of seen) {
    t.is(s.at, due.get(s.name) ?? near, `${s.name} fired at its tick`);
    if (s.name !== 'near') t.deepEqual(s.data, { i: s.name }, 'with the data read back');
  }
  t.deepEqual(await service.list(), []);
  await service.stop();
});

test('an hourly job sleeps between ticks and keeps its lattice and count', async (t) => {
  const { service, kv, seen, advanceTo } = await setup();
  await service.schedule('hourly', { schedule: '@every 1h', repeats: 3, data: 'payload' });
  await advanceTo(T0 + 4 * 60 * MINUTE);
  t.deepEqual(
    seen.map((s) => [s.scheduledAt - T0, s.at - T0, s.count, s.data]),
    [
      [60 * MINUTE, 60 * MINUTE, 0, 'payload'],
      [120 * MINUTE, 120 * MINUTE, 1, 'payload'],
      [180 * MINUTE, 180 * MINUTE, 2, 'payload'],
    ],
  );
  t.is(kv.reads.length, 3, 'read back before each tick');
  t.deepEqual(await service.list(), []);
  await service.stop();
});

test('a dormant job overwritten before it wakes fires the new version only', async (t) => {
  const { service, seen, advanceTo } = await setup();
  await service.schedule('later', { dueTime: new Date(T0 + 10 * MINUTE), data: 'v1' });
  await service.schedule('sooner', { dueTime: new Date(T0 + 10 * MINUTE), data: 'v1' });
  await advanceTo(T0 + MINUTE);
  await service.schedule('later', { dueTime: new Date(T0 + 20 * MINUTE), data: 'v2', overwrite: true });
  await service.schedule('sooner', { dueTime: new Date(T0 + 2 * MINUTE), data: 'v2', overwrite: true });
  await advanceTo(T0 + 30 * MINUTE);
  t.deepEqual(
    seen.map((s) => [s.name, s.at - T0, s.data]),
    [
      ['sooner', 2 * MINUTE, 'v2'],
      ['later', 20 * MINUTE, 'v2'],
    ],
  );
  await service.stop();
});

test('a dormant job deleted before it wakes never fires', async (t) => {
  const { service, kv, seen, advanceTo } = await setup();
  await service.schedule('gone', { dueTime: new Date(T0 + 10 * MINUTE) });
  await advanceTo(T0 + MINUTE);
  t.true(await service.delete('gone'));
  await advanceTo(T0 + 30 * MINUTE);
  t.deepEqual(seen, []);
  t.deepEqual(kv.reads, [], 'nothing left to read back');
  await service.stop();
});

test('changed while its record is read back, ahead of its watch event: the event decides', async (t) => {
  const { service, kv, seen, advanceTo, keyOf } = await setup();
  await service.schedule('changed', { dueTime: new Date(T0 + 10 * MINUTE), data: 'v1' });
  await service.schedule('deleted', { dueTime: new Date(T0 + 10 * MINUTE), data: 'v1' });
  // The store changes after the waker took the jobs and before it reads them, and the watch lags:
  // the read sees the new state before the replica has applied it.
  kv.beforeRead = async () => {
    kv.holdEvents();
    await service.schedule('changed', {
      dueTime: new Date(T0 + 10 * MINUTE + 5),
      data: 'v2',
      overwrite: true,
    });
    await service.delete('deleted');
  };
  await advanceTo(T0 + 10 * MINUTE + 1);
  t.true(kv.reads.includes(keyOf('changed')) && kv.reads.includes(keyOf('deleted')));
  t.deepEqual(seen, [], 'neither the old incarnation nor the read-back version fired');
  kv.releaseEvents();
  await advanceTo(T0 + 30 * MINUTE);
  t.deepEqual(
    seen.map((s) => [s.name, s.at - T0, s.data]),
    [['changed', 10 * MINUTE + 5, 'v2']],
  );
  await service.stop();
});

test('a failed read is retried a second later and the job still fires on time', async (t) => {
  const { service, kv, seen, warnings, advanceTo } = await setup();
  await service.schedule('flaky', { dueTime: new Date(T0 + 10 * MINUTE) });
  kv.failReads = 2;
  await advanceTo(T0 + 10 * MINUTE - HORIZON / 2 + 1_500);
  t.is(kv.reads.length, 2, 'the first read and one retry a second later');
  t.true(warnings.some((w) => w.message.includes('simulated outage')));
  await advanceTo(T0 + 11 * MINUTE);
  t.is(kv.reads.length, 3);
  t.deepEqual(
    seen.map((s) => s.at - T0),
    [10 * MINUTE],
  );
  await service.stop();
});

test('jobs being read back count as in flight, so a time-skipping clock waits for them', async (t) => {
  const { service, kv, clock, seen, flush, advanceTo } = await setup();
  await service.scheduleMany(
    ['a', 'b', 'c'].map((name) => ({ name, spec: { dueTime: new Date(T0 + 10 * MINUTE) } })),
  );
  let open: (() => void) | undefined;
  kv.gate = new Promise<void>((resolve) => (open = resolve));
  await advanceTo(T0 + 10 * MINUTE - HORIZON / 2);
  t.is(service.inFlight, 3);
  kv.gate = undefined;
  open?.();
  await flush();
  t.is(service.inFlight, 0);
  t.is(clock.nextDue(), T0 + 10 * MINUTE, 'armed for their tick');
  await advanceTo(T0 + 10 * MINUTE);
  t.is(seen.length, 3);
  await service.stop();
});

test('horizonMs must be at least a second', (t) => {
  const kv = new MemoryKv();
  for (const horizonMs of [0, 999, -1, Number.NaN]) {
    const error = t.throws(() => new TimerService({ kv, horizonMs }), { instanceOf: JobValidationError });
    t.is(error?.field, 'horizonMs');
    t.regex(error?.message ?? '', /horizonMs.*>= 1000/);
  }
  t.notThrows(() => new TimerService({ kv, horizonMs: Infinity }));
  t.notThrows(() => new TimerService({ kv, horizonMs: 1_000 }));
});
