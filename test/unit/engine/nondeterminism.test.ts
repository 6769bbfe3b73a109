import test, { type ExecutionContext } from 'ava';
import { execute } from '../../../src/engine/executor.js';
import type { ExecutionResult } from '../../../src/engine/execution-result.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, failure, SECOND, startEvents } from '../../helpers/history-builder.js';
import { withoutStacks } from '../../helpers/replay-harness.js';

/** History written by a version of the workflow that called 'reserve', then waited 10s. */
const recorded = [
  ...startEvents({ input: 'order-1' }),
  ev.taskScheduled(1, 'reserve', 'order-1'),
  ev.orchestratorStarted(at(SECOND)),
  ev.taskCompleted(1, 'ok', at(SECOND)),
  ev.timerCreated(2, at(11 * SECOND), { kind: 'user' }, at(SECOND)),
];
const next = [ev.orchestratorStarted(at(11 * SECOND)), ev.timerFired(2, at(11 * SECOND))];

/** Every error fails the instance (the registration option `failFast`), as divergence did before stalls. */
const failFast = { failurePolicy: () => ({ failFast: true }) };

function divergenceMessage(sequenceId: number, expected: string, actual: string): string {
  return `non-deterministic workflow: at sequence id ${sequenceId} history recorded ${expected} but the code now does ${actual}`;
}

/** By default a divergence stalls the step: nothing to commit, the error kept for the retry. */
function assertStalled(
  t: ExecutionContext,
  result: ExecutionResult,
  sequenceId: number,
  expected: string,
  actual: string,
): void {
  t.deepEqual(result.actions, []);
  t.deepEqual(result.newHistory, []);
  t.is(result.status, 'RUNNING');
  t.like(result.stalled, {
    errorType: 'NonDeterminismError',
    message: divergenceMessage(sequenceId, expected, actual),
  });
}

function nondeterminism(completionId: number, sequenceId: number, expected: string, actual: string) {
  return {
    type: 'CompleteWorkflow',
    id: completionId,
    status: 'FAILED',
    failureDetails: {
      errorType: 'NonDeterminismError',
      message: divergenceMessage(sequenceId, expected, actual),
      stack: '<stack>',
      nonRetryable: true,
    },
  };
}

test('the original code replays cleanly', async (t) => {
  async function* original(ctx: WorkflowContext, id: string) {
    yield ctx.callActivity('reserve', id);
    yield ctx.createTimer(10);
    return 'shipped';
  }
  const result = await execute(original, recorded, next);
  t.deepEqual(result.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: 'shipped' }]);
});

test('a different kind of action at the same id stalls with NonDeterminismError (fails with failFast)', async (t) => {
  async function* timerFirst(ctx: WorkflowContext) {
    yield ctx.createTimer(10);
    yield ctx.callActivity('reserve');
  }
  assertStalled(
    t,
    await execute(timerFirst, recorded, next),
    1,
    'TaskScheduled "reserve"',
    'CreateTimer (user)',
  );
  const result = await execute(timerFirst, recorded, next, failFast);
  // TimerCreated 2 is in history, so its reminder-job exists and must be deleted.
  t.deepEqual(withoutStacks(result.actions), [
    { type: 'CancelTimer', id: 2 },
    nondeterminism(2, 1, 'TaskScheduled "reserve"', 'CreateTimer (user)'),
  ]);
  t.is(result.status, 'FAILED');
});

test('a different activity name at the same id stalls with NonDeterminismError (fails with failFast)', async (t) => {
  async function* renamed(ctx: WorkflowContext, id: string) {
    yield ctx.callActivity('reserveStock', id);
    yield ctx.createTimer(10);
  }
  assertStalled(
    t,
    await execute(renamed, recorded, next),
    1,
    'TaskScheduled "reserve"',
    'ScheduleTask "reserveStock"',
  );
  const result = await execute(renamed, recorded, next, failFast);
  t.deepEqual(withoutStacks(result.actions), [
    { type: 'CancelTimer', id: 2 },
    nondeterminism(2, 1, 'TaskScheduled "reserve"', 'ScheduleTask "reserveStock"'),
  ]);
});

test('an action history recorded that the code no longer makes stalls with NonDeterminismError (fails with failFast)', async (t) => {
  async function* noTimer(ctx: WorkflowContext, id: string) {
    yield ctx.callActivity('reserve', id);
    return 'shipped early';
  }
  // The code now completes right after the activity, but history shows it went on to create timer 2.
  assertStalled(t, await execute(noTimer, recorded, next), 2, 'TimerCreated (user)', 'nothing');
  const result = await execute(noTimer, recorded, next, failFast);
  t.deepEqual(withoutStacks(result.actions), [
    { type: 'CancelTimer', id: 2 },
    nondeterminism(2, 2, 'TimerCreated (user)', 'nothing'),
  ]);
  t.is(result.status, 'FAILED');
  const waits = await execute(
    async function* waitsForEvent(ctx: WorkflowContext, id: string) {
      yield ctx.callActivity('reserve', id);
      yield ctx.waitForExternalEvent('go');
    },
    recorded,
    next,
    failFast,
  );
  t.deepEqual(withoutStacks(waits.actions), [
    { type: 'CancelTimer', id: 2 },
    nondeterminism(2, 2, 'TimerCreated (user)', 'nothing'),
  ]);
});

test('a different child workflow name is detected, and later history is ignored', async (t) => {
  const history = [
    ...startEvents(),
    ev.childCreated(1, 'shipping', 'inst-1:0:1'),
    ev.orchestratorStarted(at(SECOND)),
    ev.childFailed(1, failure('x'), at(SECOND)),
  ];
  async function* other(ctx: WorkflowContext) {
    yield ctx.callChildWorkflow('billing');
  }
  const stalled = await execute(other, history, [ev.orchestratorStarted(at(2 * SECOND))]);
  assertStalled(t, stalled, 1, 'ChildWorkflowCreated "shipping"', 'ScheduleChildWorkflow "billing"');
  t.deepEqual(stalled.warnings, [], 'replayed history raises no warnings');
  const result = await execute(other, history, [ev.orchestratorStarted(at(2 * SECOND))], failFast);
  t.deepEqual(withoutStacks(result.actions), [
    nondeterminism(2, 1, 'ChildWorkflowCreated "shipping"', 'ScheduleChildWorkflow "billing"'),
  ]);
  t.deepEqual(result.warnings, [], 'replayed history raises no warnings');
});

test('a recorded completion is final even if the code would now decide otherwise', async (t) => {
  const history = [...startEvents(), ev.executionCompleted('COMPLETED', 'old answer')];
  const result = await execute(async () => 'new answer', history, [
    ev.orchestratorStarted(at(SECOND)),
    ev.eventRaised('late'),
  ]);
  t.deepEqual(result.actions, []);
  t.deepEqual(result.newHistory, []);
  t.is(result.state.output, 'old answer');
  t.deepEqual(
    result.warnings.map((w) => w.code),
    ['after-completion'],
  );
});
