/**
 * The per-instance activity fallback: when a step arms it (fallbackArmOps), what a fired one
 * decides (planFallback), and what its handler does against a store (onActivityFallback, on a
 * MemoryKv with a fake clock).
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { GroupCommit } from '../../../src/etcd/group-commit.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import type { StoreOp } from '../../../src/etcd/store-op.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { serializeEvent, serializeHistory } from '../../../src/history/serialize.js';
import { WorkflowRuntimeStatus } from '../../../src/history/status.js';
import { fallbackArmOps, planFallback } from '../../../src/runtime/activities/activity-fallback.js';
import type { ActivityCall } from '../../../src/runtime/activities/activity-runner.js';
import { onActivityFallback } from '../../../src/runtime/activities/fallback-handler.js';
import { instanceKeys } from '../../../src/runtime/instances/instance-keys.js';
import type { InstanceRecord } from '../../../src/runtime/instances/instance-record.js';
import { InstanceStore } from '../../../src/runtime/instances/instance-store.js';
import type { ReminderPort, ReminderSpec } from '../../../src/runtime/reminders/reminder-port.js';
import type { StepContext } from '../../../src/runtime/reminders/reminder-ops.js';

const DELAY = 30_000;
const T0 = Date.UTC(2026, 0, 1);
const self = { r: 'me', n: 'now' };

/** putJobOps as a plain put of the spec, so tests read back what was armed. */
const reminders = {
  putJobOps: (name: string, spec: ReminderSpec): StoreOp[] => [
    { op: 'put', key: `jobs/${name}`, value: JSON.stringify(spec) },
  ],
  members: () => ['me', 'peer'],
} as const;

function record(fields: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    instanceId: 'order-1',
    name: 'order',
    status: WorkflowRuntimeStatus.RUNNING,
    generation: 0,
    createdAt: T0,
    lastUpdatedAt: T0,
    chunks: 0,
    tailEvents: 0,
    events: 0,
    ...fields,
  };
}

function ctx(now: number, runner = self): StepContext {
  return {
    keys: instanceKeys('default', 'app'),
    reminders: reminders as unknown as ReminderPort,
    now: new Date(now),
    runner,
  };
}

test('arm: the first step with in-process activities arms the fallback and marks the record', (t) => {
  const next = record();
  const ops = fallbackArmOps(ctx(T0), record(), next, DELAY);
  t.is(ops.length, 1);
  const op = ops[0];
  t.is(op?.op, 'put');
  const spec = JSON.parse(op?.op === 'put' ? op.value : '{}') as ReminderSpec & { dueTime: string };
  t.is(Date.parse(spec.dueTime), T0 + DELAY);
  t.is(spec.target, 'wf-fallback');
  t.deepEqual(spec.data, { i: 'order-1', g: 0, d: DELAY, r: 'me', n: 'now' });
  t.deepEqual(next.fallback, { due: T0 + DELAY, r: 'me', n: 'now' });
});

test('arm: later steps leave a mark that holds; one due within half a delay is re-armed', (t) => {
  const armed = record({ fallback: { due: T0 + DELAY, r: 'me', n: 'now' } });
  const holds = record(armed);
  t.deepEqual(fallbackArmOps(ctx(T0 + DELAY / 2), armed, holds, DELAY), [], 'exactly half a delay left');
  t.deepEqual(holds.fallback, armed.fallback);
  const late = record(armed);
  t.is(fallbackArmOps(ctx(T0 + DELAY / 2 + 1), armed, late, DELAY).length, 1);
  t.is(late.fallback?.due, T0 + DELAY / 2 + 1 + DELAY);
});

test('arm: a mark naming another replica, or an earlier incarnation, is re-armed for this one', (t) => {
  const armed = record({ fallback: { due: T0 + DELAY, r: 'me', n: 'now' } });
  for (const runner of [
    { r: 'peer', n: 'now' },
    { r: 'me', n: 'later' },
  ]) {
    const next = record(armed);
    t.is(fallbackArmOps(ctx(T0, runner), armed, next, DELAY).length, 1);
    t.deepEqual(next.fallback, { due: T0 + DELAY, ...runner });
  }
});

const options = (fields: { now?: number; orphaned?: boolean; here?: number[] } = {}) => ({
  now: fields.now ?? T0 + DELAY,
  delayMs: DELAY,
  orphaned: fields.orphaned ?? false,
  runningHere: (eventId: number) => (fields.here ?? []).includes(eventId),
});

