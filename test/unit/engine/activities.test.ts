import test from 'ava';
import { TaskFailedError } from '../../../src/engine/errors.js';
import { execute } from '../../../src/engine/executor.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { ev, failure, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness, withoutStacks } from '../../helpers/replay-harness.js';

async function chargeCard(amount: number): Promise<string> {
  return `charged ${amount}`;
}

test('an activity passed as a function is scheduled under its name and its result returned', async (t) => {
  async function* pay(ctx: WorkflowContext, amount: number) {
    const receipt = (yield ctx.callActivity(chargeCard, amount)) as string;
    return receipt.toUpperCase();
  }
  const run = new ReplayHarness(pay);
  const first = await run.start({ input: 12 });
  t.deepEqual(first.actions, [{ type: 'ScheduleTask', id: 1, name: 'chargeCard', input: 12 }]);
  t.deepEqual(first.state.pendingTasks, {
    1: { kind: 'activity', name: 'chargeCard', scheduledAt: first.state.createdAt },
  });
  const done = await run.stepAt(SECOND, ev.taskCompleted(1, await chargeCard(12)));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'CHARGED 12' }]);
});

test('an activity failure surfaces as a catchable TaskFailedError with the details', async (t) => {
  async function* careful(ctx: WorkflowContext) {
    try {
      yield ctx.callActivity('flaky', 'x');
      return 'ok';
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      return {
        kind: error.taskKind,
        name: error.taskName,
        id: error.taskId,
        details: error.details,
        message: error.message,
      };
    }
  }
  const run = new ReplayHarness(careful);
  await run.start();
  const details = failure('disk full', 'IOError');
  const done = await run.stepAt(SECOND, ev.taskFailed(1, details));
  t.deepEqual(done.actions, [
    {
      type: 'CompleteWorkflow',
      id: 2,
      status: 'COMPLETED',
      result: {
        kind: 'activity',
        name: 'flaky',
        id: 1,
        details,
        message: 'activity "flaky" (task 1) failed: IOError: disk full',
      },
    },
  ]);
});

test('an uncaught activity failure fails the instance', async (t) => {
  async function* careless(ctx: WorkflowContext) {
    yield ctx.callActivity('flaky');
  }
  const run = new ReplayHarness(careless);
  await run.start();
  const done = await run.stepAt(SECOND, ev.taskFailed(1, failure('boom')));
  t.deepEqual(withoutStacks(done.actions), [
    {
      type: 'CompleteWorkflow',
      id: 2,
      status: 'FAILED',
      failureDetails: {
        errorType: 'TaskFailedError',
        message: 'activity "flaky" (task 1) failed: Error: boom',
        stack: '<stack>',
      },
    },
  ]);
  t.is(done.state.status, 'FAILED');
  t.deepEqual(done.state.pendingTasks, {});
});

test('activities scheduled but not awaited before returning are still scheduled', async (t) => {
  // A plain function can make actions too; it just cannot wait for them.
  function fireAndForget(ctx: WorkflowContext) {
    ctx.callActivity('audit', 'done');
    return 'returned';
  }
  const result = await execute(fireAndForget, [], startEvents());
  t.deepEqual(result.actions, [
    { type: 'ScheduleTask', id: 1, name: 'audit', input: 'done' },
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'returned' },
  ]);
});

test('an unnamed activity function is refused', async (t) => {
  async function* anonymous(ctx: WorkflowContext) {
    yield ctx.callActivity('');
  }
  const result = await execute(anonymous, [], startEvents());
  t.is(result.stalled?.errorType, 'WorkflowArgumentError');
  t.regex(result.stalled?.message ?? '', /invalid activity: ""; allowed: a non-empty name/);
});
