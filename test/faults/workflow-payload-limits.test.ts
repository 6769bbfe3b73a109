/**
 * Workflow payloads and instances that can always be ended (issue 13), on a real etcd, at the
 * sizes the issue reproduced. Before: a 0.4-1.5 MB input was accepted and its instance stayed
 * PENDING forever (terminate changed nothing, purge answered 409); 1.6-4 MB start or raise bodies
 * answered 500/503; 300 events of 200 KB raised into a sleeping instance wedged it after 81 (its
 * timer never completed, history and terminate answered 503). Now: payloads over maxPayloadBytes
 * are refused at the edge with 413 and nothing stored, unconsumed events are bounded in bytes
 * (429), a step that cannot fit one etcd transaction fails its instance clearly, an activity
 * result over the limit fails that activity, and terminate/purge end an instance in any state.
 *
 * The HTTP cases run the server's app in-process (Fastify inject) on the runtime and client of a
 * real etcd.
 */
import test, { type ExecutionContext } from 'ava';
import type { FastifyInstance } from 'fastify';
import type { WorkflowRuntime } from '../../src/index.js';
import {
  TaskFailedError,
  TimerService,
  WorkflowClient,
  WorkflowRuntimeStatus,
  type StepEvent,
  type WorkflowContext,
} from '../../src/index.js';
import { within } from '../helpers/etcd-wait.js';
import { inProcessApi } from '../helpers/in-process-api.js';
import { useEtcd } from '../helpers/etcd.js';
import { startRuntime, TEST_PARTITIONS, type RuntimeFixture } from '../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

const KB = 1000;
const MB = 1000 * KB;

async function* echoLength(ctx: WorkflowContext, input: unknown) {
  yield ctx.createTimer(0);
  return JSON.stringify(input ?? null).length;
}

/** Sleeps on a durable timer, then waits for an event that never comes (so terminate has work). */
async function* sleeper(ctx: WorkflowContext) {
  ctx.setCustomStatus('sleeping');
  yield ctx.createTimer(3);
  ctx.setCustomStatus('woke');
  yield ctx.waitForExternalEvent('never-raised');
}

async function* exportsTooMuch(ctx: WorkflowContext) {
  try {
    yield ctx.callActivity('exportReport');
    return { caught: false };
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    return { caught: true, errorType: error.details.errorType, message: error.details.message };
  }
}

/** Eight activities of 200 KB input each in one step: about 3.2 MB of writes for one transaction. */
async function* bigFanOut(ctx: WorkflowContext) {
  const blob = 'x'.repeat(200 * KB);
  yield ctx.whenAll([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ctx.callActivity('store', { i, blob })));
  return 'fanned out';
}

/** 200 activities of 5.5 KB input: with a reminder each, too many for one txn, so one dispatch reminder would carry 1.1 MB. */
async function* wideFanOut(ctx: WorkflowContext) {
  const blob = 'w'.repeat(5500);
  yield ctx.whenAll(Array.from({ length: 200 }, (_, i) => ctx.callActivity('store', { i, blob })));
  return 'fanned out';
}

function register(runtime: WorkflowRuntime): void {
  runtime
    .registerWorkflow(echoLength)
    .registerWorkflow(sleeper)
    .registerWorkflow(exportsTooMuch)
    .registerWorkflow(bigFanOut)
    .registerWorkflow(wideFanOut)
    .registerActivityWithName('exportReport', () => 'r'.repeat(300 * KB))
    .registerActivityWithName('store', () => 'stored');
}

/** The server's HTTP app on the fixture's runtime and client. */
function httpApp(t: ExecutionContext, fixture: RuntimeFixture): FastifyInstance {
  const app = inProcessApi(fixture.runtime, fixture.client, (error) => t.log('5xx:', error));
  t.teardown(() => app.close());
  return app;
}

const BASE = '/v1.0/workflows/dapr';

interface ErrorBody {
  errorCode?: string;
  field?: string;
  message?: string;
}

