/**
 * Limits with clear errors (issue 7). Job data over the configured size is refused by the timer
 * service with a JobValidationError and nothing is stored; a history over `maxHistoryEvents` fails
 * its instance with a continueAsNew hint; raising events past `maxPendingEvents` is refused with a
 * WorkflowLimitError.
 */
import test, { type ExecutionContext } from 'ava';
import { FakeClock } from '../../src/common/fake-clock.js';
import {
  JobValidationError,
  MemoryKv,
  TimerService,
  WorkflowClient,
  WorkflowLimitError,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  WorkflowValidationError,
  type WorkflowContext,
  type WorkflowRuntimeOptions,
} from '../../src/index.js';

const clock = new FakeClock();

test('job data over maxDataBytes: JobValidationError naming data, size and limit; nothing stored', async (t) => {
  const service = new TimerService({ kv: new MemoryKv({ clock }), clock, maxDataBytes: 100 });
  const fits = 'x'.repeat(98); // 100 bytes as JSON, quotes included
  await service.schedule('fits', { dueTime: '1h', data: fits });
  const error = await t.throwsAsync(service.schedule('too-big', { dueTime: '1h', data: `${fits}y` }), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'data');
  t.is(error?.value, '101 bytes');
  t.regex(error?.allowed ?? '', /at most 100 bytes/);
  t.deepEqual(
    (await service.list()).map((j) => j.name),
    ['fits'],
  );
  // scheduleMany validates everything first: one oversized job stores none of the batch.
  await t.throwsAsync(
    service.scheduleMany([
      { name: 'batch-ok', spec: { dueTime: '1h' } },
      { name: 'batch-big', spec: { dueTime: '1h', data: { blob: 'z'.repeat(200) } } },
    ]),
    { instanceOf: JobValidationError },
  );
  t.deepEqual(
    (await service.list()).map((j) => j.name),
    ['fits'],
  );
});

test('the default data limit is 1 MiB', async (t) => {
  const service = new TimerService({ kv: new MemoryKv({ clock }), clock });
  const mib = 1024 * 1024;
  await service.schedule('one-mib', { dueTime: '1h', data: 'a'.repeat(mib - 2) });
  const error = await t.throwsAsync(service.schedule('over', { dueTime: '1h', data: 'a'.repeat(mib - 1) }), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'data');
});

/** A runtime on the in-memory store with options the runtime may not know yet (hence the wider type). */
async function runtimeWith(
  t: ExecutionContext,
  extra: Record<string, number>,
  register: (runtime: WorkflowRuntime) => void,
): Promise<WorkflowClient> {
  const kv = new MemoryKv();
  const options: WorkflowRuntimeOptions = {
    kv,
    appId: 'limits',
    partitions: 1,
    leaseTtlSeconds: 2,
    ...extra,
  };
  const runtime = new WorkflowRuntime(options);
  register(runtime);
  const client = new WorkflowClient({ kv, appId: 'limits', partitions: 1, ...extra });
  t.teardown(async () => {
    await runtime.stop();
    await client.close();
  });
  await runtime.start();
  return client;
}

async function* waitsForever(ctx: WorkflowContext) {
  yield ctx.waitForExternalEvent('never-raised');
}

// The client's `maxPendingEvents` bounds events an instance holds unconsumed (buffered by the
// workflow plus still in its inbox).
test('more pending events than maxPendingEvents: raiseEvent is refused with a clear error', async (t) => {
  const client = await runtimeWith(t, { maxPendingEvents: 5 }, (r) => r.registerWorkflow(waitsForever));
  const id = await client.scheduleNewWorkflow(waitsForever, undefined, 'inbox-1');
  await client.waitForWorkflowStart(id, false, 10);
  for (let i = 0; i < 5; i++) await client.raiseEvent(id, `other-${i}`, i);
  const error = await t.throwsAsync(client.raiseEvent(id, 'other-5', 5));
  t.regex(error?.message ?? '', /pending events/i);
  t.regex(error?.message ?? '', /\b5\b/);
});

async function* countsForever(ctx: WorkflowContext) {
  for (let i = 0; ; i++) yield ctx.createTimer(0);
}

// The runtime's `maxHistoryEvents` (default 50,000) stops an endless loop before etcd's request or
// quota limits would.
test('history over maxHistoryEvents: the instance fails with a continueAsNew hint', async (t) => {
  const client = await runtimeWith(t, { maxHistoryEvents: 50 }, (r) => r.registerWorkflow(countsForever));
  const id = await client.scheduleNewWorkflow(countsForever, undefined, 'long-1');
  // With the limit this fails within milliseconds; without it the history passes 20k events in 5 s.
  const state = await client.waitForWorkflowCompletion(id, true, 5);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.regex(state.workflowFailureDetails?.message ?? '', /continueAsNew/);
  t.regex(state.workflowFailureDetails?.message ?? '', /\b50\b/);
});

// The client's `maxPendingEventBytes` bounds the data of those events as well as their count.
test('pending event data over maxPendingEventBytes: raiseEvent is refused, nothing stored', async (t) => {
  const client = await runtimeWith(t, { maxPendingEventBytes: 1000 }, (r) =>
    r.registerWorkflow(waitsForever),
  );
  const id = await client.scheduleNewWorkflow(waitsForever, undefined, 'bytes-1');
  await client.waitForWorkflowStart(id, false, 10);
  // 5 x 200 bytes: exactly the limit, still accepted.
  for (let i = 0; i < 5; i++) await client.raiseEvent(id, `other-${i}`, 'x'.repeat(198));
  const error = await t.throwsAsync(client.raiseEvent(id, 'too-much', 'y'.repeat(198)), {
    instanceOf: WorkflowLimitError,
  });
  t.is(error?.limit, 'maxPendingEventBytes');
  t.is(error?.value, 1000);
  t.is(error?.allowed, 1000);
  t.regex(error?.message ?? '', /200 bytes would pass it; nothing was raised/);
  // An event without data still fits.
  await client.raiseEvent(id, 'no-data');
  const raised = (await client.getWorkflowHistory(id)).filter((e) => e.type === 'EventRaised');
  t.false(raised.some((e) => e.type === 'EventRaised' && e.name === 'too-much'));
});

test('maxPayloadBytes and maxPendingEventBytes options are checked when the client is built', (t) => {
  const kv = new MemoryKv();
  for (const maxPayloadBytes of [0, 1.5, 2 * 1024 * 1024]) {
    const error = t.throws(() => new WorkflowClient({ kv, maxPayloadBytes }), {
      instanceOf: WorkflowValidationError,
    });
    t.is(error?.field, 'maxPayloadBytes');
  }
  const error = t.throws(() => new WorkflowClient({ kv, maxPendingEventBytes: -1 }), {
    instanceOf: WorkflowValidationError,
  });
  t.is(error?.field, 'maxPendingEventBytes');
  t.throws(() => new WorkflowRuntime({ kv, maxPayloadBytes: 0 }), { instanceOf: WorkflowValidationError });
});
