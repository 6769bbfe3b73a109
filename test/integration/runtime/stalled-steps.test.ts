/**
 * Stalled steps on a real etcd (issue 16, item 2): code that throws, or diverges from its history,
 * leaves the instance RUNNING with its stall visible; the step is retried with backoff on the
 * instance's wake reminder, and a runtime started with fixed code over the same store completes
 * it. A deliberate failure (an uncaught TaskFailedError, failFast) still fails the instance.
 */
import test from 'ava';
import {
  WorkflowRuntimeStatus,
  type StallEvent,
  type WorkflowContext,
  type WorkflowRuntime,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent } from '../../helpers/etcd-wait.js';
import { completionCounts, startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

/** Short backoff so retries come quickly: 200 ms doubling to 1 s. */
const stallRetry = { firstIntervalSeconds: 0.2, maxIntervalSeconds: 1 };

function nextStall(runtime: WorkflowRuntime, instanceId: string, attempts?: number): Promise<StallEvent> {
  return nextEvent(runtime, 'stalled', {
    filter: (e) => e.instanceId === instanceId && (attempts === undefined || e.attempts === attempts),
    what: `stall ${attempts ?? ''} of ${instanceId}`,
  }).then(([event]) => event);
}

/** The order workflow, as deployed with a bug (`fixed` false) and after the fix. */
function orderWorkflow(fixed: boolean) {
  return async function* order(ctx: WorkflowContext, id: string) {
    const reserved = yield* ctx.callActivity<string>('reserve', id);
    const address = fixed ? { city: 'Lyon' } : undefined;
    // The bug: reads a field of undefined after the activity.
    const city = (address as { city: string }).city;
    return `${reserved} to ${city}`;
  };
}

test('code that throws stalls, is retried with backoff, and a runtime with fixed code completes it', async (t) => {
  const reserve = async (_ctx: unknown, id: string) => `reserved ${id}`;
  const buggy = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflowWithName('order', orderWorkflow(false)).registerActivity(reserve),
    { stallRetry },
  );
  const { client, runtime, appId } = buggy;
  const first = nextStall(runtime, 'o-1', 1);
  const second = nextStall(runtime, 'o-1', 2);
  const id = await client.scheduleNewWorkflow('order', 'o-1', 'o-1');
  const one = await first;
  t.is(one.failure.errorType, 'TypeError');
  t.is(one.workflowName, 'order');
  const two = await second;
  // The wait doubles: 200 ms after the first attempt, 400 ms after the second.
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.is(state?.workflowFailureDetails, undefined);
  const stalled = state?.stalled;
  if (!stalled) return t.fail('no stall in the state');
  t.true(stalled.attempts >= 2);
  t.is(stalled.errorType, 'TypeError');
  t.regex(stalled.message, /reading 'city'/);
  t.regex(stalled.stackTrace ?? '', /TypeError/);
  t.true(stalled.firstStalledAt.getTime() <= stalled.lastStalledAt.getTime());
  if (stalled.attempts === 2) {
    t.is(stalled.nextRetryAt.getTime() - stalled.lastStalledAt.getTime(), 400);
    t.deepEqual(stalled.nextRetryAt, two.nextRetryAt);
  }
  const listed = await client.listWorkflows({ stalled: true });
  t.deepEqual(
    listed.instances.map((i) => i.instanceId),
    [id],
  );
  t.deepEqual((await client.listWorkflows({ stalled: false })).instances, []);
  // Nothing of the attempts was committed past the step that scheduled the activity.
  const history = await client.getWorkflowHistory(id);
  t.deepEqual(
    history.map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled'],
  );

  // The redeploy: this replica stops, one with the fix takes over the same scope.
  await runtime.stop();
  const fixed = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflowWithName('order', orderWorkflow(true)).registerActivity(reserve),
    { stallRetry, appId },
  );
  const cleared = nextEvent(fixed.runtime, 'stallCleared', { filter: (instanceId) => instanceId === id });
  const done = await fixed.client.waitForWorkflowCompletion(id, true, 30);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(done.serializedOutput, '"reserved o-1 to Lyon"');
  t.is(done.stalled, undefined);
  const [, attempts] = await cleared;
  t.true(attempts >= 2);
  // The activity result was taken once, by the step that completed.
  const types = (await client.getWorkflowHistory(id)).map((e) => e.type);
  t.is(types.filter((type) => type === 'TaskCompleted').length, 1);
  t.is(types.at(-1), 'ExecutionCompleted');
});

