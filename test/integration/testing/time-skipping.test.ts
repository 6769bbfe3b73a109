import test from 'ava';
import {
  WorkflowArgumentError,
  WorkflowRuntimeStatus,
  type TriggerEvent,
  type WorkflowContext,
} from '../../../src/index.js';
import {
  TestEnvironmentError,
  TestWorkflowEnvironment,
  TimeSkippingStalledError,
  type TestWorkflowEnvironmentOptions,
} from '../../../src/testing/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function createEnv(
  t: { teardown(fn: () => Promise<void>): void },
  options: TestWorkflowEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.create(options);
  t.teardown(() => env.teardown());
  return env;
}

/** Sleeps through the given delays in turn (minutes), recording an activity call after each. */
async function* napper(ctx: WorkflowContext, delays: number[]) {
  for (const minutes of delays) {
    yield ctx.createTimer(`${minutes}m`);
    yield ctx.callActivity('stamp', minutes);
  }
  return delays.length;
}

test('timers of many instances fire in due order, each exactly at its virtual due time', async (t) => {
  const env = await createEnv(t, { workflows: [napper] });
  const stamps: Array<{ at: number; id: string }> = [];
  env.mockActivity('stamp', (ctx) => {
    stamps.push({ at: env.now().getTime(), id: ctx.getWorkflowInstanceId() });
  });
  const fired: TriggerEvent[] = [];
  env.runtime.timers.on('triggered', (event) => {
    if (event.target === 'wf-timer') fired.push(event);
  });
  const plans: Record<string, number[]> = {
    a: [90, 30, 600],
    b: [45, 45, 45, 45],
    c: [1440],
    d: [1, 1, 1, 200],
    e: [300, 7],
  };
  const start = env.now().getTime();
  for (const [id, delays] of Object.entries(plans)) await env.client.scheduleNewWorkflow(napper, delays, id);
  for (const id of Object.keys(plans)) {
    const state = await env.client.waitForWorkflowCompletion(id);
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  }
  // Every timer was delivered at its due time (never early, and no later either: time only
  // moves once all work is done), and deliveries went out in due order across instances.
  t.is(fired.length, Object.values(plans).flat().length);
  t.true(fired.every((e) => e.firedAt === e.scheduledAt && e.attempt === 1 && e.result === 'success'));
  t.deepEqual(
    fired.map((e) => e.firedAt),
    fired.map((e) => e.firedAt).sort((x, y) => x - y),
  );
  for (const [id, delays] of Object.entries(plans)) {
    const expected = delays.map((_, i) => start + delays.slice(0, i + 1).reduce((s, m) => s + m, 0) * MINUTE);
    t.deepEqual(
      stamps.filter((s) => s.id === id).map((s) => s.at),
      expected,
      `activity times of ${id}`,
    );
    const history = await env.getHistory(id);
    for (const event of history) {
      if (event.type === 'TimerFired') t.is(event.timestamp.getTime(), event.fireAt.getTime());
    }
  }
  t.deepEqual(env.warnings, []);
});

test('a 48-hour jump keeps partition ownership: nothing is handed over and timers still fire', async (t) => {
  const env = await createEnv(t, { workflows: [napper] });
  env.mockActivity('stamp', () => undefined);
  const owned = env.runtime.timers.ownedPartitions();
  t.is(owned.length, 4);
  const changes: Array<readonly number[]> = [];
  env.runtime.timers.on('partitionsChanged', (partitions) => changes.push(partitions));

  await env.sleep('48h');
  t.deepEqual(changes, []);
  t.deepEqual(env.runtime.timers.ownedPartitions(), owned);
  const id = await env.client.scheduleNewWorkflow(napper, [60]);
  const state = await env.client.waitForWorkflowCompletion(id);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(env.now().getTime() - state.createdAt.getTime(), HOUR);
  t.deepEqual(env.warnings, []);
});

