import test from 'ava';
import type { TaskFailedError } from '../../../src/engine/errors.js';
import type { RetryPolicy } from '../../../src/engine/retry-policy.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, failure, MINUTE, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness, withoutStacks } from '../../helpers/replay-harness.js';

function retrying(retry: RetryPolicy) {
  return async function* charge(ctx: WorkflowContext, amount: number) {
    return yield* ctx.callActivity('charge', amount, { retry });
  };
}

test('fail, retry timer at the right time, new TaskScheduled, success', async (t) => {
  const run = new ReplayHarness(retrying({ maxAttempts: 3, firstRetryInterval: '10s' }));
  const first = await run.start({ input: 5 });
  t.deepEqual(first.actions, [{ type: 'ScheduleTask', id: 1, name: 'charge', input: 5 }]);

  const failedAt = 2 * SECOND;
  const failed = await run.stepAt(failedAt, ev.taskFailed(1, failure('card timeout'), at(failedAt)));
  const fireAt = at(failedAt + 10 * SECOND);
  t.deepEqual(failed.actions, [{ type: 'CreateTimer', id: 2, fireAt, origin: { kind: 'retry', taskId: 1 } }]);
  t.deepEqual(failed.state.pendingTimers[2], {
    fireAt,
    origin: { kind: 'retry', taskId: 1 },
    createdAt: at(failedAt),
  });

  const retried = await run.stepAt(12 * SECOND, ev.timerFired(2, fireAt));
  t.deepEqual(retried.actions, [{ type: 'ScheduleTask', id: 3, name: 'charge', input: 5, attempt: 2 }]);
  t.deepEqual(retried.state.pendingTasks[3], {
    kind: 'activity',
    name: 'charge',
    scheduledAt: at(12 * SECOND),
    attempt: 2,
  });

  const done = await run.stepAt(13 * SECOND, ev.taskCompleted(3, 'receipt-1'));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 4, status: 'COMPLETED', result: 'receipt-1' }]);
});

test('max attempts exhausted fails with the last failure', async (t) => {
  const run = new ReplayHarness(retrying({ maxAttempts: 2, firstRetryInterval: 1000 }));
  await run.start({ input: 1 });
  await run.stepAt(SECOND, ev.taskFailed(1, failure('first')));
  await run.stepAt(2 * SECOND, ev.timerFired(2, at(2 * SECOND)));
  const done = await run.stepAt(3 * SECOND, ev.taskFailed(3, failure('second')));
  t.deepEqual(withoutStacks(done.actions), [
    {
      type: 'CompleteWorkflow',
      id: 4,
      status: 'FAILED',
      failureDetails: {
        errorType: 'TaskFailedError',
        message: 'activity "charge" (task 3) failed: Error: second',
        stack: '<stack>',
      },
    },
  ]);
});

test('a non-retryable failure fails at once', async (t) => {
  const run = new ReplayHarness(retrying({ maxAttempts: 5, firstRetryInterval: '1s' }));
  await run.start({ input: 1 });
  const done = await run.stepAt(SECOND, ev.taskFailed(1, failure('card declined', 'Declined', true)));
  t.is(done.actions.length, 1);
  t.like(done.actions[0], { type: 'CompleteWorkflow', id: 2, status: 'FAILED' });
  t.is(done.state.failureDetails?.message, 'activity "charge" (task 1) failed: Declined: card declined');
});

test('handle() can refuse to retry a failure', async (t) => {
  const seen: string[] = [];
  const policy: RetryPolicy = {
    maxAttempts: 5,
    firstRetryInterval: '1s',
    handle: (error: TaskFailedError) => {
      seen.push(error.details.errorType);
      return error.details.errorType !== 'Fatal';
    },
  };
  const run = new ReplayHarness(retrying(policy));
  await run.start({ input: 1 });
  const transient = await run.stepAt(SECOND, ev.taskFailed(1, failure('x', 'Transient')));
  t.is(transient.actions[0]?.type, 'CreateTimer');
  await run.stepAt(2 * SECOND, ev.timerFired(2, at(2 * SECOND)));
  const fatal = await run.stepAt(3 * SECOND, ev.taskFailed(3, failure('y', 'Fatal')));
  t.like(fatal.actions[0], { type: 'CompleteWorkflow', status: 'FAILED' });
  t.true(seen.includes('Fatal'));
});