test('a diverging workflow stalls on NonDeterminismError, keeps the events sent meanwhile, and resumes with fixed code', async (t) => {
  const charge = async () => 'charged';
  const check = async () => 'checked';
  async function* original(ctx: WorkflowContext) {
    const charged = yield* ctx.callActivity<string>(charge);
    const go = yield* ctx.waitForExternalEvent<string>('go');
    return [charged, go];
  }
  // A change that puts a new activity first: in-flight histories no longer match it.
  async function* reordered(ctx: WorkflowContext) {
    yield* ctx.callActivity<string>(check);
    const charged = yield* ctx.callActivity<string>(charge);
    const go = yield* ctx.waitForExternalEvent<string>('go');
    return [charged, go];
  }
  const register = (workflow: typeof original) => (rt: WorkflowRuntime) =>
    rt.registerWorkflowWithName('flow', workflow).registerActivity(charge).registerActivity(check);
  const v1 = await startRuntime(t, etcd, register(original), { stallRetry });
  const id = await v1.client.scheduleNewWorkflow('flow', undefined, 'flow-1');
  // Waiting for the event: the activity's result is in history.
  await nextEvent(v1.runtime, 'step', {
    filter: (e) => e.instanceId === id && e.events > 0 && e.actions === 0,
    what: 'the step that takes the activity result',
  });
  await v1.runtime.stop();

  const v2 = await startRuntime(t, etcd, register(reordered), { stallRetry, appId: v1.appId });
  const stall = nextStall(v2.runtime, id);
  // The event arrives for a code version that diverges: the attempt it triggers stalls.
  await v2.client.raiseEvent(id, 'go', 'now');
  const event = await stall;
  t.is(event.failure.errorType, 'NonDeterminismError');
  t.regex(
    event.failure.message,
    /at sequence id 1 history recorded TaskScheduled "charge" but the code now does ScheduleTask "check"/,
  );
  const state = await v2.client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.is(state?.stalled?.errorType, 'NonDeterminismError');
  await v2.runtime.stop();

  // The fix keeps the recorded order for in-flight instances.
  const v3 = await startRuntime(t, etcd, register(original), { stallRetry, appId: v1.appId });
  const done = await v3.client.waitForWorkflowCompletion(id, true, 30);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.deepEqual(JSON.parse(done.serializedOutput ?? 'null'), ['charged', 'now']);
});

test('an unregistered workflow stalls on its first step and starts once a replica registers it', async (t) => {
  async function later(_ctx: WorkflowContext, n: number): Promise<number> {
    return n + 1;
  }
  const without = await startRuntime(t, etcd, () => undefined, { stallRetry });
  const stall = nextStall(without.runtime, 'later-1');
  const id = await without.client.scheduleNewWorkflow('later', 41, 'later-1');
  t.is((await stall).failure.errorType, 'WorkflowNotRegisteredError');
  // Started as far as clients see (Dapr has no status for a stall), the stall says why it waits.
  const started = await without.client.waitForWorkflowStart(id, false, 10);
  t.is(started.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.is(started.stalled?.errorType, 'WorkflowNotRegisteredError');
  // A second one, ended with force while its first step stalls: its history still opens with
  // its ExecutionStarted, which was waiting in the inbox.
  const forcedStall = nextStall(without.runtime, 'later-2');
  const forced = await without.client.scheduleNewWorkflow('later', 1, 'later-2');
  await forcedStall;
  await without.client.terminateWorkflow(forced, 'gave up', { force: true });
  t.deepEqual(
    (await without.client.getWorkflowHistory(forced)).map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'ExecutionTerminated', 'ExecutionCompleted'],
  );
  t.is((await without.client.getWorkflowState(forced))?.stalled, undefined);
  await without.runtime.stop();
  const withIt = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(later), {
    stallRetry,
    appId: without.appId,
  });
  const done = await withIt.client.waitForWorkflowCompletion(id, true, 30);
  t.is(done.serializedOutput, '42');
  const history = await withIt.client.getWorkflowHistory(id);
  t.deepEqual(
    history.map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'ExecutionCompleted'],
  );
});

