import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { TaskFailedError } from '../../../src/engine/errors.js';
import { execute } from '../../../src/engine/executor.js';
import type { ExecutionResult } from '../../../src/engine/execution-result.js';
import { OutsideAwaitError, withinMicrotasks } from '../../../src/engine/outside-await.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import type { FailureDetails } from '../../../src/history/failure-details.js';
import { at, ev, failure, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

const realDelay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const escaped = (): Error => new Error('escaped');

/**
 * What the engine reported for the code's error: a stall, or (with fail-fast, and before stalls
 * existed) the instance's failure. Either way it is the path every error of workflow code takes.
 */
function reported(result: ExecutionResult): FailureDetails | undefined {
  return (result as { stalled?: FailureDetails }).stalled ?? result.state.failureDetails;
}

test('withinMicrotasks: a step settling through any number of microtasks passes', async (t) => {
  let chain: Promise<number> = Promise.resolve(0);
  for (let i = 0; i < 1000; i++) chain = chain.then((n) => n + 1);
  t.is(await withinMicrotasks(chain, escaped), 1000);
  const ticked = new Promise<string>((resolve) => process.nextTick(() => resolve('tick')));
  t.is(await withinMicrotasks(ticked, escaped), 'tick');
  await t.throwsAsync(withinMicrotasks(Promise.reject(new Error('own')), escaped), { message: 'own' });
});

test('withinMicrotasks: a step waiting on a real timer or a file is reported, its late end is ignored', async (t) => {
  const late = realDelay(5).then(() => {
    throw new Error('late rejection, after the report');
  });
  await t.throwsAsync(withinMicrotasks(late, escaped), { message: 'escaped' });
  const file = readFile(fileURLToPath(import.meta.url));
  await t.throwsAsync(withinMicrotasks(file, escaped), { message: 'escaped' });
  await realDelay(10); // an unhandled rejection from `late` would fail the test run
});

test('withinMicrotasks: a short real timer is caught even when the step starts in a busy check phase', async (t) => {
  // An Immediate armed inside a setImmediate callback runs only in the next loop iteration, after
  // its timers: the 0 ms Timeout sentinel must catch the code's 2 ms timer there.
  const outcome = await new Promise<string>((resolve) => {
    setImmediate(() => {
      withinMicrotasks(realDelay(2), escaped).then(
        () => resolve('missed'),
        (error: Error) => resolve(error.message),
      );
      const busyUntil = Date.now() + 20;
      while (Date.now() < busyUntil); // the loop is late: both timers are due when it gets there
    });
  });
  t.is(outcome, 'escaped');
});

test('withinMicrotasks: one sentinel serves many steps; only those still pending are reported', async (t) => {
  const outcomes = await Promise.allSettled([
    withinMicrotasks(realDelay(1), escaped),
    withinMicrotasks(Promise.resolve('settled'), escaped),
    withinMicrotasks(readFile(fileURLToPath(import.meta.url)), escaped),
  ]);
  t.deepEqual(
    outcomes.map((o) => o.status),
    ['rejected', 'fulfilled', 'rejected'],
  );
  // A step begun after the sentinels fired, in a later turn, is judged by fresh ones.
  await realDelay(5);
  t.is(await withinMicrotasks(Promise.resolve(1), escaped), 1);
  await t.throwsAsync(withinMicrotasks(realDelay(1), escaped), { message: 'escaped' });
});

async function* awaitsTimer(ctx: WorkflowContext) {
  yield ctx.callActivity('a');
  await realDelay(10);
  yield ctx.callActivity('b');
  return 'done';
}

test('an async generator awaiting a real timer between yields is reported, naming the workflow', async (t) => {
  const result = await execute(awaitsTimer, [], [...startEvents({ name: 'awaitsTimer' })]);
  t.is(result.actions.filter((a) => a.type === 'ScheduleTask').length, 1, 'the first step is unaffected');
  const later = await execute(
    awaitsTimer,
    [...startEvents({ name: 'awaitsTimer' }), ev.taskScheduled(1, 'a')],
    [ev.orchestratorStarted(), ev.taskCompleted(1, 'x')],
  );
  const details = reported(later);
  t.is(details?.errorType, 'OutsideAwaitError');
  t.regex(details?.message ?? '', /workflow "awaitsTimer" awaited something outside the engine/);
  t.regex(details?.message ?? '', /move the I\/O into an activity/);
  t.false(
    later.actions.some((a) => a.type === 'ScheduleTask'),
    'nothing after the await is scheduled',
  );
});

test('an async generator awaiting fs.promises.readFile before its first yield is reported', async (t) => {
  async function* readsFile(ctx: WorkflowContext) {
    const text = await readFile(fileURLToPath(import.meta.url), 'utf8');
    yield ctx.callActivity('a', text.length);
  }
  const details = reported(await execute(readsFile, [], [...startEvents({ name: 'readsFile' })]));
  t.is(details?.errorType, 'OutsideAwaitError');
  t.regex(details?.message ?? '', /"readsFile"/);
});

test('an async generator awaiting fetch (to a loopback server) is reported', async (t) => {
  const server = createServer((_, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  async function* fetches(ctx: WorkflowContext) {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    yield ctx.callActivity('a', await response.text());
  }
  const details = reported(await execute(fetches, [], [...startEvents({ name: 'fetches' })]));
  t.is(details?.errorType, 'OutsideAwaitError');
});

test('a plain async workflow awaiting a real timer is reported too', async (t) => {
  async function sleepsForReal(): Promise<string> {
    await realDelay(10);
    return 'done';
  }
  const details = reported(await execute(sleepsForReal, [], [...startEvents({ name: 'sleepsForReal' })]));
  t.is(details?.errorType, 'OutsideAwaitError');
});

test('the error is a typed engine error carrying the workflow name', (t) => {
  const error = new OutsideAwaitError('order');
  t.true(error instanceof OutsideAwaitError);
  t.is(error.name, 'OutsideAwaitError');
  t.is(error.workflowName, 'order');
});

test('legitimate async code is never reported: settled awaits, for await, yield*, caught task failures', async (t) => {
  async function* legit(ctx: WorkflowContext, input: number[]) {
    await Promise.resolve();
    await null;
    await Promise.all([Promise.resolve(1), Promise.resolve(2)]);
    let sum = 0;
    for await (const n of input) sum += n;
    const first = yield* ctx.callActivity<number>('double', sum);
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    try {
      yield ctx.callActivity('flaky');
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
    }
    yield ctx.createTimer(1);
    const [a, b] = yield* ctx.whenAll([ctx.callActivity<number>('x'), ctx.callActivity<number>('y')]);
    return first + a + b;
  }
  const run = new ReplayHarness(legit);
  await run.start({ input: [1, 2, 3] });
  await run.stepAt(SECOND, ev.taskCompleted(1, 12));
  await run.stepAt(SECOND, ev.taskFailed(2, failure('boom')));
  await run.stepAt(2 * SECOND, ev.timerFired(3, at(2 * SECOND)));
  const done = await run.stepAt(3 * SECOND, ev.taskCompleted(4, 1), ev.taskCompleted(5, 2));
  t.is(reported(done), undefined);
  t.is(done.status, 'COMPLETED');
  t.is(done.state.output, 15);
});
