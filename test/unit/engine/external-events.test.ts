import test from 'ava';
import { TaskCanceledError } from '../../../src/engine/errors.js';
import { execute } from '../../../src/engine/executor.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, HOUR, MINUTE, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

async function* approval(ctx: WorkflowContext) {
  yield ctx.callActivity('prepare');
  const decision = (yield ctx.waitForExternalEvent('approval')) as { ok: boolean };
  return decision.ok ? 'approved' : 'rejected';
}

test('an event raised after the wait began resumes the workflow', async (t) => {
  const run = new ReplayHarness(approval);
  await run.start();
  const waiting = await run.stepAt(SECOND, ev.taskCompleted(1));
  t.deepEqual(waiting.actions, []);
  t.is(waiting.status, 'RUNNING');
  const done = await run.stepAt(MINUTE, ev.eventRaised('approval', { ok: true }));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'approved' }]);
});

test('an event raised before the wait is buffered and consumed when the wait starts', async (t) => {
  const run = new ReplayHarness(approval);
  await run.start();
  const early = await run.stepAt(SECOND, ev.eventRaised('APPROVAL', { ok: false }));
  t.deepEqual(early.actions, []);
  t.deepEqual(
    early.newHistory.map((e) => e.type),
    ['OrchestratorStarted', 'EventRaised'],
  );
  const done = await run.stepAt(2 * SECOND, ev.taskCompleted(1));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'rejected' }]);
});

test('events A, B and C raised back to back are each delivered to their own wait', async (t) => {
  async function* abc(ctx: WorkflowContext) {
    const a = yield* ctx.waitForExternalEvent('A');
    const b = yield* ctx.waitForExternalEvent('B');
    const c = yield* ctx.waitForExternalEvent('C');
    return [a, b, c];
  }
  const run = new ReplayHarness(abc);
  await run.start();
  const done = await run.stepAt(
    SECOND,
    ev.eventRaised('C', 3, at(SECOND)),
    ev.eventRaised('A', 1, at(SECOND)),
    ev.eventRaised('B', 2, at(SECOND)),
  );
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: [1, 2, 3] }]);
});

test('events with the same name are consumed first in, first out', async (t) => {
  async function* collect(ctx: WorkflowContext, count: number) {
    const items: unknown[] = [];
    for (let i = 0; i < count; i += 1) items.push(yield ctx.waitForExternalEvent('item'));
    return items;
  }
  const run = new ReplayHarness(collect);
  await run.start({ input: 3 }, ev.eventRaised('item', 'first'));
  const done = await run.stepAt(SECOND, ev.eventRaised('item', 'second'), ev.eventRaised('item', 'third'));
  t.deepEqual(done.actions, [
    { type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: ['first', 'second', 'third'] },
  ]);
});

async function* withTimeout(ctx: WorkflowContext) {
  try {
    return yield* ctx.waitForExternalEvent('payment', { timeout: '1h' });
  } catch (error) {
    if (error instanceof TaskCanceledError) return `gave up: ${error.message}`;
    throw error;
  }
}

test('a wait with a timeout creates a timer; the event winning cancels it', async (t) => {
  const run = new ReplayHarness(withTimeout);
  const first = await run.start();
  t.deepEqual(first.actions, [
    {
      type: 'CreateTimer',
      id: 1,
      fireAt: at(HOUR),
      origin: { kind: 'externalEventTimeout', eventName: 'payment' },
    },
  ]);
  const paid = await run.stepAt(MINUTE, ev.eventRaised('payment', 99));
  t.deepEqual(paid.actions, [
    { type: 'CancelTimer', id: 1 },
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 99 },
  ]);
  const late = await run.stepAt(HOUR, ev.timerFired(1, at(HOUR)));
  t.deepEqual(late.actions, []);
  t.deepEqual(
    late.warnings.map((w) => w.code),
    ['after-completion'],
  );
});

test('a wait with a timeout fails with TaskCanceledError when the timer wins', async (t) => {
  const run = new ReplayHarness(withTimeout);
  await run.start();
  const timedOut = await run.stepAt(HOUR, ev.timerFired(1, at(HOUR)));
  t.deepEqual(timedOut.actions, [
    {
      type: 'CompleteWorkflow',
      id: 2,
      status: 'COMPLETED',
      result: 'gave up: timed out waiting for external event "payment"',
    },
  ]);
  t.deepEqual(timedOut.state.pendingTimers, {});
});

test('after a timed-out wait, a later event is buffered for the next wait', async (t) => {
  async function* retryWait(ctx: WorkflowContext) {
    try {
      yield ctx.waitForExternalEvent('ping', { timeout: 60 });
    } catch {
      // timed out: wait again, without a timeout
    }
    return yield* ctx.waitForExternalEvent('ping');
  }
  const run = new ReplayHarness(retryWait);
  await run.start();
  await run.stepAt(MINUTE, ev.timerFired(1, at(MINUTE)));
  const done = await run.stepAt(2 * MINUTE, ev.eventRaised('ping', 'pong'));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'pong' }]);
});

test('a buffered event satisfies a wait with a timeout without creating a timer', async (t) => {
  async function* prepareThenWait(ctx: WorkflowContext) {
    yield ctx.callActivity('prepare');
    return yield* ctx.waitForExternalEvent('payment', { timeout: '1h' });
  }
  const run = new ReplayHarness(prepareThenWait);
  await run.start();
  await run.stepAt(SECOND, ev.eventRaised('payment', 'early'));
  const done = await run.stepAt(2 * SECOND, ev.taskCompleted(1));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'early' }]);
});

test('an event arriving in the step that started the wait drops the uncommitted timeout timer', async (t) => {
  const run = new ReplayHarness(withTimeout);
  const first = await run.start({}, ev.eventRaised('payment', 'same step'));
  // Timer 1 was created and made obsolete within one step: neither CreateTimer nor CancelTimer.
  t.deepEqual(first.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'same step' }]);
  t.deepEqual(first.state.pendingTimers, {});
});

test('pendingEvents counts raised events no wait has taken yet, and drops as waits take them', async (t) => {
  const run = new ReplayHarness(approval);
  await run.start();
  const two = await run.stepAt(SECOND, ev.eventRaised('approval', { ok: true }), ev.eventRaised('other', 1));
  t.is(two.pendingEvents, 2);
  const taken = await run.stepAt(2 * SECOND, ev.taskCompleted(1));
  t.is(taken.status, 'COMPLETED');
  t.is(taken.pendingEvents, 1);
});

test('a wait timeout takes what createTimer takes: seconds, epoch ms, a Date, Go and ISO 8601 durations', async (t) => {
  async function* waits(ctx: WorkflowContext) {
    const now = ctx.getCurrentUtcDateTime().getTime();
    for (const timeout of [90, now + HOUR, new Date(now + MINUTE), '1h30m', 'PT45S', 'P1D']) {
      ctx.waitForExternalEvent(`e${String(timeout)}`, { timeout });
    }
    yield ctx.createTimer('1s');
  }
  const result = await execute(waits, [], startEvents());
  t.deepEqual(
    result.actions.map((a) => (a.type === 'CreateTimer' ? a.fireAt.getTime() - at().getTime() : a.type)),
    [90 * SECOND, HOUR, MINUTE, 90 * MINUTE, 45 * SECOND, 24 * HOUR, SECOND],
  );
});
