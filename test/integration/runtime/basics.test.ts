import test from 'ava';
import {
  TaskFailedError,
  WorkflowFailure,
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { completionCounts, startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

async function plusOne(_ctx: WorkflowActivityContext, n: number): Promise<number> {
  return n + 1;
}

test('an empty workflow completes with no output', async (t) => {
  async function* emptyWorkflow(_ctx: WorkflowContext) {}
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(emptyWorkflow));
  const id = await client.scheduleNewWorkflow(emptyWorkflow);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.name, 'emptyWorkflow');
  t.is(state.serializedOutput, undefined);
  t.true(state.lastUpdatedAt >= state.createdAt);
  const history = await client.getWorkflowHistory(id);
  t.deepEqual(
    history.map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'ExecutionCompleted'],
  );
});

test('a 10-step activity sequence returns [1..11] and sets its custom status', async (t) => {
  async function* sequence(ctx: WorkflowContext, start: number) {
    const numbers = [start];
    let current = start;
    for (let i = 0; i < 10; i++) {
      current = yield* ctx.callActivity<number>(plusOne, current);
      numbers.push(current);
    }
    ctx.setCustomStatus('foobaz');
    return numbers;
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(sequence).registerActivity(plusOne),
  );
  const id = await client.scheduleNewWorkflow(sequence, 1);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  t.is(state.serializedInput, '1');
  t.is(state.serializedCustomStatus, '"foobaz"');
  t.is(state.customStatus, 'foobaz');
  const history = await client.getWorkflowHistory(id);
  t.is(history.filter((e) => e.type === 'TaskCompleted').length, 10);
});

test('fan-out/fan-in of 10 activities', async (t) => {
  async function square(_ctx: WorkflowActivityContext, n: number): Promise<number> {
    return n * n;
  }
  async function* fanOut(ctx: WorkflowContext, n: number) {
    const tasks = Array.from({ length: n }, (_, i) => ctx.callActivity<number>(square, i + 1));
    const results = yield* ctx.whenAll(tasks);
    return results.reduce((sum, x) => sum + x, 0);
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fanOut).registerActivity(square),
  );
  const id = await client.scheduleNewWorkflow(fanOut, 10);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, '385');
  const counts = completionCounts(await client.getWorkflowHistory(id));
  t.is(counts.size, 10);
  t.true([...counts.values()].every((n) => n === 1));
});

test('a child workflow: its output reaches the parent, and its failure too', async (t) => {
  async function shipping(_ctx: WorkflowContext, order: string): Promise<string> {
    // A deliberate failure: any other error would only stall the child's step.
    if (order === 'bad') throw new WorkflowFailure(`cannot ship ${order}`);
    return `shipped ${order}`;
  }
  async function* parentWorkflow(ctx: WorkflowContext, order: string) {
    try {
      return yield* ctx.callChildWorkflow<string>(shipping, order, {
        instanceId: `${order}-child-${ctx.getWorkflowInstanceId()}`,
      });
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      return { failed: error.details.message, kind: error.taskKind };
    }
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(parentWorkflow).registerWorkflow(shipping),
  );
  const good = await client.scheduleNewWorkflow(parentWorkflow, 'good', 'p-good');
  const bad = await client.scheduleNewWorkflow(parentWorkflow, 'bad', 'p-bad');
  const [goodState, badState] = await Promise.all([
    client.waitForWorkflowCompletion(good, true, 30),
    client.waitForWorkflowCompletion(bad, true, 30),
  ]);
  t.is(goodState.serializedOutput, '"shipped good"');
  t.deepEqual(JSON.parse(badState.serializedOutput ?? 'null'), {
    failed: 'cannot ship bad',
    kind: 'childWorkflow',
  });
  const goodChild = await client.getWorkflowState('good-child-p-good');
  const badChild = await client.getWorkflowState('bad-child-p-bad');
  t.is(goodChild?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(goodChild?.parentInstanceId, 'p-good');
  t.is(badChild?.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(badChild?.workflowFailureDetails?.message, 'cannot ship bad');
});

test('three external events raised right after the start are all received', async (t) => {
  async function* threeEvents(ctx: WorkflowContext) {
    const a = yield* ctx.waitForExternalEvent<number>('a');
    const b = yield* ctx.waitForExternalEvent<number>('b');
    const c = yield* ctx.waitForExternalEvent<number>('c');
    return [a, b, c];
  }
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(threeEvents));
  const id = await client.scheduleNewWorkflow(threeEvents);
  // Raised before the instance's first step can have run: they wait in its inbox.
  await client.raiseEvent(id, 'c', 3);
  await client.raiseEvent(id, 'a', 1);
  await client.raiseEvent(id, 'b', 2);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '[1,2,3]');
});

test('a plain function workflow returns input + 1', async (t) => {
  const addOne = (_ctx: WorkflowContext, n: number): number => n + 1;
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflowWithName('addOne', addOne));
  const id = await client.scheduleNewWorkflow('addOne', 41);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, '42');
});

test('continue-as-new from a plain async function counts up to 10', async (t) => {
  async function countUp(ctx: WorkflowContext, n: number): Promise<number> {
    if (n < 10) ctx.continueAsNew(n + 1);
    return n;
  }
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(countUp));
  const id = await client.scheduleNewWorkflow(countUp, 1);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, '10');
  t.is(state.serializedInput, '10');
  // Only the last generation's history is kept.
  const history = await client.getWorkflowHistory(id);
  const started = history.find((e) => e.type === 'ExecutionStarted');
  t.is(started?.type === 'ExecutionStarted' ? started.generation : undefined, 9);
});
