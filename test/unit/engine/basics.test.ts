import test from 'ava';
import { execute } from '../../../src/engine/executor.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import type { WorkflowLogger } from '../../../src/engine/logger.js';
import { at, ev, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness, withoutStacks } from '../../helpers/replay-harness.js';

/** Every error fails the instance (the registration option `failFast`). */
const failFast = { failurePolicy: () => ({ failFast: true }) };

test('a workflow that returns at once completes with its input transformed', async (t) => {
  // eslint-disable-next-line require-yield -- a generator that never waits is a valid workflow
  async function* greet(_ctx: WorkflowContext, name: string) {
    return `hello ${name}`;
  }
  const run = new ReplayHarness(greet);
  const result = await run.start({ input: 'ada' });
  t.deepEqual(result.actions, [
    { type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: 'hello ada' },
  ]);
  t.is(result.status, 'COMPLETED');
  t.is(result.state.input, 'ada');
  t.is(result.state.output, 'hello ada');
  t.deepEqual(result.state.completedAt, at());
  t.deepEqual(
    result.newHistory.map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'ExecutionCompleted'],
  );
});

test('an activity result flows into the output', async (t) => {
  async function* order(ctx: WorkflowContext, qty: number) {
    const price = (yield ctx.callActivity('price', qty)) as number;
    return { qty, total: price * qty };
  }
  const run = new ReplayHarness(order);
  const first = await run.start({ input: 3 });
  t.deepEqual(first.actions, [{ type: 'ScheduleTask', id: 1, name: 'price', input: 3 }]);
  t.is(first.status, 'RUNNING');
  const second = await run.stepAt(SECOND, ev.taskCompleted(1, 7));
  t.deepEqual(second.actions, [
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: { qty: 3, total: 21 } },
  ]);
  t.deepEqual(second.state.output, { qty: 3, total: 21 });
  t.deepEqual(second.state.pendingTasks, {});
});

test('an unregistered workflow name stalls the step without running anything', async (t) => {
  const registry = new Map([['known', async (_ctx: WorkflowContext) => 'ran']]);
  const run = new ReplayHarness(registry);
  const result = await run.start({ name: 'missing' });
  // Nothing to commit: a worker that has the workflow registered will take the step.
  t.deepEqual(result.actions, []);
  t.deepEqual(result.newHistory, []);
  t.not(result.status, 'FAILED');
  t.deepEqual(withoutStacks(result.stalled), {
    errorType: 'WorkflowNotRegisteredError',
    message: 'workflow "missing" is not registered',
    stack: '<stack>',
  });
});

test('an unregistered workflow name fails the instance with failFast', async (t) => {
  const registry = new Map([['known', async (_ctx: WorkflowContext) => 'ran']]);
  const run = new ReplayHarness(registry, failFast);
  const result = await run.start({ name: 'missing' });
  t.deepEqual(withoutStacks(result.actions), [
    {
      type: 'CompleteWorkflow',
      id: 1,
      status: 'FAILED',
      failureDetails: {
        errorType: 'WorkflowNotRegisteredError',
        message: 'workflow "missing" is not registered',
        stack: '<stack>',
        nonRetryable: true,
      },
    },
  ]);
  t.is(result.state.status, 'FAILED');
  t.is(result.state.failureDetails?.errorType, 'WorkflowNotRegisteredError');
});

test('a lookup runs the workflow registered under the started name', async (t) => {
  const registry = new Map([
    ['a', (_ctx: WorkflowContext) => 'from a'],
    ['b', (_ctx: WorkflowContext) => 'from b'],
  ]);
  const result = await execute(registry, [], startEvents({ name: 'b' }));
  t.deepEqual(result.actions, [{ type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: 'from b' }]);
});

test('a sync function* workflow replays like an async one', async (t) => {
  function* twice(ctx: WorkflowContext, n: number) {
    const a = (yield ctx.callActivity('inc', n)) as number;
    const b = (yield ctx.callActivity('inc', a)) as number;
    return b;
  }
  const run = new ReplayHarness(twice);
  t.deepEqual((await run.start({ input: 1 })).actions, [
    { type: 'ScheduleTask', id: 1, name: 'inc', input: 1 },
  ]);
  t.deepEqual((await run.stepAt(1, ev.taskCompleted(1, 2))).actions, [
    { type: 'ScheduleTask', id: 2, name: 'inc', input: 2 },
  ]);
  const done = await run.stepAt(2, ev.taskCompleted(2, 3));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: 3 }]);
});

