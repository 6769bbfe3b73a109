import test from 'ava';
import { execute } from '../../../src/engine/executor.js';
import type { WarningCode } from '../../../src/engine/execution-result.js';
import type { WorkflowLogger } from '../../../src/engine/logger.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { at, ev, failure, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

/** Waits on one of each kind of completion, in parallel. */
async function* everything(ctx: WorkflowContext) {
  const results = yield* ctx.whenAll([
    ctx.callActivity('act'),
    ctx.createTimer(10),
    ctx.callChildWorkflow('child'),
    ctx.waitForExternalEvent('evt'),
  ]);
  return results;
}

const firstDeliveries = (): HistoryEvent[] => [
  ev.taskCompleted(1, 'a'),
  ev.timerFired(2, at(10 * SECOND)),
  ev.childCompleted(3, 'c'),
];

const cases: Array<{ title: string; event: HistoryEvent; code: WarningCode }> = [
  { title: 'a second TaskCompleted', event: ev.taskCompleted(1, 'again'), code: 'duplicate-completion' },
  {
    title: 'a TaskFailed after TaskCompleted',
    event: ev.taskFailed(1, failure('late')),
    code: 'duplicate-completion',
  },
  { title: 'a second TimerFired', event: ev.timerFired(2, at(10 * SECOND)), code: 'duplicate-completion' },
  {
    title: 'a second ChildWorkflowCompleted',
    event: ev.childCompleted(3, 'again'),
    code: 'duplicate-completion',
  },
  {
    title: 'a ChildWorkflowFailed after completion',
    event: ev.childFailed(3, failure('x')),
    code: 'duplicate-completion',
  },
  { title: 'a completion for an unknown id', event: ev.taskCompleted(42, 'who?'), code: 'unknown-task' },
  { title: 'a TimerFired for an unknown id', event: ev.timerFired(0, at()), code: 'unknown-task' },
  { title: 'a second ExecutionStarted', event: ev.executionStarted(), code: 'duplicate-start' },
];

for (const { title, event, code } of cases) {
  test(`while running, ${title} changes nothing and is reported once`, async (t) => {
    const run = new ReplayHarness(everything);
    await run.start();
    await run.stepAt(SECOND, ...firstDeliveries());
    const dup = await run.stepAt(2 * SECOND, event);
    t.deepEqual(dup.actions, []);
    t.deepEqual(
      dup.warnings.map((w) => w.code),
      [code],
    );
    t.is(dup.warnings[0]?.event, event);
    t.false(dup.newHistory.includes(event), 'ignored events are not appended to history');
    const done = await run.stepAt(3 * SECOND, ev.eventRaised('evt', 'e'));
    t.deepEqual(done.warnings, [], 'not reported again');
    t.deepEqual(done.actions, [
      { type: 'CompleteWorkflow', id: 4, status: 'COMPLETED', result: ['a', null, 'c', 'e'] },
    ]);
  });
}

test('duplicates within one step are reported, and the first delivery wins', async (t) => {
  const run = new ReplayHarness(everything);
  await run.start();
  const step = await run.stepAt(
    SECOND,
    ...firstDeliveries(),
    ...firstDeliveries(),
    ev.eventRaised('evt', 'e'),
  );
  t.deepEqual(
    step.warnings.map((w) => w.code),
    ['duplicate-completion', 'duplicate-completion', 'duplicate-completion'],
  );
  t.deepEqual(step.actions, [
    { type: 'CompleteWorkflow', id: 4, status: 'COMPLETED', result: ['a', null, 'c', 'e'] },
  ]);
});

test('every kind of late delivery after completion is ignored', async (t) => {
  const run = new ReplayHarness(everything);
  await run.start();
  await run.stepAt(SECOND, ...firstDeliveries(), ev.eventRaised('evt', 'e'));
  const late: HistoryEvent[] = [
    ...firstDeliveries(),
    ev.taskFailed(1, failure('x')),
    ev.childFailed(3, failure('x')),
    ev.eventRaised('evt', 'again'),
    ev.suspended(),
    ev.resumed(),
    ev.terminated(),
  ];
  const after = await run.stepAt(2 * SECOND, ...late);
  t.deepEqual(after.actions, []);
  t.deepEqual(after.newHistory, []);
  t.deepEqual(
    after.warnings.map((w) => w.code),
    late.map(() => 'after-completion'),
  );
  t.is(after.state.status, 'COMPLETED');
});

test('warnings go to the injected logger as well', async (t) => {
  const warned: string[] = [];
  const logger: WorkflowLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warned.push(message),
    error: () => undefined,
  };
  const first = await execute(everything, [], startEvents(), { logger });
  await execute(everything, first.newHistory, [ev.orchestratorStarted(at(SECOND)), ev.taskCompleted(9)], {
    logger,
  });
  t.deepEqual(warned, ['TaskCompleted 9 ignored: no activity with sequence id 9 was ever scheduled']);
});

test('a duplicated action record in stored history is tolerated on replay', async (t) => {
  async function* one(ctx: WorkflowContext) {
    return yield* ctx.callActivity('a');
  }
  const history = [...startEvents(), ev.taskScheduled(1, 'a'), ev.taskScheduled(1, 'a')];
  const result = await execute(one, history, [ev.orchestratorStarted(at(SECOND)), ev.taskCompleted(1, 'ok')]);
  t.deepEqual(result.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'ok' }]);
});