test('plan: nothing pending lets the fallback go', (t) => {
  t.deepEqual(planFallback([], options()), { rerun: [], nextDue: undefined });
});

test('plan: an activity running here is looked at again a delay later, never run twice', (t) => {
  const plan = planFallback([{ eventId: 1, scheduledAt: T0 }], options({ here: [1], orphaned: true }));
  t.deepEqual(plan, { rerun: [], nextDue: T0 + 2 * DELAY });
});

test('plan: an activity not running here runs again once it is a delay old, and not a moment sooner', (t) => {
  const pending = [{ eventId: 1, scheduledAt: T0 }];
  t.deepEqual(planFallback(pending, options({ now: T0 + DELAY - 1 })), { rerun: [], nextDue: T0 + DELAY });
  t.deepEqual(planFallback(pending, options({ now: T0 + DELAY })), { rerun: [1], nextDue: T0 + 2 * DELAY });
});

test('plan: a younger activity re-arms the fallback for its own due time', (t) => {
  const plan = planFallback(
    [
      { eventId: 1, scheduledAt: T0 },
      { eventId: 2, scheduledAt: T0 + 10_000 },
    ],
    options(),
  );
  t.deepEqual(plan, { rerun: [1], nextDue: T0 + DELAY + 10_000 });
});

test('plan: when the runner is gone, every pending activity not running here runs at once', (t) => {
  const plan = planFallback(
    [
      { eventId: 1, scheduledAt: T0 + DELAY - 5 },
      { eventId: 2, scheduledAt: T0 + DELAY - 1 },
      { eventId: 3, scheduledAt: T0 },
    ],
    options({ orphaned: true, here: [3] }),
  );
  t.deepEqual(plan, { rerun: [1, 2], nextDue: T0 + 2 * DELAY });
});

/** A store holding one running instance whose history scheduled activities 1 and 2 and completed 1. */
async function storeWith(history: HistoryEvent[], fields: Partial<InstanceRecord> = {}) {
  const kv = new MemoryKv();
  const keys = instanceKeys('default', 'app');
  const store = new InstanceStore(kv, keys);
  await kv.txn(
    [],
    [
      { op: 'put', key: keys.record('order-1'), value: JSON.stringify(record({ chunks: 1, ...fields })) },
      { op: 'put', key: keys.historyChunk('order-1', 0), value: serializeHistory(history) },
    ],
  );
  return { kv, store, commit: new GroupCommit(kv) };
}

const at = (ms: number) => new Date(T0 + ms);
const history: HistoryEvent[] = [
  { type: 'OrchestratorStarted', timestamp: at(0) },
  { type: 'ExecutionStarted', timestamp: at(0), instanceId: 'order-1', name: 'order', generation: 0 },
  { type: 'TaskScheduled', timestamp: at(0), eventId: 1, name: 'charge', input: { cents: 5 } },
  { type: 'TaskScheduled', timestamp: at(0), eventId: 2, name: 'ship', input: 'box', attempt: 2 },
  { type: 'OrchestratorStarted', timestamp: at(10) },
  { type: 'TaskCompleted', timestamp: at(10), eventId: 1, result: 'ok' },
  { type: 'TaskScheduled', timestamp: at(20_000), eventId: 3, name: 'notify' },
];

function handlerDeps(
  world: Awaited<ReturnType<typeof storeWith>>,
  clock: FakeClock,
  fields: { members?: string[]; here?: number[] } = {},
) {
  const started: ActivityCall[] = [];
  return {
    started,
    deps: {
      store: world.store,
      commit: world.commit,
      reminders: { ...reminders, members: () => fields.members ?? ['me', 'peer'] },
      clock,
      self,
      cachedState: () => undefined,
      isRunning: (_id: string, _g: number, eventId: number) => (fields.here ?? []).includes(eventId),
      startLocal: (call: ActivityCall) => started.push(call),
    },
  };
}

async function armedDue(kv: MemoryKv): Promise<{ due: number; data: unknown } | undefined> {
  const entry = await kv.get('jobs/wf~order-1~fallback');
  if (!entry) return undefined;
  const spec = JSON.parse(entry.value) as { dueTime: string; data: unknown };
  return { due: Date.parse(spec.dueTime), data: spec.data };
}

/** A fallback armed by replica `peer` with a 30 s delay. */
const PEERS_FALLBACK = { i: 'order-1', g: 0, d: DELAY, r: 'peer', n: 'x' };

