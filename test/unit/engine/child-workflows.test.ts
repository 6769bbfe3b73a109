import test from 'ava';
import { TaskFailedError } from '../../../src/engine/errors.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { ev, failure, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

async function shipping(_ctx: WorkflowContext, orderId: string) {
  return `shipped ${orderId}`;
}

async function* parent(ctx: WorkflowContext, orderId: string) {
  try {
    const shipped = (yield ctx.callChildWorkflow(shipping, orderId)) as string;
    return { shipped };
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    return { failed: error.details.message, kind: error.taskKind, name: error.taskName };
  }
}

test('a child workflow gets a default id unique to instance, generation and sequence id', async (t) => {
  const run = new ReplayHarness(parent);
  const first = await run.start({ instanceId: 'order-7', input: 'o7', generation: 2 });
  t.deepEqual(first.actions, [
    { type: 'ScheduleChildWorkflow', id: 1, name: 'shipping', instanceId: 'order-7:2:1', input: 'o7' },
  ]);
  t.deepEqual(first.state.pendingTasks, {
    1: {
      kind: 'childWorkflow',
      name: 'shipping',
      instanceId: 'order-7:2:1',
      scheduledAt: first.state.createdAt,
    },
  });
  t.notRegex('order-7:2:1', /[/\\#?]/);
});

test('a completed child workflow returns its output to the parent', async (t) => {
  const run = new ReplayHarness(parent);
  await run.start({ input: 'o1' });
  const done = await run.stepAt(SECOND, ev.childCompleted(1, 'shipped o1'));
  t.deepEqual(done.actions, [
    { type: 'CompleteWorkflow', id: 2, status: 'COMPLETED', result: { shipped: 'shipped o1' } },
  ]);
  t.deepEqual(done.state.pendingTasks, {});
});

test('a failed child workflow surfaces as TaskFailedError of kind childWorkflow', async (t) => {
  const run = new ReplayHarness(parent);
  await run.start({ input: 'o1' });
  const done = await run.stepAt(SECOND, ev.childFailed(1, failure('no courier')));
  t.deepEqual(done.actions, [
    {
      type: 'CompleteWorkflow',
      id: 2,
      status: 'COMPLETED',
      result: { failed: 'no courier', kind: 'childWorkflow', name: 'shipping' },
    },
  ]);
});

test('an explicit child instance id is used as given', async (t) => {
  async function* named(ctx: WorkflowContext) {
    return yield* ctx.callChildWorkflow('shipping', { a: 1 }, { instanceId: 'ship-42' });
  }
  const run = new ReplayHarness(named);
  const first = await run.start();
  t.deepEqual(first.actions, [
    { type: 'ScheduleChildWorkflow', id: 1, name: 'shipping', instanceId: 'ship-42', input: { a: 1 } },
  ]);
  t.like(first.newHistory[2], { type: 'ChildWorkflowCreated', eventId: 1, instanceId: 'ship-42' });
});

test('a TaskCompleted addressed to a child workflow id is not taken as the child result', async (t) => {
  const run = new ReplayHarness(parent);
  await run.start({ input: 'o1' });
  const wrong = await run.stepAt(SECOND, ev.taskCompleted(1, 'not a child result'));
  t.deepEqual(wrong.actions, []);
  t.deepEqual(
    wrong.warnings.map((w) => w.code),
    ['duplicate-completion'],
  );
  const right = await run.stepAt(2 * SECOND, ev.childCompleted(1, 'real'));
  t.like(right.actions[0], { type: 'CompleteWorkflow', result: { shipped: 'real' } });
});
