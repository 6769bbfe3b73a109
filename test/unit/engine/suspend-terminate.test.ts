import test from 'ava';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, MINUTE, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

async function* twoSteps(ctx: WorkflowContext) {
  const a = (yield ctx.callActivity('a')) as string;
  const e = (yield ctx.waitForExternalEvent('go')) as string;
  return `${a}+${e}`;
}

test('while suspended, completions and events are held; resume applies them in order', async (t) => {
  const run = new ReplayHarness(twoSteps);
  await run.start();
  const suspended = await run.stepAt(SECOND, ev.suspended('maintenance'));
  t.is(suspended.status, 'SUSPENDED');
  t.deepEqual(suspended.actions, []);

  const held = await run.stepAt(2 * SECOND, ev.taskCompleted(1, 'A'), ev.eventRaised('go', 'E'));
  t.deepEqual(held.actions, [], 'nothing runs while suspended');
  t.is(held.status, 'SUSPENDED');
  t.deepEqual(held.state.pendingEvents, [{ name: 'go', data: 'E', receivedAt: at() }]);
  t.deepEqual(
    held.newHistory.map((e) => e.type),
    ['OrchestratorStarted', 'TaskCompleted', 'EventRaised'],
    'held events are still recorded, so a replay holds them too',
  );

  const resumed = await run.stepAt(MINUTE, ev.resumed());
  t.deepEqual(resumed.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'A+E' }]);
  t.deepEqual(resumed.state.pendingEvents, []);
  t.is(resumed.status, 'COMPLETED');
});

test('suspend twice and resume when running are reported, not thrown', async (t) => {
  const run = new ReplayHarness(twoSteps);
  await run.start();
  const resumeRunning = await run.stepAt(SECOND, ev.resumed());
  t.deepEqual(
    resumeRunning.warnings.map((w) => w.code),
    ['not-suspended'],
  );
  const twice = await run.stepAt(2 * SECOND, ev.suspended(), ev.suspended());
  t.deepEqual(
    twice.warnings.map((w) => w.code),
    ['already-suspended'],
  );
  t.is(twice.status, 'SUSPENDED');
});

test('terminate completes with TERMINATED and the given output, cancelling timers', async (t) => {
  async function* waits(ctx: WorkflowContext) {
    yield ctx.createTimer('1h');
  }
  const run = new ReplayHarness(waits);
  await run.start();
  const terminated = await run.stepAt(MINUTE, ev.terminated({ by: 'ops' }, at(MINUTE), 'stuck'));
  t.deepEqual(terminated.actions, [
    { type: 'CancelTimer', id: 1 },
    { type: 'CompleteWorkflow', id: 2, status: 'TERMINATED', result: { by: 'ops' } },
  ]);
  t.is(terminated.state.status, 'TERMINATED');
  t.deepEqual(terminated.state.output, { by: 'ops' });
  const after = await run.stepAt(2 * MINUTE, ev.timerFired(1, at(2 * MINUTE)), ev.terminated());
  t.deepEqual(after.actions, []);
  t.deepEqual(
    after.warnings.map((w) => w.code),
    ['after-completion', 'after-completion'],
  );
});

test('terminate wins over a suspension and drops the held events', async (t) => {
  const run = new ReplayHarness(twoSteps);
  await run.start();
  await run.stepAt(SECOND, ev.suspended(), ev.taskCompleted(1, 'A'));
  const terminated = await run.stepAt(2 * SECOND, ev.terminated());
  t.deepEqual(terminated.actions, [{ type: 'CompleteWorkflow', id: 2, status: 'TERMINATED' }]);
  t.is(terminated.status, 'TERMINATED');
});

test('terminate discards actions made earlier in the same step', async (t) => {
  const run = new ReplayHarness(twoSteps);
  await run.start();
  await run.stepAt(SECOND, ev.taskCompleted(1, 'A'));
  const raceAndTerminate = await run.stepAt(2 * SECOND, ev.eventRaised('go', 'E'), ev.terminated('stop'));
  // The event completed the workflow before the terminate arrived: the completion stands.
  t.deepEqual(raceAndTerminate.actions, [
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'A+E' },
  ]);
  t.deepEqual(
    raceAndTerminate.warnings.map((w) => w.code),
    ['after-completion'],
  );

  async function* fanOutThenWait(ctx: WorkflowContext) {
    yield ctx.callActivity('first');
    ctx.callActivity('second');
    yield ctx.waitForExternalEvent('never');
  }
  const other = new ReplayHarness(fanOutThenWait);
  await other.start();
  const terminated = await other.stepAt(SECOND, ev.taskCompleted(1), ev.terminated());
  t.deepEqual(terminated.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'TERMINATED' }]);
});