test('the real timer service runs on the virtual clock: cron ticks, failure policy retries, repeats', async (t) => {
  const env = await createEnv(t);
  const start = env.now().getTime();
  const deliveries: Array<[number, number]> = [];
  env.runtime.timers.onTrigger('app', (trigger) => {
    deliveries.push([trigger.scheduledAt.getTime() - start, trigger.attempt]);
    // The second tick fails once: the failure policy retries it 5 virtual seconds later.
    return trigger.count === 1 && trigger.attempt === 1 ? 'failed' : 'success';
  });
  const ended: string[] = [];
  env.runtime.timers.on('jobEnded', (name) => ended.push(name));
  const fired: number[] = [];
  env.runtime.timers.on('triggered', (e) => {
    if (e.name === 'hourly') fired.push(e.firedAt - start);
  });
  await env.runtime.timers.schedule('hourly', {
    // Pinned: without CRON_TZ the hour would be the machine's, and :30 zones exist.
    schedule: 'CRON_TZ=UTC 0 0 * * * *',
    repeats: 3,
    failurePolicy: { constant: { interval: '5s', maxRetries: 2 } },
  });
  await env.sleep('5h');
  t.deepEqual(deliveries, [
    [1 * HOUR, 1],
    [2 * HOUR, 1],
    [2 * HOUR, 2],
    [3 * HOUR, 1],
  ]);
  t.deepEqual(fired, [1 * HOUR, 2 * HOUR, 2 * HOUR + 5000, 3 * HOUR]);
  t.deepEqual(ended, ['hourly']);
});

test('time never moves while an activity is running, even one waiting on real I/O', async (t) => {
  const env = await createEnv(t, { workflows: [napper] });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  env.mockActivity('stamp', () => gate);
  async function* slowThenNap(ctx: WorkflowContext) {
    yield ctx.callActivity('stamp', 0);
    yield ctx.createTimer('1h');
    return 'done';
  }
  env.runtime.registerWorkflow(slowThenNap);
  const started = new Promise<void>((resolve) => env.runtime.once('activityStarted', () => resolve()));
  const id = await env.client.scheduleNewWorkflow(slowThenNap);
  await started;
  const sleeping = env.sleep('2h');
  setImmediate(release);
  await sleeping;
  t.deepEqual(await env.timeline(id), [
    '+0s ExecutionStarted slowThenNap',
    '+0s TaskScheduled stamp',
    '+0s TaskCompleted stamp',
    '+0s TimerCreated (user) for +1h',
    '+1h TimerFired (user)',
    '+1h ExecutionCompleted COMPLETED',
  ]);
  t.is(env.now().getTime() - (await env.getHistory(id))[0]!.timestamp.getTime(), 2 * HOUR);
});

test('a child workflow with its own timer: the parent completes when the child does', async (t) => {
  async function* child(ctx: WorkflowContext, hours: number) {
    yield ctx.createTimer(`${hours}h`);
    return hours * 2;
  }
  async function* parent(ctx: WorkflowContext) {
    const results: number[] = yield ctx.whenAll([
      ctx.callChildWorkflow(child, 5),
      ctx.callChildWorkflow(child, 2),
    ]);
    return results;
  }
  const env = await createEnv(t, { workflows: { child, parent } });
  const id = await env.client.scheduleNewWorkflow(parent);
  const state = await env.client.waitForWorkflowCompletion(id);
  t.is(state.serializedOutput, '[10,4]');
  t.is(state.lastUpdatedAt.getTime() - state.createdAt.getTime(), 5 * HOUR);
});

