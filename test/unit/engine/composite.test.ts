import test from 'ava';
import type { TaskFailedError } from '../../../src/engine/errors.js';
import type { Task } from '../../../src/engine/task.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, failure, HOUR, MINUTE, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness, withoutStacks } from '../../helpers/replay-harness.js';

async function* approveOrTimeout(ctx: WorkflowContext) {
  const approval = ctx.waitForExternalEvent('approval');
  const timeout = ctx.createTimer(ctx.getCurrentUtcDateTime().getTime() + 24 * HOUR);
  const winner = yield* ctx.whenAny([approval, timeout]);
  return winner === approval ? { approved: approval.result } : 'timed out';
}

test('whenAny of event vs timer: the event wins, then the late TimerFired changes nothing', async (t) => {
  const run = new ReplayHarness(approveOrTimeout);
  const first = await run.start();
  t.deepEqual(first.actions, [
    { type: 'CreateTimer', id: 1, fireAt: at(24 * HOUR), origin: { kind: 'user' } },
  ]);
  const approved = await run.stepAt(HOUR, ev.eventRaised('approval', 'yes'));
  t.deepEqual(approved.actions, [
    { type: 'CancelTimer', id: 1 },
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: { approved: 'yes' } },
  ]);
  const late = await run.stepAt(24 * HOUR, ev.timerFired(1, at(24 * HOUR)));
  t.deepEqual(late.actions, [], 'no second completion');
  t.deepEqual(late.newHistory, []);
  t.deepEqual(
    late.warnings.map((w) => w.code),
    ['after-completion'],
  );
  t.is(late.state.status, 'COMPLETED');
  t.deepEqual(late.state.output, { approved: 'yes' });
});

test('whenAny of event vs timer: the timer wins', async (t) => {
  const run = new ReplayHarness(approveOrTimeout);
  await run.start();
  const timedOut = await run.stepAt(24 * HOUR, ev.timerFired(1, at(24 * HOUR)));
  t.deepEqual(timedOut.actions, [
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'timed out' },
  ]);
});

test('a timer that fires after its whenAny was decided is accepted but resumes nothing', async (t) => {
  async function* keepsGoing(ctx: WorkflowContext) {
    const approval = ctx.waitForExternalEvent('approval');
    yield ctx.whenAny([approval, ctx.createTimer('1h')]);
    return yield* ctx.callActivity('ship');
  }
  const run = new ReplayHarness(keepsGoing);
  await run.start();
  const approved = await run.stepAt(MINUTE, ev.eventRaised('approval'));
  t.deepEqual(approved.actions, [{ type: 'ScheduleTask', id: 2, name: 'ship' }]);
  const late = await run.stepAt(HOUR, ev.timerFired(1, at(HOUR)));
  t.deepEqual(late.actions, []);
  t.deepEqual(
    late.warnings.map((w) => w.code),
    ['decided-timer'],
  );
  t.deepEqual(late.state.pendingTimers, {});
  const done = await run.stepAt(HOUR + 1, ev.taskCompleted(2, 'shipped'));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: 'shipped' }]);
});

async function* fanOut(ctx: WorkflowContext, count: number) {
  const tasks: Task<number>[] = [];
  for (let i = 0; i < count; i += 1) tasks.push(ctx.callActivity<number>('square', i));
  const results = (yield ctx.whenAll(tasks)) as number[];
  return results.reduce((sum, value) => sum + value, 0);
}

test('fan-out of 10 activities, fan-in after 4 and then all 10 complete', async (t) => {
  const count = 10;
  const run = new ReplayHarness(fanOut);
  const first = await run.start({ input: count });
  t.deepEqual(
    first.actions,
    Array.from({ length: count }, (_, i) => ({ type: 'ScheduleTask', id: i + 1, name: 'square', input: i })),
  );
  const squares = Array.from({ length: count }, (_, i) => i * i);
  // Out of order: completions are matched by sequence id, not arrival order.
  const partial = await run.stepAt(
    SECOND,
    ...[4, 1, 3, 2].map((id) => ev.taskCompleted(id, squares[id - 1])),
  );
  t.deepEqual(partial.actions, []);
  t.is(partial.status, 'RUNNING');
  t.deepEqual(Object.keys(partial.state.pendingTasks).map(Number), [5, 6, 7, 8, 9, 10]);
  const rest = await run.stepAt(
    2 * SECOND,
    ...[10, 5, 9, 6, 8, 7].map((id) => ev.taskCompleted(id, squares[id - 1])),
  );
  const total = squares.reduce((sum, value) => sum + value, 0);
  t.deepEqual(rest.actions, [
    { type: 'CompleteWorkflow', id: count + 1, status: 'COMPLETED', result: total },
  ]);
});

