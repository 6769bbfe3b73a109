import test from 'ava';
import { execute } from '../../../src/engine/executor.js';
import type { TimerTask } from '../../../src/engine/timer-task.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, HOUR, MINUTE, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

async function* sleeper(ctx: WorkflowContext, seconds: number) {
  yield ctx.createTimer(seconds);
  return `slept ${seconds}s`;
}

test('one timer: CreateTimer first, TimerFired on replay completes', async (t) => {
  const run = new ReplayHarness(sleeper);
  const first = await run.start({ input: 30 });
  t.deepEqual(first.actions, [
    { type: 'CreateTimer', id: 1, fireAt: at(30 * SECOND), origin: { kind: 'user' } },
  ]);
  t.deepEqual(first.state.pendingTimers, {
    1: { fireAt: at(30 * SECOND), origin: { kind: 'user' }, createdAt: at() },
  });
  const fired = await run.stepAt(31 * SECOND, ev.timerFired(1, at(30 * SECOND), at(31 * SECOND)));
  t.deepEqual(fired.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'slept 30s' }]);
  t.deepEqual(fired.state.pendingTimers, {});
  t.deepEqual(fired.state.completedAt, at(31 * SECOND));
});

test('the same history replayed from scratch gives the same completion', async (t) => {
  const history = [
    ...startEvents({ input: 5 }),
    ev.timerCreated(1, at(5 * SECOND)),
    ev.orchestratorStarted(at(6 * SECOND)),
  ];
  const result = await execute(sleeper, history, [ev.timerFired(1, at(5 * SECOND), at(6 * SECOND))]);
  t.deepEqual(result.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'slept 5s' }]);
});

test('createTimer accepts a Date, seconds, epoch milliseconds and duration strings', async (t) => {
  const deadline = at(2 * HOUR);
  async function* forms(ctx: WorkflowContext) {
    ctx.createTimer(deadline);
    ctx.createTimer(90);
    ctx.createTimer(ctx.getCurrentUtcDateTime().getTime() + 24 * HOUR);
    ctx.createTimer('1h30m');
    ctx.createTimer('1.5s');
    ctx.createTimer('250ms');
    ctx.createTimer('PT1H30M');
    ctx.createTimer('P1DT2H');
    ctx.createTimer(0.5);
    yield ctx.createTimer('0');
  }
  const result = await execute(forms, [], startEvents());
  t.deepEqual(
    result.actions.map((a) => (a.type === 'CreateTimer' ? a.fireAt.getTime() - at().getTime() : a.type)),
    [2 * HOUR, 90 * SECOND, 24 * HOUR, 90 * MINUTE, 1500, 250, 90 * MINUTE, 26 * HOUR, 500, 0],
  );
});

test('cancelling a timer created in an earlier step emits CancelTimer and fails the task', async (t) => {
  async function* cancels(ctx: WorkflowContext) {
    const timer = ctx.createTimer('1h');
    yield ctx.callActivity('work');
    const cancelled = timer.cancel();
    const again = timer.cancel();
    try {
      yield timer;
      return 'fired';
    } catch (error) {
      return { cancelled, again, error: (error as Error).name, isCancelled: timer.isCancelled };
    }
  }
  const run = new ReplayHarness(cancels);
  const first = await run.start();
  t.deepEqual(
    first.actions.map((a) => a.type),
    ['CreateTimer', 'ScheduleTask'],
  );
  const second = await run.stepAt(SECOND, ev.taskCompleted(2));
  t.deepEqual(second.actions, [
    { type: 'CancelTimer', id: 1 },
    {
      type: 'CompleteWorkflow',
      id: 3,
      status: 'COMPLETED',
      result: { cancelled: true, again: false, error: 'TaskCanceledError', isCancelled: true },
    },
  ]);
  t.like(second.newHistory[2], { type: 'TimerCancelled', eventId: 1 });
  t.deepEqual(second.state.pendingTimers, {});
});

test('a timer created and cancelled within one step produces no action at all', async (t) => {
  let timer: TimerTask | undefined;
  async function* flip(ctx: WorkflowContext) {
    timer = ctx.createTimer('1h');
    timer.cancel();
    yield ctx.callActivity('next');
  }
  const run = new ReplayHarness(flip);
  const result = await run.start();
  t.deepEqual(result.actions, [{ type: 'ScheduleTask', id: 2, name: 'next' }]);
  t.true(timer?.isCancelled);
  t.deepEqual(result.state.pendingTimers, {});
});

test('a TimerFired for a cancelled timer is ignored and reported once', async (t) => {
  async function* cancelLater(ctx: WorkflowContext) {
    const timer = ctx.createTimer('1m');
    yield ctx.callActivity('a');
    timer.cancel();
    yield ctx.callActivity('b');
    return 'done';
  }
  const run = new ReplayHarness(cancelLater);
  await run.start();
  await run.stepAt(SECOND, ev.taskCompleted(2));
  const late = await run.stepAt(MINUTE, ev.timerFired(1, at(MINUTE)));
  t.deepEqual(late.actions, []);
  t.deepEqual(
    late.warnings.map((w) => w.code),
    ['fired-after-cancel'],
  );
  t.deepEqual(
    late.newHistory.map((e) => e.type),
    ['OrchestratorStarted'],
  );
  const done = await run.stepAt(2 * MINUTE, ev.taskCompleted(3));
  t.deepEqual(done.warnings, []);
  t.is(done.status, 'COMPLETED');
});

test('completing the instance cancels every timer still pending', async (t) => {
  async function* leaves(ctx: WorkflowContext) {
    ctx.createTimer('1h');
    ctx.createTimer('2h');
    yield ctx.callActivity('a');
    ctx.createTimer('3h');
    return 'bye';
  }
  const run = new ReplayHarness(leaves);
  await run.start();
  const done = await run.stepAt(SECOND, ev.taskCompleted(3));
  // Timers 1 and 2 exist as reminder-jobs; timer 4 was never committed, so it is just dropped.
  t.deepEqual(done.actions, [
    { type: 'CancelTimer', id: 1 },
    { type: 'CancelTimer', id: 2 },
    { type: 'CompleteWorkflow', id: 5, status: 'COMPLETED', result: 'bye' },
  ]);
  t.deepEqual(done.state.pendingTimers, {});
});
