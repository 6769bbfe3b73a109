import test from 'ava';
import {
  WorkflowNotFoundError,
  WorkflowRuntimeStatus,
  WorkflowStateError,
  WorkflowClient,
  WorkflowValidationError,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';
import { GatedKv } from '../../helpers/gated-kv.js';
import { startRuntime, TEST_PARTITIONS } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

/** Waits for an event, with an hour-long timer that only a terminate cuts short. */
async function* waiter(ctx: WorkflowContext) {
  const timer = ctx.createTimer('1h');
  const event = ctx.waitForExternalEvent<string>('go');
  const winner = yield* ctx.whenAny([event, timer]);
  return winner === event ? event.result : 'timer';
}

test('terminate with a reason: TERMINATED, the reason as output, reminders gone', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(waiter));
  const id = await client.scheduleNewWorkflow(waiter);
  await client.waitForWorkflowStart(id, false, 10);
  t.is((await runtime.timers.list({ prefix: `wf~${id}~0~timer~` })).length, 1);
  await client.terminateWorkflow(id, 'stopped by operator');
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state.serializedOutput, '"stopped by operator"');
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
  // Terminating a finished instance changes nothing.
  await client.terminateWorkflow(id, 'again');
  t.is((await client.getWorkflowState(id))?.serializedOutput, '"stopped by operator"');
});

test('an event raised while its instance is purged never reaches a new instance with that id', async (t) => {
  const { client, appId } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(waiter));
  const id = 'purged-then-reused';
  await client.scheduleNewWorkflow(waiter, undefined, id);
  await client.raiseEvent(id, 'go', 'first run');
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '"first run"');

  // A second client reads the finished instance, then its write waits while the id is purged and reused.
  const gated = new GatedKv(await etcd.connect());
  const late = new WorkflowClient({ kv: gated, appId, partitions: TEST_PARTITIONS });
  gated.hold();
  const raising = late.raiseEvent(id, 'go', 'meant for the purged instance');
  await gated.held;
  t.true(await client.purgeWorkflow(id));
  await client.scheduleNewWorkflow(waiter, undefined, id);
  await client.waitForWorkflowStart(id, false, 10);
  gated.release();
  await t.throwsAsync(raising, { instanceOf: WorkflowNotFoundError });

  await client.raiseEvent(id, 'go', 'second run');
  t.is((await client.waitForWorkflowCompletion(id, true, 30)).serializedOutput, '"second run"');
});

test('purge: true for a finished instance, which is then gone; a running one is refused', async (t) => {
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(waiter));
  const done = await client.scheduleNewWorkflow(waiter);
  const running = await client.scheduleNewWorkflow(waiter);
  await client.raiseEvent(done, 'go', 'went');
  t.is((await client.waitForWorkflowCompletion(done, true, 30)).serializedOutput, '"went"');
  t.true(await client.purgeWorkflow(done));
  t.is(await client.getWorkflowState(done), undefined);
  await t.throwsAsync(client.getWorkflowHistory(done), { instanceOf: WorkflowNotFoundError });
  t.false(await client.purgeWorkflow(done));

  await client.waitForWorkflowStart(running, false, 10);
  const refused = await t.throwsAsync(client.purgeWorkflow(running), { instanceOf: WorkflowStateError });
  t.is(refused?.instanceId, running);
  t.is((await client.getWorkflowState(running))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  // A purged id can be used again.
  const again = await client.scheduleNewWorkflow(waiter, undefined, done);
  await client.raiseEvent(again, 'go', 'twice');
  t.is((await client.waitForWorkflowCompletion(again, true, 30)).serializedOutput, '"twice"');
});

test('suspend, raise an event, resume: the event takes effect only after resuming', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(waiter));
  const id = await client.scheduleNewWorkflow(waiter);
  await client.waitForWorkflowStart(id, false, 10);
  await client.suspendWorkflow(id, 'maintenance');
  await waitFor(async () => (await client.getWorkflowState(id))?.runtimeStatus === 'SUSPENDED', {
    what: 'SUSPENDED',
  });
  const stepped = nextEvent(runtime, 'step', { filter: (e) => e.instanceId === id });
  await client.raiseEvent(id, 'go', 'after resume');
  const [step] = await stepped;
  t.is(step.status, WorkflowRuntimeStatus.SUSPENDED, 'the event was taken in while suspended');
  t.is((await client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.SUSPENDED);
  await client.resumeWorkflow(id);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, '"after resume"');
});

