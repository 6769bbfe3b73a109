import test from 'ava';
import {
  TaskFailedError,
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

async function* collector(ctx: WorkflowContext) {
  const a = yield* ctx.waitForExternalEvent<string>('note');
  const b = yield* ctx.waitForExternalEvent<string>('note');
  return [a, b];
}

test('a step that completes may also send events and leave unawaited work behind', async (t) => {
  const ran: string[] = [];
  async function notify(_ctx: WorkflowActivityContext, what: string): Promise<void> {
    ran.push(what);
  }
  async function* fireAndForget(ctx: WorkflowContext, target: string) {
    yield ctx.createTimer('100ms');
    // Two messages to one instance in one step both re-arm its wake reminder.
    ctx.sendEvent(target, 'note', 'first');
    ctx.sendEvent(target, 'note', 'second');
    void ctx.callActivity(notify, 'never awaited');
    void ctx.createTimer('1h');
    return 'done';
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fireAndForget).registerWorkflow(collector).registerActivity(notify),
  );
  const target = await client.scheduleNewWorkflow(collector);
  const id = await client.scheduleNewWorkflow(fireAndForget, target);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, '"done"');
  t.is((await client.waitForWorkflowCompletion(target, true, 30)).serializedOutput, '["first","second"]');
  // The finished instance keeps no reminder: its unawaited activity and timer are dropped.
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
  t.deepEqual(ran, []);
});

test('a child id reused by the next generation replaces the finished child', async (t) => {
  async function echo(_ctx: WorkflowContext, n: number): Promise<number> {
    return n;
  }
  async function* sameChildEachRound(ctx: WorkflowContext, n: number) {
    const childId = `${ctx.getWorkflowInstanceId()}-child`;
    const r = yield* ctx.callChildWorkflow<number>(echo, n, { instanceId: childId });
    if (n < 2) ctx.continueAsNew(n + 1);
    return r;
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(sameChildEachRound).registerWorkflow(echo),
  );
  const id = await client.scheduleNewWorkflow(sameChildEachRound, 0);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '2');
  const child = await client.getWorkflowHistory(`${id}-child`);
  const started = child.find((e) => e.type === 'ExecutionStarted');
  // Third run of the child: generations 0, 1, 2, each replacing the one before.
  t.is(started?.type === 'ExecutionStarted' ? started.generation : undefined, 2);
  t.is(started?.type === 'ExecutionStarted' ? started.input : undefined, 2);
});

test('a child id held by another running instance fails the call instead of hanging', async (t) => {
  async function* holdsId(ctx: WorkflowContext) {
    return yield* ctx.waitForExternalEvent('never');
  }
  async function* wantsId(ctx: WorkflowContext) {
    try {
      return yield* ctx.callChildWorkflow(holdsId, undefined, { instanceId: 'taken' });
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      return error.details.errorType;
    }
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(holdsId).registerWorkflow(wantsId),
  );
  await client.scheduleNewWorkflow(holdsId, undefined, 'taken');
  await client.waitForWorkflowStart('taken', false, 10);
  const id = await client.scheduleNewWorkflow(wantsId);
  t.is(
    (await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput,
    '"WorkflowAlreadyExistsError"',
  );
  t.is((await client.getWorkflowState('taken'))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.is((await client.getWorkflowState('taken'))?.parentInstanceId, undefined);
});

test('scheduling a finished instance id again replaces it with a fresh run', async (t) => {
  async function* once(ctx: WorkflowContext, label: string) {
    const extra = yield* ctx.waitForExternalEvent<string>('go');
    return `${label} ${extra}`;
  }
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(once));
  const id = await client.scheduleNewWorkflow(once, 'first', 'reused');
  await client.raiseEvent(id, 'go', 'a');
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '"first a"');
  // A late message for the finished run (in its inbox before the replacement) must not leak.
  await client.raiseEvent(id, 'go', 'late');
  await client.scheduleNewWorkflow(once, 'second', 'reused');
  await client.raiseEvent(id, 'go', 'b');
  const second = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(second.serializedOutput, '"second b"');
  const history = await client.getWorkflowHistory(id);
  t.is(history.filter((e) => e.type === 'ExecutionStarted').length, 1);
  t.is(history.filter((e) => e.type === 'EventRaised').length, 1);
});