test('delays back off by the coefficient and are capped by maxRetryInterval', async (t) => {
  const run = new ReplayHarness(
    retrying({ maxAttempts: 5, firstRetryInterval: '10s', backoffCoefficient: 2, maxRetryInterval: '30s' }),
  );
  await run.start({ input: 1 });
  const delays: number[] = [];
  let now = 0;
  let attemptId = 1;
  for (let attempt = 1; attempt < 5; attempt += 1) {
    now += SECOND;
    const failed = await run.stepAt(now, ev.taskFailed(attemptId, failure(`attempt ${attempt}`), at(now)));
    const [timer] = failed.actions;
    if (timer?.type !== 'CreateTimer')
      return t.fail(`expected a retry timer, got ${JSON.stringify(failed.actions)}`);
    t.deepEqual(timer.origin, { kind: 'retry', taskId: attemptId });
    delays.push(timer.fireAt.getTime() - at(now).getTime());
    now = timer.fireAt.getTime() - at().getTime();
    const retried = await run.stepAt(now, ev.timerFired(timer.id, timer.fireAt));
    const [scheduled] = retried.actions;
    if (scheduled?.type !== 'ScheduleTask') return t.fail('expected the next attempt');
    t.is(scheduled.attempt, attempt + 1);
    attemptId = scheduled.id;
  }
  t.deepEqual(
    delays,
    [10, 20, 30, 30].map((s) => s * SECOND),
  );
  const last = await run.stepAt(now + SECOND, ev.taskFailed(attemptId, failure('fifth')));
  t.like(last.actions[0], { type: 'CompleteWorkflow', status: 'FAILED' });
});

test('no retry starts past the retry timeout', async (t) => {
  const run = new ReplayHarness(retrying({ maxAttempts: 10, firstRetryInterval: '1m', retryTimeout: '90s' }));
  await run.start({ input: 1 });
  const first = await run.stepAt(10 * SECOND, ev.taskFailed(1, failure('a')));
  t.is(first.actions[0]?.type, 'CreateTimer', '10s + 60s is within 90s');
  await run.stepAt(70 * SECOND, ev.timerFired(2, at(70 * SECOND)));
  const second = await run.stepAt(80 * SECOND, ev.taskFailed(3, failure('b')));
  t.like(second.actions[0], { type: 'CompleteWorkflow', status: 'FAILED' }, '80s + 60s exceeds 90s');
});

test('child workflows retry with a fresh default instance id per attempt', async (t) => {
  async function* parent(ctx: WorkflowContext) {
    return yield* ctx.callChildWorkflow('child', 'in', {
      retry: { maxAttempts: 2, firstRetryInterval: '5s' },
    });
  }
  const run = new ReplayHarness(parent);
  const first = await run.start({ instanceId: 'p' });
  t.deepEqual(first.actions, [
    { type: 'ScheduleChildWorkflow', id: 1, name: 'child', instanceId: 'p:0:1', input: 'in' },
  ]);
  const failed = await run.stepAt(SECOND, ev.childFailed(1, failure('x')));
  t.deepEqual(failed.actions, [
    { type: 'CreateTimer', id: 2, fireAt: at(6 * SECOND), origin: { kind: 'retry', taskId: 1 } },
  ]);
  const retried = await run.stepAt(6 * SECOND, ev.timerFired(2, at(6 * SECOND)));
  t.deepEqual(retried.actions, [
    { type: 'ScheduleChildWorkflow', id: 3, name: 'child', instanceId: 'p:0:3', input: 'in', attempt: 2 },
  ]);
  const done = await run.stepAt(MINUTE, ev.childCompleted(3, 'out'));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 4, status: 'COMPLETED', result: 'out' }]);
});

test('an invalid retry policy stalls the step naming the field', async (t) => {
  const run = new ReplayHarness(retrying({ maxAttempts: 0, firstRetryInterval: '1s' }));
  const result = await run.start({ input: 1 });
  t.is(result.stalled?.errorType, 'WorkflowArgumentError');
  t.is(result.stalled?.message, 'invalid retry.maxAttempts: 0; allowed: an integer >= 1');
});