test('a plain async function and a plain sync function are workflows too', async (t) => {
  const asyncFn = async (ctx: WorkflowContext, input: number) =>
    `${ctx.getWorkflowInstanceId()}:${input * 2}`;
  const syncFn = (_ctx: WorkflowContext, input: number) => input + 1;
  const a = await execute(asyncFn, [], startEvents({ input: 21, instanceId: 'x' }));
  t.deepEqual(a.actions, [{ type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: 'x:42' }]);
  const s = await execute(syncFn, [], startEvents({ input: 41 }));
  t.deepEqual(s.actions, [{ type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: 42 }]);
});

test('a thrown error stalls the step with its details and drops what the step did', async (t) => {
  class OutOfStock extends Error {
    override name = 'OutOfStock';
  }
  async function* failing(ctx: WorkflowContext) {
    yield ctx.callActivity('reserve');
    ctx.setCustomStatus('reserved');
    ctx.callActivity('log'); // scheduled, not awaited
    throw new OutOfStock('no widgets left');
  }
  const run = new ReplayHarness(failing);
  await run.start();
  const result = await run.stepAt(SECOND, ev.taskCompleted(1));
  // The activity scheduled and the custom status set before the throw are not committed.
  t.deepEqual(result.actions, []);
  t.deepEqual(result.newHistory, []);
  t.is(result.status, 'RUNNING');
  t.is(result.customStatus, undefined);
  t.like(result.stalled, { errorType: 'OutOfStock', message: 'no widgets left' });
  t.true(result.stalled?.stack?.includes('no widgets left'));
  t.is(result.state.failureDetails, undefined);
});

test('a thrown error fails the instance with its details under failFast', async (t) => {
  class OutOfStock extends Error {
    override name = 'OutOfStock';
  }
  async function* failing(ctx: WorkflowContext) {
    yield ctx.callActivity('reserve');
    throw new OutOfStock('no widgets left');
  }
  const run = new ReplayHarness(failing, failFast);
  await run.start();
  const result = await run.stepAt(SECOND, ev.taskCompleted(1));
  const [action] = result.actions;
  t.is(result.actions.length, 1);
  t.like(action, { type: 'CompleteWorkflow', id: 2, status: 'FAILED' });
  t.like(result.state.failureDetails, { errorType: 'OutOfStock', message: 'no widgets left' });
  t.true(result.state.failureDetails?.stack?.includes('no widgets left'));
  t.is(result.status, 'FAILED');
});

test('a rejected plain async function stalls the step', async (t) => {
  const result = await execute(
    async () => {
      throw new TypeError('bad input');
    },
    [],
    startEvents(),
  );
  t.like(result.stalled, { errorType: 'TypeError', message: 'bad input' });
  t.deepEqual(result.actions, []);
});

test('yielding something that is not a task stalls the step with a clear error', async (t) => {
  async function* wrong(_ctx: WorkflowContext) {
    yield { kind: 'not a task' };
    return 'unreachable';
  }
  const result = await execute(wrong, [], startEvents());
  t.not(result.status, 'FAILED');
  t.is(result.stalled?.errorType, 'InvalidYieldError');
  t.regex(
    result.stalled?.message ?? '',
    /^workflow yielded \{"kind":"not a task"\}; only tasks from the context can be yielded/,
  );
});