test('start with a 0.4 MB or 1.5 MB input: 413 ERR_BODY_TOO_LARGE naming the input and the limit, nothing stored', async (t) => {
  const fixture = await startRuntime(t, etcd, register);
  const app = httpApp(t, fixture);
  for (const size of [0.4 * MB, 1.5 * MB]) {
    const id = `big-input-${size}`;
    const res = await app.inject({
      method: 'POST',
      url: `${BASE}/echoLength/start?instanceID=${id}`,
      payload: JSON.stringify({ blob: 'x'.repeat(size) }),
      headers: { 'content-type': 'application/json' },
    });
    t.is(res.statusCode, 413, res.body);
    const body = res.json<ErrorBody>();
    t.is(body.errorCode, 'ERR_BODY_TOO_LARGE');
    t.is(body.field, 'input');
    t.regex(body.message ?? '', new RegExp(`input is ${size + 11} bytes.*limit of 262144 bytes`));
    t.is(await fixture.client.getWorkflowState(id), undefined);
  }
  t.deepEqual((await fixture.client.listWorkflows()).instances, []);
});

test('start with an input under the limit: accepted and completes', async (t) => {
  const { client } = await startRuntime(t, etcd, register);
  const id = await client.scheduleNewWorkflow(echoLength, { blob: 'x'.repeat(200 * KB) });
  const state = await client.waitForWorkflowCompletion(id, true, 20);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, String(200 * KB + 11));
});