test('advanceTo fires what is due on the way and ends exactly at the target', async (t) => {
  const env = await createEnv(t, { workflows: [napper], startTime: new Date('2030-06-01T00:00:00Z') });
  env.mockActivity('stamp', () => undefined);
  const id = await env.client.scheduleNewWorkflow(napper, [30, 30]);
  await env.advanceTo(new Date('2030-06-01T00:45:00Z'));
  t.is(env.now().toISOString(), '2030-06-01T00:45:00.000Z');
  t.deepEqual(await env.timeline(id, { times: false }), [
    'ExecutionStarted napper',
    'TimerCreated (user) for +30m',
    'TimerFired (user)',
    'TaskScheduled stamp',
    'TaskCompleted stamp',
    'TimerCreated (user) for +1h',
  ]);
  await env.advanceTo(Date.parse('2030-06-01T01:00:00Z'));
  t.is((await env.client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
});

test('waiting for a workflow that can only go on with an external event fails fast, naming it', async (t) => {
  async function* waitsForever(ctx: WorkflowContext) {
    return yield* ctx.waitForExternalEvent<number>('never');
  }
  const env = await createEnv(t, { workflows: [waitsForever], stallGraceMs: 10 });
  const id = await env.client.scheduleNewWorkflow(waitsForever, undefined, 'stuck-1');
  const error = await t.throwsAsync(env.client.waitForWorkflowCompletion(id), {
    instanceOf: TimeSkippingStalledError,
  });
  t.is(error?.instanceId, 'stuck-1');
  t.is(error?.status, WorkflowRuntimeStatus.RUNNING);
  t.regex(error?.message ?? '', /external event/);
  // Raised concurrently with the wait, the event is seen: the wait does not stall.
  const again = env.client.waitForWorkflowCompletion(id);
  await env.client.raiseEvent(id, 'never', 42);
  t.is((await again).serializedOutput, '42');
});

test('bad input gets typed errors naming the field, the value and what is allowed', async (t) => {
  const both = await t.throwsAsync(
    TestWorkflowEnvironment.create({ timeSkipping: true, etcd: { hosts: ['http://127.0.0.1:1'] } }),
    { instanceOf: TestEnvironmentError },
  );
  t.is(both?.field, 'timeSkipping');
  const noHosts = await t.throwsAsync(TestWorkflowEnvironment.create({ timeSkipping: false }), {
    instanceOf: TestEnvironmentError,
  });
  t.is(noHosts?.field, 'etcd');
  const badList = await t.throwsAsync(
    TestWorkflowEnvironment.create({ workflows: [(() => undefined) as never, 42 as never] }),
    { instanceOf: TestEnvironmentError },
  );
  t.is(badList?.field, 'workflows');

  const env = await createEnv(t);
  await env.sleep('1h');
  const past = await t.throwsAsync(env.advanceTo(new Date(env.now().getTime() - 1)), {
    instanceOf: TestEnvironmentError,
  });
  t.is(past?.field, 'advanceTo time');
  t.regex(past?.allowed ?? '', /2026-01-01T01:00:00\.000Z/);
  const duration = await t.throwsAsync(env.sleep('two hours'), { instanceOf: WorkflowArgumentError });
  t.is(duration?.field, 'sleep duration');
  t.throws(() => env.mockActivity('', () => 1), { instanceOf: TestEnvironmentError });
});

test('mocks replace activities by name, record calls, and restore the registered one', async (t) => {
  async function greet(_ctx: unknown, name: string): Promise<string> {
    return `hello ${name}`;
  }
  async function* greeter(ctx: WorkflowContext, name: string) {
    return yield* ctx.callActivity<string>(greet, name);
  }
  const env = await createEnv(t, { workflows: [greeter], activities: [greet] });
  const mock = env.mockActivity<string, string>(greet, (_ctx, name) => `mocked ${name}`);
  const first = await env.client.scheduleNewWorkflow(greeter, 'ada');
  t.is((await env.client.waitForWorkflowCompletion(first)).serializedOutput, '"mocked ada"');
  t.deepEqual(mock.calls, [{ instanceId: first, activityId: 1, attempt: 1, input: 'ada' }]);
  mock.restore();
  const second = await env.client.scheduleNewWorkflow(greeter, 'bob');
  t.is((await env.client.waitForWorkflowCompletion(second)).serializedOutput, '"hello bob"');
  t.is(mock.callCount, 1);
  await env.assertActivityCalledWith(second, 'greet', 'bob');
  await t.throwsAsync(env.assertActivityCalledWith(second, 'greet', 'ada'), {
    message: /never called with "ada"/,
  });
});

test('inline activities registered on the environment runtime run inside their steps in virtual time', async (t) => {
  const env = await createEnv(t);
  let calls = 0;
  function double(_ctx: unknown, n: number): number {
    calls++;
    return n * 2;
  }
  async function* doubleAfterADay(ctx: WorkflowContext, n: number) {
    yield ctx.createTimer('24h');
    const once = yield* ctx.callActivity<number>(double, n);
    return yield* ctx.callActivity<number>(double, once);
  }
  env.runtime.registerWorkflow(doubleAfterADay).registerActivity(double, { inline: true });
  const id = 'inline-day';
  const steps: string[] = [];
  env.runtime.on('step', (e) => steps.push(e.instanceId));
  // The runtime reports a step after its commit, which the client may see first.
  const completed = new Promise<void>((resolve) =>
    env.runtime.on('completed', (done) => done === id && resolve()),
  );
  await env.client.scheduleNewWorkflow(doubleAfterADay, 3, id);
  const state = await env.client.waitForWorkflowCompletion(id, true, 60);
  await completed;
  t.is(state.serializedOutput, '12');
  t.is(calls, 2);
  // The start (with the timer), then the timer's step runs both activities and completes.
  t.is(steps.filter((s) => s === id).length, 2);
});