test('time, guids and replay flags come from history, identical on every replay', async (t) => {
  const seen: Array<{ now: string; guid: string; replaying: boolean }> = [];
  async function* observe(ctx: WorkflowContext) {
    seen.push({
      now: ctx.getCurrentUtcDateTime().toISOString(),
      guid: ctx.newGuid(),
      replaying: ctx.isReplaying(),
    });
    yield ctx.createTimer(10);
    seen.push({
      now: ctx.getCurrentUtcDateTime().toISOString(),
      guid: ctx.newGuid(),
      replaying: ctx.isReplaying(),
    });
    return ctx.newGuid();
  }
  const run = new ReplayHarness(observe);
  await run.start();
  const result = await run.stepAt(10 * SECOND, ev.timerFired(1, at(10 * SECOND)));
  // The harness ran every step twice (cached and full replay): the full run of step 2 replays step 1.
  const [live1, , replayed1, live2, live2again] = seen;
  t.deepEqual(replayed1, { ...live1, replaying: true });
  t.false(live1?.replaying);
  t.is(live1?.now, at().toISOString());
  t.is(live2?.now, at(10 * SECOND).toISOString());
  t.deepEqual(live2again, live2);
  t.regex(live1?.guid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(live1?.guid, live2?.guid);
  const output = result.state.output as string;
  t.not(output, live2?.guid);
});

test('the context logger writes only outside replay', async (t) => {
  const lines: string[] = [];
  const logger: WorkflowLogger = {
    debug: () => undefined,
    info: (message) => lines.push(message),
    warn: () => undefined,
    error: () => undefined,
  };
  async function* chatty(ctx: WorkflowContext) {
    ctx.logger.info('before timer');
    yield ctx.createTimer(1);
    ctx.logger.info('after timer');
  }
  const first = await execute(chatty, [], startEvents(), { logger });
  t.deepEqual(lines, ['before timer']);
  await execute(
    chatty,
    first.newHistory,
    [ev.orchestratorStarted(at(SECOND)), ev.timerFired(1, at(SECOND))],
    {
      logger,
    },
  );
  t.deepEqual(lines, ['before timer', 'after timer']);
});

test('custom status is returned and recorded for the fold only when it changes', async (t) => {
  async function* status(ctx: WorkflowContext) {
    ctx.setCustomStatus({ stage: 'reserving' });
    yield ctx.callActivity('reserve');
    yield ctx.callActivity('charge');
    ctx.setCustomStatus({ stage: 'done' });
    return 'ok';
  }
  const run = new ReplayHarness(status);
  const first = await run.start();
  t.deepEqual(first.customStatus, { stage: 'reserving' });
  t.deepEqual(first.state.customStatus, { stage: 'reserving' });
  t.deepEqual(
    first.newHistory.map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'CustomStatusSet', 'TaskScheduled'],
  );
  const second = await run.stepAt(1, ev.taskCompleted(1));
  t.false(second.newHistory.some((e) => e.type === 'CustomStatusSet'));
  t.deepEqual(second.customStatus, { stage: 'reserving' });
  const third = await run.stepAt(2, ev.taskCompleted(2));
  t.deepEqual(third.state.customStatus, { stage: 'done' });
  t.is(third.status, 'COMPLETED');
});

test('sendEvent emits a SendEvent action recorded as EventSent', async (t) => {
  async function notify(ctx: WorkflowContext, target: string) {
    ctx.sendEvent(target, 'ping', { from: ctx.getWorkflowInstanceId() });
    return 'sent';
  }
  const run = new ReplayHarness(notify);
  const result = await run.start({ input: 'other', instanceId: 'me' });
  t.deepEqual(result.actions, [
    { type: 'SendEvent', id: 1, instanceId: 'other', name: 'ping', data: { from: 'me' } },
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'sent' },
  ]);
  t.like(result.newHistory[2], { type: 'EventSent', eventId: 1, instanceId: 'other', name: 'ping' });
});

test('bad context arguments stall the step with the field named (fail with failFast)', async (t) => {
  async function* bad(ctx: WorkflowContext) {
    yield ctx.createTimer('soon');
  }
  const stalled = await execute(bad, [], startEvents());
  t.is(stalled.stalled?.errorType, 'WorkflowArgumentError');
  t.regex(stalled.stalled?.message ?? '', /invalid fireAt: "soon"[^;]*; allowed: .*duration/);
  const failed = await execute(bad, [], startEvents(), failFast);
  t.is(failed.state.failureDetails?.errorType, 'WorkflowArgumentError');
  t.regex(failed.state.failureDetails?.message ?? '', /invalid fireAt: "soon"[^;]*; allowed: .*duration/);
});

test('a second step call while one is running is refused', async (t) => {
  const { WorkflowExecutor } = await import('../../../src/engine/executor.js');
  const executor = new WorkflowExecutor(async (_ctx: WorkflowContext) => 1);
  const first = executor.step(startEvents());
  await t.throwsAsync(() => executor.step([]), { message: /already applying events/ });
  t.is((await first).status, 'COMPLETED');
});
