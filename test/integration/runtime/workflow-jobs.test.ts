// Jobs whose ticks start workflows or raise events, on a WorkflowRuntime and real etcd: the tick
// handlers called twice for one tick (a redelivery) act once, and WorkflowClient.scheduleWorkflowJob.
import test from 'ava';
import { nanoid } from 'nanoid';
import {
  JobTargetValidationError,
  PayloadTooLargeError,
  WorkflowClient,
  WorkflowRuntimeStatus,
  type WorkflowContext,
  type WorkflowState,
} from '../../../src/index.js';
import type { ReminderTrigger } from '../../../src/runtime/reminders/reminder-port.js';
import { raiseEventTick, startWorkflowTick } from '../../../src/runtime/job-targets/workflow-job-handlers.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startRuntime, TEST_PARTITIONS } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

async function echo(_ctx: WorkflowContext, input: unknown): Promise<unknown> {
  return input;
}

/** Counts `ping` events: the first, then any more that come within 300 ms of the last. */
async function* pings(ctx: WorkflowContext) {
  const first = ctx.waitForExternalEvent<number>('ping');
  const seen: unknown[] = [yield first];
  for (;;) {
    const next = ctx.waitForExternalEvent<number>('ping');
    const winner = yield* ctx.whenAny([next, ctx.createTimer('300ms')]);
    if (winner !== next) return seen;
    seen.push(next.result);
  }
}

/** Waits for an instance a job is to start (it does not exist yet), then for its completion. */
async function completion(client: WorkflowClient, id: string): Promise<WorkflowState> {
  await waitFor(async () => (await client.getWorkflowState(id, false)) !== undefined, {
    what: `${id} to be started`,
    intervalMs: 20,
  });
  return client.waitForWorkflowCompletion(id, true, 10);
}

const trigger = (name: string, data: unknown, scheduledAt: Date, attempt = 1): ReminderTrigger => ({
  name,
  data: data as ReminderTrigger['data'],
  scheduledAt,
  attempt,
});

test('the start of one tick, delivered three times, starts one instance and keeps it', async (t) => {
  const { client } = await startRuntime(t, etcd, (r) => r.registerWorkflow(echo));
  const warnings: Error[] = [];
  const deps = { client, warn: (e: Error) => warnings.push(e) };
  const tick = new Date('2026-06-01T10:00:00.000Z');
  const delivery = trigger('nightly', { name: 'echo', input: 'first' }, tick);

  // Twice at once (two replicas racing after a handover), then again once it has finished.
  t.deepEqual(await Promise.all([startWorkflowTick(deps, delivery), startWorkflowTick(deps, delivery)]), [
    'success',
    'success',
  ]);
  const id = 'nightly@2026-06-01T10:00:00.000Z';
  const done = await client.waitForWorkflowCompletion(id, true, 10);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  const again = trigger('nightly', { name: 'echo', input: 'second' }, tick, 2);
  t.is(await startWorkflowTick(deps, again), 'success');

  const after = await client.getWorkflowState(id, true);
  t.is(after?.createdAt.getTime(), done.createdAt.getTime(), 'the finished instance was not replaced');
  t.is(after?.serializedOutput, '"first"');
  const { instances } = await client.listWorkflows({ namePrefix: 'echo' });
  t.deepEqual(
    instances.map((i) => i.instanceId),
    [id],
  );
  t.deepEqual(warnings, []);

  // The next tick is another instance.
  const next = new Date(tick.getTime() + 86_400_000);
  t.is(await startWorkflowTick(deps, trigger('nightly', { name: 'echo', input: 2 }, next)), 'success');
  t.is(
    (await client.waitForWorkflowCompletion(`nightly@${next.toISOString()}`, true, 10)).serializedOutput,
    '2',
  );
});