test('a recursive terminate stops the parent and its running child', async (t) => {
  async function* parentOfWaiter(ctx: WorkflowContext) {
    return yield* ctx.callChildWorkflow(waiter, undefined, {
      instanceId: `${ctx.getWorkflowInstanceId()}-child`,
    });
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(parentOfWaiter).registerWorkflow(waiter),
  );
  const id = await client.scheduleNewWorkflow(parentOfWaiter);
  const child = `${id}-child`;
  await waitFor(async () => (await client.getWorkflowState(child))?.runtimeStatus === 'RUNNING', {
    what: 'the child to run',
  });
  await client.terminateWorkflow(id, 'cancelled');
  const [parentState, childState] = await Promise.all([
    client.waitForWorkflowCompletion(id, true, 30),
    client.waitForWorkflowCompletion(child, true, 30),
  ]);
  t.is(parentState.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(childState.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(parentState.serializedOutput, '"cancelled"');
  t.is(childState.serializedOutput, '"cancelled"');
});

test('an unknown instance: undefined state, typed errors from actions that need it', async (t) => {
  const { client } = await startRuntime(t, etcd, () => undefined);
  t.is(await client.getWorkflowState('no-such-instance'), undefined);
  const raised = await t.throwsAsync(client.raiseEvent('no-such-instance', 'go'), {
    instanceOf: WorkflowNotFoundError,
  });
  t.is(raised?.instanceId, 'no-such-instance');
  await t.throwsAsync(client.terminateWorkflow('no-such-instance'), { instanceOf: WorkflowNotFoundError });
  await t.throwsAsync(client.suspendWorkflow('no-such-instance'), { instanceOf: WorkflowNotFoundError });
  await t.throwsAsync(client.waitForWorkflowCompletion('no-such-instance', true, 1), {
    instanceOf: WorkflowNotFoundError,
  });
  t.false(await client.purgeWorkflow('no-such-instance'));
  const bad = await t.throwsAsync(client.getWorkflowState('a/b'), { instanceOf: WorkflowValidationError });
  t.is(bad?.field, 'instanceId');
  t.is(bad?.value, 'a/b');
});

test('listWorkflows filters by status, name and creation time, and pages', async (t) => {
  async function* alphaFlow(ctx: WorkflowContext) {
    return yield* ctx.waitForExternalEvent('go');
  }
  async function betaFlow(): Promise<string> {
    return 'beta';
  }
  const { client } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(alphaFlow).registerWorkflow(betaFlow),
  );
  const alphas = [];
  for (let i = 0; i < 5; i++)
    alphas.push(await client.scheduleNewWorkflow(alphaFlow, undefined, `alpha-${i}`));
  // Created strictly between the two groups (creation times are in milliseconds).
  const lastAlpha = await client.getWorkflowState(alphas[alphas.length - 1] ?? '');
  const midpoint = new Date((lastAlpha?.createdAt.getTime() ?? 0) + 1);
  await waitFor(() => Date.now() > midpoint.getTime(), { what: 'the clock to pass the midpoint' });
  const betas = [];
  for (let i = 0; i < 3; i++) betas.push(await client.scheduleNewWorkflow(betaFlow, undefined, `beta-${i}`));
  await Promise.all(betas.map((id) => client.waitForWorkflowCompletion(id, false, 30)));
  await Promise.all(alphas.map((id) => client.waitForWorkflowStart(id, false, 30)));
  const ids = (page: { instances: Array<{ instanceId: string }> }): string[] =>
    page.instances.map((s) => s.instanceId).sort();

  t.deepEqual(ids(await client.listWorkflows()), [...alphas, ...betas].sort());
  t.deepEqual(ids(await client.listWorkflows({ status: WorkflowRuntimeStatus.COMPLETED })), betas);
  t.deepEqual(
    ids(
      await client.listWorkflows({ status: [WorkflowRuntimeStatus.RUNNING, WorkflowRuntimeStatus.FAILED] }),
    ),
    alphas,
  );
  t.deepEqual(ids(await client.listWorkflows({ namePrefix: 'alpha' })), alphas);
  t.deepEqual(ids(await client.listWorkflows({ createdFrom: midpoint })), betas);
  t.deepEqual(ids(await client.listWorkflows({ createdTo: midpoint })), alphas);

  const paged: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await client.listWorkflows({
      pageSize: 3,
      ...(token !== undefined && { continuationToken: token }),
    });
    t.true(page.instances.length <= 3);
    paged.push(...page.instances.map((s) => s.instanceId));
    token = page.continuationToken;
    pages++;
  } while (token !== undefined && pages < 10);
  t.is(pages, 3);
  t.deepEqual(paged.sort(), [...alphas, ...betas].sort());

  const filteredPage = await client.listWorkflows({ namePrefix: 'alpha', pageSize: 2 });
  t.is(filteredPage.instances.length, 2);
  t.truthy(filteredPage.continuationToken);
  await t.throwsAsync(client.listWorkflows({ pageSize: 0 }), { instanceOf: WorkflowValidationError });
});