test('fail-fast registration fails the instance on the first error, as before', async (t) => {
  // eslint-disable-next-line require-yield -- throws before it waits
  async function* brittle(_ctx: WorkflowContext) {
    throw new RangeError('quantity out of range');
  }
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(brittle, { failFast: true }), {
    stallRetry,
  });
  const id = await client.scheduleNewWorkflow(brittle);
  const done = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.like(done.workflowFailureDetails, { errorType: 'RangeError', message: 'quantity out of range' });
  t.is(done.stalled, undefined);
});

test('an uncaught TaskFailedError fails the instance; a terminate ends a stalled one', async (t) => {
  const charge = async () => {
    throw new Error('card declined');
  };
  async function* payment(ctx: WorkflowContext) {
    yield* ctx.callActivity('charge');
  }
  // eslint-disable-next-line require-yield -- throws before it waits
  async function* broken(_ctx: WorkflowContext) {
    throw new Error('bug');
  }
  const { client, runtime } = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflow(payment).registerWorkflow(broken).registerActivity(charge),
    { stallRetry },
  );
  const paid = await client.scheduleNewWorkflow(payment);
  const failed = await client.waitForWorkflowCompletion(paid, true, 30);
  t.is(failed.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(failed.workflowFailureDetails?.errorType, 'TaskFailedError');

  const stall = nextStall(runtime, 'broken-1');
  const id = await client.scheduleNewWorkflow(broken, undefined, 'broken-1');
  await stall;
  await client.terminateWorkflow(id, 'given up');
  const ended = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(ended.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(ended.stalled, undefined);
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), [], 'no retry left behind');
});

test('a burst of results reaching a stalled instance (more than one transaction holds) is kept and recorded once after the fix', async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Task 0 answers at once; the other 299 wait for the gate, then answer together.
  async function work(_ctx: unknown, i: number): Promise<number> {
    if (i > 0) await gate;
    return i;
  }
  function fanOut(fixed: boolean) {
    return async function* fan(ctx: WorkflowContext) {
      const tasks = Array.from({ length: 300 }, (_, i) => ctx.callActivity<number>(work, i));
      yield tasks[0];
      if (!fixed) throw new Error('bug after the first result');
      const all = yield* ctx.whenAll(tasks);
      return all.reduce((sum, n) => sum + n, 0);
    };
  }
  const buggy = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflowWithName('fan', fanOut(false)).registerActivity(work),
    { stallRetry },
  );
  const first = nextStall(buggy.runtime, 'fan-1', 1);
  const id = await buggy.client.scheduleNewWorkflow('fan', undefined, 'fan-1');
  await first;
  let finished = 0;
  const all = new Promise<void>((resolve) =>
    buggy.runtime.on('activityFinished', () => {
      if (++finished === 299) resolve();
    }),
  );
  release();
  await all;
  // Stopping lets the results in flight reach the instance (each stalled attempt keeps them).
  await buggy.runtime.stop();
  t.like((await buggy.client.getWorkflowState(id))?.stalled, { errorType: 'Error' });

  const fixed = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflowWithName('fan', fanOut(true)).registerActivity(work),
    { stallRetry, appId: buggy.appId },
  );
  const done = await fixed.client.waitForWorkflowCompletion(id, true, 60);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(done.serializedOutput, String((299 * 300) / 2));
  const counts = completionCounts(await fixed.client.getWorkflowHistory(id));
  t.is(counts.size, 300);
  t.true(
    [...counts.values()].every((n) => n === 1),
    'each result recorded once',
  );
});