test('whenAll with one failure fails with it only after every task is done, keeping each result', async (t) => {
  let tasks: Task<string>[] = [];
  async function* allOrNothing(ctx: WorkflowContext) {
    tasks = ['a', 'b', 'c'].map((name) => ctx.callActivity<string>(name));
    try {
      yield ctx.whenAll(tasks);
      return 'all ok';
    } catch (error) {
      return {
        failedTask: (error as TaskFailedError).taskName,
        results: tasks.map((task) => task.result ?? null),
      };
    }
  }
  const run = new ReplayHarness(allOrNothing);
  await run.start();
  const afterFailure = await run.stepAt(
    SECOND,
    ev.taskFailed(2, failure('b broke')),
    ev.taskCompleted(1, 'A'),
  );
  t.deepEqual(afterFailure.actions, [], 'still waiting for c');
  const done = await run.stepAt(2 * SECOND, ev.taskCompleted(3, 'C'));
  t.deepEqual(done.actions, [
    {
      type: 'CompleteWorkflow',
      id: 4,
      status: 'COMPLETED',
      result: { failedTask: 'b', results: ['A', null, 'C'] },
    },
  ]);
});

test('an uncaught whenAll failure fails the instance with the first failure', async (t) => {
  async function* uncaught(ctx: WorkflowContext) {
    yield ctx.whenAll([ctx.callActivity('a'), ctx.callActivity('b')]);
  }
  const run = new ReplayHarness(uncaught);
  await run.start();
  const done = await run.stepAt(
    SECOND,
    ev.taskFailed(2, failure('second')),
    ev.taskFailed(1, failure('first')),
  );
  t.deepEqual(withoutStacks(done.actions), [
    {
      type: 'CompleteWorkflow',
      id: 3,
      status: 'FAILED',
      failureDetails: {
        errorType: 'TaskFailedError',
        message: 'activity "b" (task 2) failed: Error: second',
        stack: '<stack>',
      },
    },
  ]);
});

test('whenAny returns the winning task even when it failed', async (t) => {
  async function* race(ctx: WorkflowContext) {
    const slow = ctx.callActivity('slow');
    const fast = ctx.callActivity('fast');
    const winner = (yield ctx.whenAny([slow, fast])) as Task<unknown>;
    return { fast: winner === fast, failed: winner.isFailed, error: winner.error?.name };
  }
  const run = new ReplayHarness(race);
  await run.start();
  const done = await run.stepAt(SECOND, ev.taskFailed(2, failure('nope')));
  t.deepEqual(done.actions, [
    {
      type: 'CompleteWorkflow',
      id: 3,
      status: 'COMPLETED',
      result: { fast: true, failed: true, error: 'TaskFailedError' },
    },
  ]);
});

test('composites nest, and an empty whenAll completes at once', async (t) => {
  async function* nested(ctx: WorkflowContext) {
    const empty = (yield ctx.whenAll([])) as unknown[];
    const pair = ctx.whenAll([ctx.callActivity('x'), ctx.callActivity('y')]);
    const winner = yield* ctx.whenAny([pair, ctx.createTimer('1m')]);
    return { empty, pairWon: winner === pair, results: pair.result ?? null };
  }
  const run = new ReplayHarness(nested);
  const first = await run.start();
  t.deepEqual(
    first.actions.map((a) => a.type),
    ['ScheduleTask', 'ScheduleTask', 'CreateTimer'],
  );
  const done = await run.stepAt(SECOND, ev.taskCompleted(1, 'X'), ev.taskCompleted(2, 'Y'));
  t.deepEqual(done.actions, [
    { type: 'CancelTimer', id: 3 },
    {
      type: 'CompleteWorkflow',
      id: 4,
      status: 'COMPLETED',
      result: { empty: [], pairWon: true, results: ['X', 'Y'] },
    },
  ]);
});
