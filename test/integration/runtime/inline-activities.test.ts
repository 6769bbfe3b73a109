import test from 'ava';
import {
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type StepEvent,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';
import {
  completionCounts,
  ownAllPartitions,
  startRuntime,
  TEST_PARTITIONS,
} from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

/**
 * Counts each instance's committed steps; the count is read once the runtime says the instance
 * completed (the runtime reports a step after its commit, which a client may see first).
 */
function countSteps(runtime: WorkflowRuntime): (instanceId: string) => Promise<number> {
  const steps = new Map<string, number>();
  runtime.on('step', (e: StepEvent) => steps.set(e.instanceId, (steps.get(e.instanceId) ?? 0) + 1));
  const completed = new Set<string>();
  runtime.on('completed', (id) => completed.add(id));
  return async (instanceId) => {
    if (!completed.has(instanceId)) {
      await nextEvent(runtime, 'completed', { filter: (id) => id === instanceId });
    }
    return steps.get(instanceId) ?? 0;
  };
}

function add10(_ctx: WorkflowActivityContext, n: number): number {
  return n + 10;
}

async function* fiveSteps(ctx: WorkflowContext, n: number) {
  let value = n;
  for (let i = 0; i < 5; i++) value = yield* ctx.callActivity<number>(add10, value);
  return value;
}

test('five sequential inline activities commit with the start and the completion in one step', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fiveSteps).registerActivity(add10, { inline: true }),
  );
  const steps = countSteps(runtime);
  const id = await client.scheduleNewWorkflow(fiveSteps, 1);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '51');
  t.is(await steps(id), 1);
  // History reads as if each activity had its own step: a replay cannot tell the difference.
  const history = await client.getWorkflowHistory(id);
  const kinds = history.map((e) => e.type).filter((k) => k === 'TaskScheduled' || k === 'TaskCompleted');
  t.deepEqual(kinds, Array.from({ length: 5 }, () => ['TaskScheduled', 'TaskCompleted']).flat());
  t.is(history.filter((e) => e.type === 'OrchestratorStarted').length, 6);
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), [], 'no activity reminder was written');
});

test('the same activities without inline take one step per activity', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fiveSteps).registerActivity(add10),
  );
  const steps = countSteps(runtime);
  const id = await client.scheduleNewWorkflow(fiveSteps, 1);
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '51');
  t.is(await steps(id), 6);
});

test('maxRounds bounds the rounds of one step; the rest go on in later steps', async (t) => {
  const { client, runtime } = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflow(fiveSteps).registerActivity(add10, { inline: true }),
    { inlineActivities: { maxRounds: 2 } },
  );
  const steps = countSteps(runtime);
  const id = await client.scheduleNewWorkflow(fiveSteps, 0);
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '50');
  // Start + 2 inline; the third is scheduled as usual and its result starts a step: 2 inline.
  t.is(await steps(id), 2);
});

test('an inline fan-out and a race against a timer: the timer never reaches etcd', async (t) => {
  async function* fanOutAndRace(ctx: WorkflowContext) {
    const all = yield* ctx.whenAll(Array.from({ length: 10 }, (_, i) => ctx.callActivity<number>(add10, i)));
    const work = ctx.callActivity<number>(add10, 0);
    const winner = yield* ctx.whenAny([work, ctx.createTimer('1h')]);
    return { sum: all.reduce((a, b) => a + b, 0), won: winner === work };
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fanOutAndRace).registerActivity(add10, { inline: true }),
  );
  const steps = countSteps(runtime);
  const id = await client.scheduleNewWorkflow(fanOutAndRace);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), { sum: 145, won: true });
  t.is(await steps(id), 1);
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});

test('a failing inline activity is retried by its durable timers and its failures are recorded', async (t) => {
  let calls = 0;
  function flaky(_ctx: WorkflowActivityContext): string {
    calls++;
    if (calls < 3) throw new Error(`attempt ${calls} failed`);
    return 'ok';
  }
  async function* retried(ctx: WorkflowContext) {
    return yield* ctx.callActivity<string>(flaky, undefined, {
      retry: { maxAttempts: 3, firstRetryInterval: 100 },
    });
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(retried).registerActivity(flaky, { inline: true }),
  );
  const id = await client.scheduleNewWorkflow(retried);
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '"ok"');
  t.is(calls, 3);
  const history = await client.getWorkflowHistory(id);
  t.is(history.filter((e) => e.type === 'TaskFailed').length, 2);
});