test('start and raiseEvent bodies of 1.6 to 4 MB: 413, never 500 or 503; nothing stored', async (t) => {
  const fixture = await startRuntime(t, etcd, register);
  const app = httpApp(t, fixture);
  const target = await fixture.client.scheduleNewWorkflow(sleeper);
  await fixture.client.waitForWorkflowStart(target, false, 20);
  for (const size of [1.6 * MB, 2.5 * MB, 4 * MB - 1000]) {
    const payload = JSON.stringify('x'.repeat(size));
    const started = await app.inject({
      method: 'POST',
      url: `${BASE}/echoLength/start?instanceID=huge-${size}`,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    t.is(started.statusCode, 413, started.body);
    t.is(started.json<ErrorBody>().errorCode, 'ERR_BODY_TOO_LARGE');
    t.is(await fixture.client.getWorkflowState(`huge-${size}`), undefined);
    const raised = await app.inject({
      method: 'POST',
      url: `${BASE}/${target}/raiseEvent/big`,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    t.is(raised.statusCode, 413, raised.body);
    t.is(raised.json<ErrorBody>().field, 'data');
  }
  // Nothing was raised: the instance holds no events.
  const history = await fixture.client.getWorkflowHistory(target);
  t.false(history.some((e) => e.type === 'EventRaised'));
});

test('300 events of 200 KB into a sleeping instance: 429 once maxPendingEventBytes is reached; the timer still completes; history, terminate and purge work', async (t) => {
  const fixture = await startRuntime(t, etcd, register);
  const app = httpApp(t, fixture);
  const id = 'sleeper-300';
  // Registered before the start: the wake-up may come while the events are still being raised.
  const woke = new Promise<void>((resolve) => {
    const onStep = (step: StepEvent): void => {
      if (step.instanceId !== id) return;
      void fixture.client.getWorkflowState(id).then((state) => {
        if (state?.customStatus !== 'woke') return;
        fixture.runtime.off('step', onStep);
        resolve();
      });
    };
    fixture.runtime.on('step', onStep);
  });
  await fixture.client.scheduleNewWorkflow(sleeper, undefined, id);
  await fixture.client.waitForWorkflowStart(id, false, 20);
  const statuses = new Map<number, number>();
  let firstRefusal: ErrorBody | undefined;
  for (let i = 0; i < 300; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `${BASE}/${id}/raiseEvent/ev-${i}`,
      payload: JSON.stringify({ i, blob: 'y'.repeat(200 * KB) }),
      headers: { 'content-type': 'application/json' },
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode === 429) firstRefusal ??= res.json<ErrorBody>();
  }
  t.log(Object.fromEntries(statuses));
  // 4 MiB of data at 200 KB each: about 20 accepted, every other one refused, nothing else.
  const accepted = statuses.get(202) ?? 0;
  t.true(accepted >= 15 && accepted <= 22, `${accepted} accepted`);
  t.is(accepted + (statuses.get(429) ?? 0), 300);
  t.is(firstRefusal?.errorCode, 'ERR_WORKFLOW_LIMIT');
  t.regex(firstRefusal?.message ?? '', /maxPendingEventBytes 4194304/);

  // The timer (3 s) completes although the instance holds 4 MB of events.
  await within(woke, { timeoutMs: 30_000, what: 'the sleeping instance to complete its timer' });
  const history = await app.inject({ method: 'GET', url: `${BASE}/${id}/history` });
  t.is(history.statusCode, 200);
  const events = history.json<{ events: Array<{ type: string }> }>().events;
  t.is(events.filter((e) => e.type === 'EventRaised').length, accepted);
  t.true(events.some((e) => e.type === 'TimerFired'));

  const terminated = await app.inject({ method: 'POST', url: `${BASE}/${id}/terminate` });
  t.is(terminated.statusCode, 202);
  const final = await fixture.client.waitForWorkflowCompletion(id, false, 20);
  t.is(final.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  const purged = await app.inject({ method: 'POST', url: `${BASE}/${id}/purge` });
  t.is(purged.statusCode, 202);
  t.is(await fixture.client.getWorkflowState(id), undefined);
});

test('an activity result over the limit fails that activity with PayloadTooLargeError, which the workflow catches', async (t) => {
  const { client } = await startRuntime(t, etcd, register);
  const id = await client.scheduleNewWorkflow(exportsTooMuch);
  const state = await client.waitForWorkflowCompletion(id, true, 20);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  const output = JSON.parse(state.serializedOutput ?? '{}') as {
    caught?: boolean;
    errorType?: string;
    message?: string;
  };
  t.true(output.caught);
  t.is(output.errorType, 'PayloadTooLargeError');
  t.regex(output.message ?? '', /result of activity "exportReport" is 300002 bytes.*limit of 262144 bytes/);
});

test('a step whose writes cannot fit one etcd transaction fails its instance with StepTooLargeError, naming bytes and limit', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, register);
  const warnings: Error[] = [];
  runtime.on('warning', (warning) => warnings.push(warning));
  const id = await client.scheduleNewWorkflow(bigFanOut);
  const state = await client.waitForWorkflowCompletion(id, true, 20);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(state.workflowFailureDetails?.errorType, 'StepTooLargeError');
  t.regex(
    state.workflowFailureDetails?.message ?? '',
    /would write \d+ bytes in one etcd transaction, over the limit of 1572864 bytes/,
  );
  t.regex(state.workflowFailureDetails?.message ?? '', /references/);
  // Logged as a runtime warning (coalesced with others like it).
  t.true(
    warnings.some((w) => w.name === 'StepTooLargeError' && /over etcd's --max-request-bytes/.test(w.message)),
  );
  // Nothing of the refused step was left behind: no activity reminders.
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});

test('a wide fan-out of in-process activities needs no reminder each: its 1.1 MB of inputs fit the step, and it completes', async (t) => {
  const { client, runtime } = await startRuntime(t, etcd, register);
  const id = await client.scheduleNewWorkflow(wideFanOut);
  const state = await client.waitForWorkflowCompletion(id, true, 20);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  const history = await client.getWorkflowHistory(id);
  t.is(history.filter((e) => e.type === 'TaskCompleted').length, 200);
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});

test('a fan-out whose dispatch reminder would be over the job data limit fails its instance instead of retrying forever', async (t) => {
  // Reminders only: each activity then needs its own reminder, too many for one txn.
  const { client } = await startRuntime(t, etcd, register, { activityFallbackSeconds: 0 });
  const id = await client.scheduleNewWorkflow(wideFanOut);
  const state = await client.waitForWorkflowCompletion(id, true, 20);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(state.workflowFailureDetails?.errorType, 'StepTooLargeError');
  t.regex(state.workflowFailureDetails?.message ?? '', /could not be written.*bytes/);
});

test('a PENDING instance no runtime runs: terminate ends it at once, purge then removes everything', async (t) => {
  const appId = `pending-${Date.now()}`;
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, appId, partitions: TEST_PARTITIONS });
  const timers = new TimerService({ kv: await etcd.connect(), appId, partitions: TEST_PARTITIONS });
  t.teardown(() => client.close());
  const id = await client.scheduleNewWorkflow('neverRuns', { order: 1 });
  t.is((await client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
  t.is((await timers.list({ prefix: `wf~${id}~` })).length, 1); // its wake-up

  await client.terminateWorkflow(id, 'cancelled by operator');
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedOutput, '"cancelled by operator"');
  t.deepEqual(await timers.list({ prefix: `wf~${id}~` }), []);
  t.deepEqual(
    (await client.getWorkflowHistory(id)).map((e) => e.type),
    ['OrchestratorStarted', 'ExecutionStarted', 'ExecutionTerminated', 'ExecutionCompleted'],
  );

  t.true(await client.purgeWorkflow(id));
  t.is(await client.getWorkflowState(id), undefined);
});

test('an input stored before limits (1 MB) runs: the first step moves it to history instead of writing it twice; purge works', async (t) => {
  const fixture = await startRuntime(t, etcd, register);
  // A client allowing 1 MiB writes what an older version accepted.
  const lenient = new WorkflowClient({
    etcd: { hosts: etcd.hosts },
    appId: fixture.appId,
    partitions: TEST_PARTITIONS,
    maxPayloadBytes: 1024 * 1024,
  });
  t.teardown(() => lenient.close());
  const id = await lenient.scheduleNewWorkflow(echoLength, 'z'.repeat(MB));
  const state = await fixture.client.waitForWorkflowCompletion(id, true, 20);
  // The record kept the input too, and the step used to write it with the history: 2 MB, over
  // etcd's request limit, so the instance failed with StepTooLargeError.
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, String(MB + 2));
  t.is(state.serializedInput, JSON.stringify('z'.repeat(MB)));
  t.true(await fixture.client.purgeWorkflow(id));
  t.is(await fixture.client.getWorkflowState(id), undefined);
});

test('force: a RUNNING instance whose runtime is gone is terminated and purged by the client alone', async (t) => {
  const fixture = await startRuntime(t, etcd, register);
  const id = await fixture.client.scheduleNewWorkflow(sleeper);
  await fixture.client.waitForWorkflowStart(id, false, 20);
  await fixture.runtime.stop();
  const timers = new TimerService({
    kv: await etcd.connect(),
    appId: fixture.appId,
    partitions: TEST_PARTITIONS,
  });
  t.is((await fixture.client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  // Without force a running instance is refused by purge, as before.
  await t.throwsAsync(fixture.client.purgeWorkflow(id), { name: 'WorkflowStateError' });

  await fixture.client.terminateWorkflow(id, undefined, { force: true });
  t.is((await fixture.client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.deepEqual(await timers.list({ prefix: `wf~${id}~` }), []);
  const history = (await fixture.client.getWorkflowHistory(id)).map((e) => e.type);
  t.deepEqual(history.slice(-2), ['ExecutionTerminated', 'ExecutionCompleted']);
  t.true(history.includes('TimerCreated'));

  // purge with force also takes an unfinished instance in one call.
  const other = await fixture.client.scheduleNewWorkflow('neverRegistered');
  t.true(await fixture.client.purgeWorkflow(other, { force: true }));
  t.is(await fixture.client.getWorkflowState(other), undefined);
  t.true(await fixture.client.purgeWorkflow(id));

  // The same over HTTP: `?force=true` on terminate and purge (anything but true/false is a 400).
  const app = httpApp(t, fixture);
  const running = await fixture.client.scheduleNewWorkflow('neverRegistered');
  const refused = await app.inject({ method: 'POST', url: `${BASE}/${running}/purge` });
  t.is(refused.statusCode, 409);
  t.regex(refused.json<ErrorBody>().message ?? '', /purge with force/);
  const bad = await app.inject({ method: 'POST', url: `${BASE}/${running}/purge?force=yes` });
  t.is(bad.statusCode, 400);
  const purged = await app.inject({ method: 'POST', url: `${BASE}/${running}/purge?force=true` });
  t.is(purged.statusCode, 202);
  t.is(await fixture.client.getWorkflowState(running), undefined);
  const third = await fixture.client.scheduleNewWorkflow('neverRegistered');
  const ended = await app.inject({ method: 'POST', url: `${BASE}/${third}/terminate?force=true` });
  t.is(ended.statusCode, 202);
  t.is((await fixture.client.getWorkflowState(third))?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
});
