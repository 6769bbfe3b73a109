import test from 'ava';
import { continueAsNewHistory } from '../../../src/engine/actions.js';
import type { ExecutionStartedEvent } from '../../../src/history/events.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { at, ev, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

interface Tally {
  n: number;
  seen: unknown[];
}

function tally(saveEvents: boolean) {
  return async function* tallyWorkflow(ctx: WorkflowContext, state: Tally) {
    const item = yield* ctx.waitForExternalEvent('item');
    const next = { n: state.n + 1, seen: [...state.seen, item] };
    if (next.n >= 3) return next;
    ctx.continueAsNew(next, saveEvents);
  };
}

function startedOf(run: ReplayHarness): ExecutionStartedEvent {
  const started = run.history.find((e): e is ExecutionStartedEvent => e.type === 'ExecutionStarted');
  if (!started) throw new Error('no ExecutionStarted');
  return started;
}

test('continue-as-new carries unconsumed events into the next generation, in order', async (t) => {
  const workflow = tally(true);
  const gen0 = new ReplayHarness(workflow);
  await gen0.start({ input: { n: 0, seen: [] } });
  const step = await gen0.stepAt(
    SECOND,
    ev.eventRaised('item', 'A'),
    ev.eventRaised('item', 'B'),
    ev.eventRaised('Item', 'C'),
  );
  t.deepEqual(step.actions, [
    {
      type: 'ContinueAsNew',
      id: 1,
      input: { n: 1, seen: ['A'] },
      carriedEvents: [
        { name: 'item', data: 'B' },
        { name: 'Item', data: 'C' },
      ],
    },
  ]);
  t.is(step.status, 'CONTINUED_AS_NEW');
  t.deepEqual(step.warnings, []);

  const [action] = step.actions;
  if (action?.type !== 'ContinueAsNew') return t.fail('expected ContinueAsNew');
  const opening = continueAsNewHistory(startedOf(gen0), action, at(2 * SECOND));
  t.like(opening[1], { type: 'ExecutionStarted', generation: 1, input: { n: 1, seen: ['A'] } });

  const gen1 = new ReplayHarness(workflow);
  const second = await gen1.step(...opening);
  t.deepEqual(second.actions, [
    {
      type: 'ContinueAsNew',
      id: 1,
      input: { n: 2, seen: ['A', 'B'] },
      carriedEvents: [{ name: 'Item', data: 'C' }],
    },
  ]);
  const [again] = second.actions;
  if (again?.type !== 'ContinueAsNew') return t.fail('expected ContinueAsNew');
  const gen2 = new ReplayHarness(workflow);
  const done = await gen2.step(...continueAsNewHistory(startedOf(gen1), again, at(3 * SECOND)));
  t.deepEqual(done.actions, [
    { type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: { n: 3, seen: ['A', 'B', 'C'] } },
  ]);
  t.is(done.state.generation, 2);
});

test('continue-as-new without saving events drops them (and reports them)', async (t) => {
  const gen0 = new ReplayHarness(tally(false));
  await gen0.start({ input: { n: 0, seen: [] } });
  const step = await gen0.stepAt(SECOND, ev.eventRaised('item', 'A'), ev.eventRaised('item', 'B'));
  t.deepEqual(step.actions, [
    { type: 'ContinueAsNew', id: 1, input: { n: 1, seen: ['A'] }, carriedEvents: [] },
  ]);
  t.deepEqual(
    step.warnings.map((w) => w.code),
    ['after-completion'],
  );
  t.false(step.newHistory.some((e) => e.type === 'EventRaised' && e.data === 'B'));
});

test('events buffered before continue-as-new are carried in arrival order', async (t) => {
  async function* busy(ctx: WorkflowContext, round: number) {
    yield ctx.callActivity('work', round);
    ctx.continueAsNew(round + 1, true);
  }
  const run = new ReplayHarness(busy);
  await run.start({ input: 0 });
  await run.stepAt(SECOND, ev.eventRaised('b', 1), ev.eventRaised('a', 2), ev.eventRaised('b', 3));
  const done = await run.stepAt(2 * SECOND, ev.taskCompleted(1));
  t.deepEqual(done.actions, [
    {
      type: 'ContinueAsNew',
      id: 2,
      input: 1,
      carriedEvents: [
        { name: 'b', data: 1 },
        { name: 'a', data: 2 },
        { name: 'b', data: 3 },
      ],
    },
  ]);
});

test('results addressed to an older generation are ignored', async (t) => {
  async function* gen(ctx: WorkflowContext) {
    return yield* ctx.callActivity('work');
  }
  const run = new ReplayHarness(gen);
  const first = await run.start({ instanceId: 'p', generation: 1 });
  t.deepEqual(first.actions, [{ type: 'ScheduleTask', id: 1, name: 'work' }]);
  const stale = await run.stepAt(SECOND, ev.taskCompleted(1, 'from gen 0', at(SECOND), 0));
  t.deepEqual(stale.actions, []);
  t.deepEqual(
    stale.warnings.map((w) => w.code),
    ['stale-generation'],
  );
  const current = await run.stepAt(2 * SECOND, ev.taskCompleted(1, 'from gen 1', at(2 * SECOND), 1));
  t.deepEqual(current.actions, [
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: 'from gen 1' },
  ]);
});

test('code after continueAsNew does not run', async (t) => {
  let ranAfter = false;
  async function* early(ctx: WorkflowContext) {
    ctx.continueAsNew('next');
    yield ctx.createTimer(5);
    ranAfter = true;
  }
  const run = new ReplayHarness(early);
  const result = await run.start();
  t.deepEqual(result.actions, [{ type: 'ContinueAsNew', id: 1, input: 'next', carriedEvents: [] }]);
  t.false(ranAfter);
});