test('a step that loses its commit runs its inline activities again, and history keeps one outcome', async (t) => {
  const kv = await etcd.connect();
  let runs = 0;
  let recordKey = '';
  async function bumpsOnce(_ctx: WorkflowActivityContext): Promise<number> {
    runs++;
    if (runs === 1) {
      // Another writer moves the instance record on while the step runs: its commit must lose.
      const entry = await kv.get(recordKey);
      if (entry) await kv.txn([], [{ op: 'put', key: recordKey, value: entry.value }]);
    }
    return runs;
  }
  async function* once(ctx: WorkflowContext) {
    return yield* ctx.callActivity<number>(bumpsOnce);
  }
  const { client, appId } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(once).registerActivity(bumpsOnce, { inline: true }),
  );
  const id = 'lost-commit';
  recordKey = `/tickflow/default/${appId}/wf/instances/${id}`;
  await client.scheduleNewWorkflow(once, undefined, id);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(runs, 2, 'at least once: the run of the lost step is repeated');
  t.is(state.serializedOutput, '2');
  t.deepEqual([...completionCounts(await client.getWorkflowHistory(id))], [['TaskCompleted#1', 1]]);
});

test('history committed by inline rounds replays on another replica', async (t) => {
  async function* twoHalves(ctx: WorkflowContext) {
    const a = yield* ctx.callActivity<number>(add10, 0);
    const b = yield* ctx.callActivity<number>(add10, a);
    const extra = yield* ctx.waitForExternalEvent<number>('go');
    const c = yield* ctx.callActivity<number>(add10, b + extra);
    return c;
  }
  const register = (rt: WorkflowRuntime): void => {
    rt.registerWorkflow(twoHalves).registerActivity(add10, { inline: true });
  };
  const first = await startRuntime(t, etcd, register);
  const id = await first.client.scheduleNewWorkflow(twoHalves);
  await first.client.waitForWorkflowStart(id, true, 30);
  await waitFor(
    async () =>
      (await first.client.getWorkflowHistory(id)).filter((e) => e.type === 'TaskCompleted').length === 2,
    { what: 'the first two activities' },
  );
  await first.runtime.stop();
  const second = new WorkflowRuntime({
    etcd: { hosts: etcd.hosts },
    appId: first.appId,
    partitions: TEST_PARTITIONS,
    leaseTtlSeconds: 2,
  });
  register(second);
  t.teardown(() => second.stop());
  const steps = countSteps(second);
  await ownAllPartitions(second.timers, () => second.start());
  await first.client.raiseEvent(id, 'go', 100);
  const state = await first.client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '130');
  t.is(await steps(id), 1, 'the event, the last activity and the completion: one step after the replay');
});

function big(_ctx: WorkflowActivityContext, i: number): string {
  return String(i).padEnd(200 * 1024, 'x');
}

async function* bigFanOut(ctx: WorkflowContext) {
  const all = yield* ctx.whenAll(Array.from({ length: 10 }, (_, i) => ctx.callActivity<string>(big, i)));
  return all.map((s) => s.slice(0, 1));
}

for (const inline of [false, true]) {
  test(`a fan-out of large results is recorded over several steps, never one too large (inline ${inline})`, async (t) => {
    // Ten results of 200 KiB each fit the payload limit alone but not one etcd request together.
    const { client, runtime } = await startRuntime(t, etcd, (rt) =>
      rt.registerWorkflow(bigFanOut).registerActivity(big, { inline }),
    );
    const steps = countSteps(runtime);
    const id = await client.scheduleNewWorkflow(bigFanOut);
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, state.workflowFailureDetails?.message);
    t.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), [
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    t.true((await steps(id)) >= 5, 'at most about 256 KiB of results per step');
    t.deepEqual([...completionCounts(await client.getWorkflowHistory(id)).values()], Array(10).fill(1));
    t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
  });
}

test('a regular activity started beside inline ones is committed first and runs, even if never awaited', async (t) => {
  const notified: string[] = [];
  function notify(_ctx: WorkflowActivityContext, what: string): void {
    notified.push(what);
  }
  async function* fireAndForget(ctx: WorkflowContext) {
    void ctx.callActivity(notify, 'started');
    return yield* ctx.callActivity<number>(add10, 1);
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fireAndForget).registerActivity(notify).registerActivity(add10, { inline: true }),
  );
  const activityDone = nextEvent(runtime, 'activityFinished', { filter: (_id, name) => name === 'notify' });
  const id = await client.scheduleNewWorkflow(fireAndForget);
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '11');
  await activityDone;
  t.deepEqual(notified, ['started']);
});