test('handler: runs again from history what is a delay old and not running here, and re-arms', async (t) => {
  const world = await storeWith(history);
  const { deps, started } = handlerDeps(world, new FakeClock(T0 + DELAY));
  const outcome = await onActivityFallback(deps, 'order-1', PEERS_FALLBACK);
  t.deepEqual(outcome, { rerun: 1, orphaned: false });
  t.deepEqual(started, [
    { instanceId: 'order-1', generation: 0, eventId: 2, name: 'ship', input: 'box', attempt: 2 },
  ]);
  // Activity 3 (10 s old) is looked at when it is a delay old; the re-run names this replica.
  t.deepEqual(await armedDue(world.kv), {
    due: T0 + 20_000 + DELAY,
    data: { i: 'order-1', g: 0, d: DELAY, r: 'me', n: 'now' },
  });
});

test('handler: a runner gone from the members gets every pending activity run at once', async (t) => {
  const world = await storeWith(history);
  const { deps, started } = handlerDeps(world, new FakeClock(T0 + 21_000), { members: ['me'] });
  const outcome = await onActivityFallback(deps, 'order-1', PEERS_FALLBACK);
  t.deepEqual(outcome, { rerun: 2, orphaned: true });
  t.deepEqual(
    started.map((c) => c.name),
    ['ship', 'notify'],
  );
});

test('handler: activities running here and young ones only re-arm it, keeping its runner', async (t) => {
  const world = await storeWith(history);
  const { deps, started } = handlerDeps(world, new FakeClock(T0 + DELAY), { here: [2] });
  const outcome = await onActivityFallback(deps, 'order-1', PEERS_FALLBACK);
  t.deepEqual(outcome, { rerun: 0, orphaned: false });
  t.deepEqual(started, []);
  t.deepEqual(await armedDue(world.kv), {
    due: T0 + DELAY + 20_000,
    data: PEERS_FALLBACK,
  });
});

test('handler: a finished or missing instance, or one with nothing pending, lets the fallback go', async (t) => {
  const done = await storeWith(history, { status: WorkflowRuntimeStatus.COMPLETED });
  const clock = new FakeClock(T0 + 2 * DELAY);
  t.deepEqual(await onActivityFallback(handlerDeps(done, clock).deps, 'order-1', { i: 'order-1' }), {
    rerun: 0,
    orphaned: false,
  });
  t.is(await armedDue(done.kv), undefined);
  const settled = await storeWith([
    ...history,
    { type: 'TaskCompleted', timestamp: at(20_010), eventId: 2 },
    {
      type: 'TaskFailed',
      timestamp: at(20_020),
      eventId: 3,
      failureDetails: { errorType: 'E', message: 'm' },
    },
  ]);
  const { deps, started } = handlerDeps(settled, clock);
  t.deepEqual(await onActivityFallback(deps, 'order-1', { i: 'order-1' }), { rerun: 0, orphaned: false });
  t.deepEqual(started, []);
  t.is(await armedDue(settled.kv), undefined);
  const missing = handlerDeps(
    { ...settled, store: new InstanceStore(new MemoryKv(), instanceKeys('default', 'x')) },
    clock,
  );
  t.deepEqual(await onActivityFallback(missing.deps, 'order-1', { i: 'order-1' }), {
    rerun: 0,
    orphaned: false,
  });
});

test('handler: a fallback that does not say its delay uses 30 s', async (t) => {
  const world = await storeWith(history);
  const { deps, started } = handlerDeps(world, new FakeClock(T0 + 29_999));
  await onActivityFallback(deps, 'order-1', { i: 'order-1', d: 'soon' });
  t.deepEqual(started, [], 'not a delay old yet');
  t.is((await armedDue(world.kv))?.due, T0 + 30_000);
});

test('handler: outcomes a stalled step left in the inbox are done; it does not run them again', async (t) => {
  const world = await storeWith(history);
  const keys = instanceKeys('default', 'app');
  await world.kv.txn(
    [],
    [
      {
        op: 'put',
        key: keys.inboxMessage('order-1', 'stall~1'),
        value: serializeEvent({ type: 'TaskCompleted', timestamp: at(15), eventId: 2, result: 'sent' }),
      },
    ],
  );
  const { deps, started } = handlerDeps(world, new FakeClock(T0 + DELAY));
  t.deepEqual(await onActivityFallback(deps, 'order-1', { i: 'order-1', d: DELAY }), {
    rerun: 0,
    orphaned: false,
  });
  t.deepEqual(started, []);
  t.is((await armedDue(world.kv))?.due, T0 + 20_000 + DELAY, 'activity 3 is still guarded');
});