test('the raise of one tick, delivered twice before the instance took it, is one event', async (t) => {
  // A client of a scope no runtime serves yet: the instance stays PENDING and takes nothing
  // until the runtime starts, so both deliveries land before the event is taken.
  const appId = `t-${nanoid(8)}`;
  const early = new WorkflowClient({ etcd: { hosts: etcd.hosts }, appId, partitions: TEST_PARTITIONS });
  t.teardown(() => early.close());
  await early.scheduleNewWorkflow('pings', undefined, 'p-1');
  const warnings: Error[] = [];
  const deps = { client: early, warn: (e: Error) => warnings.push(e) };
  const tick = new Date('2026-06-01T10:00:00.000Z');
  const data = { instanceId: 'p-1', name: 'ping', data: 1 };
  t.is(await raiseEventTick(deps, trigger('ping-job', data, tick)), 'success');
  t.is(await raiseEventTick(deps, trigger('ping-job', data, tick, 2)), 'success');
  // Another tick of the same job is another event.
  const later = new Date(tick.getTime() + 1_000);
  t.is(await raiseEventTick(deps, trigger('ping-job', { ...data, data: 2 }, later)), 'success');

  const { client } = await startRuntime(t, etcd, (r) => r.registerWorkflow(pings), { appId });
  const done = await client.waitForWorkflowCompletion('p-1', true, 10);
  t.deepEqual(JSON.parse(done.serializedOutput ?? 'null'), [1, 2]);
  t.deepEqual(warnings, []);

  // Finished now: a raise fails the tick (the job's failure policy decides), with a warning.
  t.is(await raiseEventTick(deps, trigger('ping-job', data, new Date())), 'failed');
  t.regex(
    warnings[0]?.message ?? '',
    /job "ping-job": could not raise event "ping" .*"p-1": the instance has finished \(COMPLETED\)/,
  );
  t.is(
    await raiseEventTick(deps, trigger('ping-job', { ...data, instanceId: 'p-404' }, new Date())),
    'failed',
  );
  t.regex(warnings[1]?.message ?? '', /"p-404": the instance does not exist/);
});

test('WorkflowClient.scheduleWorkflowJob: a recurring start and a delayed raise fire on the runtime', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, (r) =>
    r.registerWorkflow(echo).registerWorkflow(pings),
  );
  const anchor = Date.now() + 300;
  await client.scheduleWorkflowJob('every', {
    schedule: '@every 200ms',
    dueTime: new Date(anchor),
    repeats: 2,
    target: { workflow: { name: echo, input: { n: 1 } } },
  });
  const view = await runtime.timers.get('every');
  t.is(view.target, 'start-workflow');
  t.deepEqual(view.data, { name: 'echo', input: { n: 1 } });
  for (const at of [anchor, anchor + 200]) {
    const state = await completion(client, `every@${new Date(at).toISOString()}`);
    t.true(state.createdAt.getTime() >= at, 'never early');
    t.is(state.serializedOutput, '{"n":1}');
  }

  await client.scheduleNewWorkflow(pings, undefined, 'p-2');
  await client.scheduleWorkflowJob('ping-later', {
    dueTime: '300ms',
    target: { raiseEvent: { instanceId: 'p-2', name: 'ping', data: 7 } },
  });
  t.deepEqual(
    JSON.parse((await client.waitForWorkflowCompletion('p-2', true, 10)).serializedOutput ?? 'null'),
    [7],
  );
  await waitFor(async () => (await runtime.timers.list({ prefix: 'ping-later' })).length === 0, {
    what: 'the one-shot raise job to end',
  });
  t.false(await client.deleteWorkflowJob('ping-later'));
});

test('WorkflowClient.scheduleWorkflowJob refuses a bad target and stores nothing', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, () => undefined);
  const bad = async (name: string, target: unknown): Promise<JobTargetValidationError> => {
    const error = await t.throwsAsync(
      client.scheduleWorkflowJob(name, { dueTime: '1h', target } as Parameters<
        typeof client.scheduleWorkflowJob
      >[1]),
      { instanceOf: JobTargetValidationError },
    );
    t.is((await runtime.timers.list({ prefix: name })).length, 0);
    return error!;
  };
  t.is((await bad('j1', { workflow: {} })).field, 'target.workflow.name');
  t.is((await bad('j2', { raiseEvent: { instanceId: 'x', name: '' } })).field, 'target.raiseEvent.name');
  t.is((await bad('j3', { workflow: { name: 'a' }, raiseEvent: {} })).field, 'target');
  t.is((await bad('j 4', { workflow: { name: 'a' } })).field, 'name');
  t.is((await bad('x'.repeat(180), { workflow: { name: 'a' } })).field, 'name');
  const large = await t.throwsAsync(
    client.scheduleWorkflowJob('j5', {
      dueTime: '1h',
      target: { workflow: { name: 'a', input: 'x'.repeat(300_000) } },
    }),
    { instanceOf: PayloadTooLargeError },
  );
  t.is(large?.field, 'target.workflow.input');
});
