/**
 * The executor's side of stalled steps: an error that is not a workflow failure voids the step
 * (nothing to commit), a termination still ends the instance, and fixed code replaying the same
 * history with the same new events takes the step.
 */
import test from 'ava';
import { WorkflowFailure } from '../../../src/engine/errors.js';
import { execute, WorkflowExecutor } from '../../../src/engine/executor.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, failure, SECOND, startEvents } from '../../helpers/history-builder.js';

/** History of a workflow that reserved, then waits on a 10 s timer. */
const history = [
  ...startEvents({ input: 'order-1' }),
  ev.taskScheduled(1, 'reserve', 'order-1'),
  ev.orchestratorStarted(at(SECOND)),
  ev.taskCompleted(1, 'ok', at(SECOND)),
  ev.timerCreated(2, at(11 * SECOND), { kind: 'user' }, at(SECOND)),
];
const fired = [ev.orchestratorStarted(at(11 * SECOND)), ev.timerFired(2, at(11 * SECOND))];

function buggy(fixed: boolean) {
  return async function* order(ctx: WorkflowContext, id: string) {
    yield ctx.callActivity('reserve', id);
    yield ctx.createTimer(10);
    if (!fixed) throw new TypeError("Cannot read properties of undefined (reading 'address')");
    const shipped: unknown = yield ctx.callActivity('ship', id);
    return shipped;
  };
}

test('a bug after a timer stalls the step; fixed code takes the same step from the same history', async (t) => {
  const stalled = await execute(buggy(false), history, fired);
  t.like(stalled.stalled, { errorType: 'TypeError' });
  t.deepEqual(stalled.actions, []);
  t.deepEqual(stalled.newHistory, []);
  const retried = await execute(buggy(true), history, fired);
  t.is(retried.stalled, undefined);
  t.deepEqual(retried.actions, [{ type: 'ScheduleTask', id: 3, name: 'ship', input: 'order-1' }]);
});

test('a stalled executor is spent: later steps report the same stall', async (t) => {
  const executor = new WorkflowExecutor(buggy(false));
  await executor.replay(history);
  const first = await executor.step(fired);
  const again = await executor.step([ev.orchestratorStarted(at(12 * SECOND)), ev.eventRaised('x')]);
  t.deepEqual(again.stalled, first.stalled);
  t.deepEqual(again.actions, []);
});

test('a termination in the stalled step still ends the instance, cancelling its timers', async (t) => {
  const diverged = async function* order(ctx: WorkflowContext) {
    yield ctx.callActivity('reserveStock'); // history recorded 'reserve': divergence in replay
  };
  const stalled = await execute(diverged, history, [ev.orchestratorStarted(at(2 * SECOND))]);
  t.is(stalled.stalled?.errorType, 'NonDeterminismError');
  const ended = await execute(diverged, history, [
    ev.orchestratorStarted(at(2 * SECOND)),
    ev.terminated('stop', at(2 * SECOND)),
  ]);
  t.is(ended.stalled, undefined);
  t.is(ended.status, 'TERMINATED');
  t.deepEqual(
    ended.actions.map((a) => a.type),
    ['CancelTimer', 'CompleteWorkflow'],
  );
  t.like(ended.actions[0], { type: 'CancelTimer', id: 2 });
  t.like(ended.actions[1], { status: 'TERMINATED', result: 'stop' });
});

test('the failure policy decides per workflow name: failureTypes and WorkflowFailure fail', async (t) => {
  class OutOfStock extends Error {
    override name = 'OutOfStock';
  }
  const registry = new Map([
    [
      'strict',
      async function* strict(ctx: WorkflowContext) {
        yield ctx.createTimer(1);
        throw new OutOfStock('none left');
      },
    ],
    [
      'lenient',
      async function* lenient(ctx: WorkflowContext) {
        yield ctx.createTimer(1);
        throw new OutOfStock('none left');
      },
    ],
    [
      'deliberate',
      // eslint-disable-next-line require-yield -- fails before it waits
      async function* deliberate(_ctx: WorkflowContext) {
        throw new WorkflowFailure('order rejected');
      },
    ],
  ]);
  const options = {
    failurePolicy: (name: string) => (name === 'strict' ? { failureTypes: ['OutOfStock'] } : undefined),
  };
  const step = (name: string) =>
    execute(
      registry,
      [...startEvents({ name }), ev.timerCreated(1, at(SECOND), { kind: 'user' })],
      [ev.orchestratorStarted(at(SECOND)), ev.timerFired(1, at(SECOND))],
      options,
    );
  const strict = await step('strict');
  t.is(strict.status, 'FAILED');
  t.like(strict.state.failureDetails, { errorType: 'OutOfStock', message: 'none left' });
  const lenient = await step('lenient');
  t.is(lenient.status, 'RUNNING');
  t.like(lenient.stalled, { errorType: 'OutOfStock' });
  const deliberate = await execute(registry, [], startEvents({ name: 'deliberate' }), options);
  t.is(deliberate.status, 'FAILED');
  t.like(deliberate.state.failureDetails, { errorType: 'WorkflowFailure', message: 'order rejected' });
});

test('an uncaught TaskFailedError fails the instance, as before', async (t) => {
  async function* charging(ctx: WorkflowContext) {
    yield ctx.callActivity('charge');
  }
  const result = await execute(
    charging,
    [...startEvents(), ev.taskScheduled(1, 'charge')],
    [ev.orchestratorStarted(at(SECOND)), ev.taskFailed(1, failure('card declined'), at(SECOND))],
  );
  t.is(result.stalled, undefined);
  t.is(result.status, 'FAILED');
  t.is(result.state.failureDetails?.errorType, 'TaskFailedError');
});

test('a huge error message is bounded in the stall details', async (t) => {
  // eslint-disable-next-line require-yield -- throws at once
  async function* loud(_ctx: WorkflowContext) {
    throw new Error('x'.repeat(100_000));
  }
  const result = await execute(loud, [], startEvents());
  t.true((result.stalled?.message.length ?? 0) < 10_000);
  t.regex(result.stalled?.message ?? '', /more characters cut\)$/);
});
