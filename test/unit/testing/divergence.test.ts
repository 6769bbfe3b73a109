import test from 'ava';
import { WorkflowExecutor } from '../../../src/engine/executor.js';
import { NonDeterminismError } from '../../../src/engine/errors.js';
import type { HistoryEvent, WorkflowContext } from '../../../src/index.js';
import { replayHistory, type ReplayResult } from '../../../src/testing/replay.js';
import { at, ev, HOUR, startEvents } from '../../helpers/history-builder.js';

type AnyFn = (ctx: WorkflowContext, input: never) => unknown;

/**
 * Records a history the way the runtime does: one executor step per delivery, appending each
 * step's `newHistory`. Each entry of `deliveries` is one step's incoming events.
 */
async function record(workflow: AnyFn, deliveries: HistoryEvent[][]): Promise<HistoryEvent[]> {
  const executor = new WorkflowExecutor(workflow);
  const history: HistoryEvent[] = [];
  for (const events of deliveries) history.push(...(await executor.step(events)).newHistory);
  return history;
}

function divergence(result: ReplayResult): NonDeterminismError {
  if (result.ok || !(result.error instanceof NonDeterminismError)) {
    throw new Error(`expected a divergence, got ${JSON.stringify(result)}`);
  }
  return result.error;
}

async function* sequential(ctx: WorkflowContext) {
  const a: unknown = yield ctx.callActivity('a');
  const b: unknown = yield ctx.callActivity('b');
  return [a, b];
}

const sequentialRun = (): Promise<HistoryEvent[]> =>
  record(sequential, [
    startEvents({ name: 'sequential' }),
    [ev.orchestratorStarted(at(1)), ev.taskCompleted(1, 'A', at(1))],
    [ev.orchestratorStarted(at(2)), ev.taskCompleted(2, 'B', at(2))],
  ]);

test('the code that recorded a history replays it', async (t) => {
  const history = await sequentialRun();
  t.is(history.filter((e) => e.type === 'ExecutionCompleted').length, 1);
  t.true((await replayHistory(sequential, history)).ok);
});

test('new work at the end of a step is a divergence, though the runtime would only see it later', async (t) => {
  async function* parallel(ctx: WorkflowContext) {
    return yield* ctx.whenAll([ctx.callActivity('a'), ctx.callActivity('b')]);
  }
  const error = divergence(await replayHistory(parallel, await sequentialRun()));
  t.is(error.sequenceId, 2);
  t.is(error.expected, 'nothing');
  t.is(error.actual, 'ScheduleTask "b"');
});

test('a recorded action the code no longer takes', async (t) => {
  async function* waitsFirst(ctx: WorkflowContext) {
    yield ctx.waitForExternalEvent('go');
    return yield* ctx.callActivity('a');
  }
  const error = divergence(await replayHistory(waitsFirst, await sequentialRun()));
  t.deepEqual([error.sequenceId, error.expected, error.actual], [1, 'TaskScheduled "a"', 'nothing']);
});

test('a completion the code no longer reaches names the next sequence id', async (t) => {
  async function* waitsAtTheEnd(ctx: WorkflowContext) {
    const a: unknown = yield ctx.callActivity('a');
    const b: unknown = yield ctx.callActivity('b');
    yield ctx.waitForExternalEvent('confirm');
    return [a, b];
  }
  const error = divergence(await replayHistory(waitsAtTheEnd, await sequentialRun()));
  t.deepEqual(
    [error.sequenceId, error.expected, error.actual],
    [3, 'ExecutionCompleted (COMPLETED)', 'nothing'],
  );
});

test('a timer of another origin: a user timer became an event timeout', async (t) => {
  async function* userTimer(ctx: WorkflowContext) {
    yield ctx.createTimer('1h');
    return 'late';
  }
  async function* eventTimeout(ctx: WorkflowContext) {
    return yield* ctx.waitForExternalEvent('late', { timeout: '1h' });
  }
  const history = await record(userTimer, [startEvents({ name: 'userTimer' })]);
  const error = divergence(await replayHistory(eventTimeout, history));
  t.deepEqual(
    [error.sequenceId, error.expected, error.actual],
    [1, 'TimerCreated (user)', 'CreateTimer (externalEventTimeout)'],
  );
});

test('suspension, held deliveries, custom status, sent events and termination replay unchanged', async (t) => {
  async function* busy(ctx: WorkflowContext) {
    ctx.setCustomStatus('starting');
    const a: unknown = yield ctx.callActivity('a');
    ctx.sendEvent('other', 'ping', a);
    const timer = ctx.createTimer('2h');
    yield ctx.whenAny([timer, ctx.waitForExternalEvent('stop')]);
    ctx.setCustomStatus('waiting');
    yield ctx.waitForExternalEvent('never');
  }
  const history = await record(busy, [
    startEvents({ name: 'busy' }),
    [ev.orchestratorStarted(at(1)), ev.suspended('maintenance', at(1))],
    [ev.orchestratorStarted(at(2)), ev.taskCompleted(1, 'A', at(2))],
    [ev.orchestratorStarted(at(3)), ev.resumed(undefined, at(3))],
    [ev.orchestratorStarted(at(2 * HOUR)), ev.timerFired(3, at(2 * HOUR + 3))],
    [ev.orchestratorStarted(at(3 * HOUR)), ev.terminated('enough', at(3 * HOUR))],
  ]);
  t.deepEqual(
    history.filter((e) => e.type !== 'OrchestratorStarted').map((e) => e.type),
    [
      'ExecutionStarted',
      'CustomStatusSet',
      'TaskScheduled',
      'ExecutionSuspended',
      'TaskCompleted',
      'ExecutionResumed',
      'EventSent',
      'TimerCreated',
      'TimerFired',
      'CustomStatusSet',
      'ExecutionTerminated',
      'ExecutionCompleted',
    ],
  );
  t.true((await replayHistory(busy, history)).ok);
});

test('continue-as-new and child workflows replay unchanged; a changed child name does not', async (t) => {
  async function* looping(ctx: WorkflowContext, round: number) {
    const result: unknown = yield ctx.callChildWorkflow('child', round);
    if (round < 3) ctx.continueAsNew(round + 1);
    return result;
  }
  const history = await record(looping, [
    startEvents({ name: 'looping', input: 1 }),
    [ev.orchestratorStarted(at(5)), ev.childCompleted(1, 'one', at(5))],
  ]);
  t.is(history[history.length - 1]?.type, 'ContinueAsNew');
  t.true((await replayHistory(looping, history)).ok);
  async function* renamed(ctx: WorkflowContext, round: number) {
    return yield* ctx.callChildWorkflow('kid', round);
  }
  const error = divergence(await replayHistory(renamed, history));
  t.deepEqual(
    [error.sequenceId, error.expected, error.actual],
    [1, 'ChildWorkflowCreated "child"', 'ScheduleChildWorkflow "kid"'],
  );
});

test('a workflow that now throws where history went on reports the failure it would record', async (t) => {
  async function* brittle(ctx: WorkflowContext) {
    yield ctx.callActivity('a');
    throw new RangeError('index out of range');
  }
  const error = divergence(await replayHistory(brittle, await sequentialRun()));
  t.is(error.sequenceId, 2);
  t.is(error.actual, 'CompleteWorkflow (FAILED: RangeError: index out of range)');
});
