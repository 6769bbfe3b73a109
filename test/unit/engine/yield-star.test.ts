import test from 'ava';
import { TaskFailedError } from '../../../src/engine/errors.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import { ev, failure, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

test('yield* on a task gives its typed result and rethrows its failure', async (t) => {
  async function* typed(ctx: WorkflowContext) {
    const price: number = yield* ctx.callActivity<number>('price');
    try {
      yield* ctx.callActivity<string>('fails');
      return 'unreachable';
    } catch (error) {
      return { total: price * 2, failed: error instanceof TaskFailedError };
    }
  }
  const run = new ReplayHarness(typed);
  await run.start();
  await run.stepAt(SECOND, ev.taskCompleted(1, 21));
  const done = await run.stepAt(2 * SECOND, ev.taskFailed(2, failure('x')));
  t.deepEqual(done.actions, [
    { type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: { total: 42, failed: true } },
  ]);
});

test('yield* works in a sync generator too', async (t) => {
  function* sync(ctx: WorkflowContext) {
    const a = yield* ctx.waitForExternalEvent<string>('a');
    return a.toUpperCase();
  }
  const run = new ReplayHarness(sync);
  await run.start();
  const done = await run.stepAt(SECOND, ev.eventRaised('a', 'shout'));
  t.deepEqual(done.actions, [{ type: 'CompleteWorkflow', id: 1, status: 'COMPLETED', result: 'SHOUT' }]);
});
