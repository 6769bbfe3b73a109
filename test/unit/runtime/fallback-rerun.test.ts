/**
 * An activity whose outcome this replica could not record is run again by its instance's fallback
 * reminder once it is `activityFallbackSeconds` old, and counted (event `activitiesRerun`). A
 * runtime on a MemoryKv whose one step commit fails, with a fake clock moved by hand.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import type { TxnResult } from '../../../src/etcd/kv-store.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import type { StoreGuard, StoreOp } from '../../../src/etcd/store-op.js';
import {
  WorkflowClient,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { memorySteps } from '../../helpers/memory-steps.js';

/** Fails the first transaction that records an activity's completion, as a broken store would. */
class FailsFirstCompletionKv extends MemoryKv {
  failed = false;

  override async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    const completes = ops.some((op) => op.op === 'put' && op.value.includes('"type":"TaskCompleted"'));
    if (completes && !this.failed) {
      this.failed = true;
      throw new Error('disk full (test)');
    }
    return super.txn(guards, ops);
  }
}

test('an outcome that could not be recorded: the fallback runs the activity again a delay later, counted', async (t) => {
  const clock = new FakeClock();
  const kv = new FailsFirstCompletionKv({ clock });
  const steps = memorySteps(kv, clock);
  const runs: number[] = [];
  async function charge(_ctx: WorkflowActivityContext, cents: number): Promise<number> {
    runs.push(clock.now());
    return cents;
  }
  async function* order(ctx: WorkflowContext, cents: number) {
    return yield* ctx.callActivity<number>(charge, cents);
  }
  const runtime = new WorkflowRuntime({ kv, clock, partitions: 1, activityFallbackSeconds: 30 });
  runtime.registerWorkflow(order).registerActivity(charge);
  const rerun: number[] = [];
  runtime.on('activitiesRerun', (count) => rerun.push(count));
  const warnings: string[] = [];
  runtime.on('warning', (error) => warnings.push(error.message));
  const client = new WorkflowClient({ kv, clock, partitions: 1 });
  t.teardown(async () => {
    await runtime.stop();
    await client.close();
  });
  await runtime.start();
  const start = clock.now();
  const id = await client.scheduleNewWorkflow(order, 500);
  await steps.advanceTo(start + 29_999);
  t.true(kv.failed, 'the step recording the outcome failed');
  t.deepEqual(runs, [start], 'ran once, and not again before the delay');
  t.is((await client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);

  await steps.advanceTo(start + 30_000);
  t.deepEqual(runs, [start, start + 30_000], 'run again when a delay old');
  t.deepEqual(rerun, [1]);
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state?.serializedOutput, '500');
  t.true(
    warnings.some((w) => w.includes('disk full')),
    `the failed delivery is reported: ${warnings.join('; ')}`,
  );
});
