/**
 * Stalled steps in the time-skipping environment (issue 16, item 2): the retries of a stalled step
 * are durable reminders on the virtual clock, so the backoff can be observed exactly, and
 * re-registering fixed code (a deploy) lets the next retry complete the instance.
 */
import test from 'ava';
import { WorkflowRuntimeStatus, type StallEvent, type WorkflowContext } from '../../../src/index.js';
import {
  StepStalledError,
  TestWorkflowEnvironment,
  type TestWorkflowEnvironmentOptions,
} from '../../../src/testing/index.js';

const SECOND = 1_000;

async function createEnv(
  t: { teardown(fn: () => Promise<void>): void },
  options: TestWorkflowEnvironmentOptions,
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.create(options);
  t.teardown(() => env.teardown());
  return env;
}

/** Every stall the runtime reports, with the virtual time it happened at. */
function recordStalls(env: TestWorkflowEnvironment): Array<StallEvent & { at: number }> {
  const stalls: Array<StallEvent & { at: number }> = [];
  env.runtime.on('stalled', (e) => stalls.push({ ...e, at: env.now().getTime() }));
  return stalls;
}

function quote(fixed: boolean) {
  return async function* quote(ctx: WorkflowContext, sku: string) {
    const price = yield* ctx.callActivity<number>('price', sku);
    if (!fixed) throw new TypeError(`price.toFixed is not a function (got ${typeof price})`);
    return `${sku}: ${price.toFixed(2)}`;
  };
}

test('code that throws stalls, is retried after 1 s, 2 s, 4 s of virtual time, and completes once fixed', async (t) => {
  const env = await createEnv(t, {
    workflows: { quote: quote(false) },
    activities: { price: async () => 12.5 },
  });
  const stalls = recordStalls(env);
  const start = env.now().getTime();
  const id = await env.client.scheduleNewWorkflow('quote', 'sku-1');
  await env.settle();
  t.is(stalls.length, 1, 'the activity result stalled the step');
  const first = await env.client.getWorkflowState(id);
  t.is(first?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.like(first?.stalled, { errorType: 'TypeError', attempts: 1 });
  t.deepEqual(first?.stalled?.nextRetryAt, new Date(start + SECOND));

  await env.sleep('3s');
  // Attempts at +0, +1 s and +3 s; the next one is due 4 s after the last.
  t.deepEqual(
    stalls.map((s) => [s.attempts, s.at - start]),
    [
      [1, 0],
      [2, SECOND],
      [3, 3 * SECOND],
    ],
  );
  const third = await env.client.getWorkflowState(id);
  t.like(third?.stalled, { attempts: 3 });
  t.deepEqual(third?.stalled?.firstStalledAt, new Date(start));
  t.deepEqual(third?.stalled?.nextRetryAt, new Date(start + 7 * SECOND));
  t.deepEqual(
    (await env.client.listWorkflows({ stalled: true })).instances.map((i) => i.instanceId),
    [id],
  );

  // The deploy: the fixed code is registered; the retry due at +7 s completes the instance.
  env.runtime.registerWorkflowWithName('quote', quote(true));
  const done = await env.client.waitForWorkflowCompletion(id);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(done.serializedOutput, '"sku-1: 12.50"');
  t.is(done.stalled, undefined);
  t.is(env.now().getTime() - start, 7 * SECOND);
  t.is(stalls.length, 3);
  // The activity ran once: its result waited in the inbox through every attempt.
  t.deepEqual(
    (await env.activityCalls(id)).map((c) => c.name),
    ['price'],
  );
});

test('a diverging deploy stalls in-flight instances; deploying code that matches their history resumes them', async (t) => {
  async function* original(ctx: WorkflowContext) {
    yield* ctx.callActivity('charge');
    yield* ctx.createTimer('1h');
    return 'shipped';
  }
  async function* changed(ctx: WorkflowContext) {
    yield* ctx.callActivity('check');
    yield* ctx.callActivity('charge');
    yield* ctx.createTimer('1h');
    return 'shipped';
  }
  // No executor cache: a re-registered workflow acts as a deploy at the instance's next step.
  const env = await createEnv(t, {
    workflows: { ship: original },
    activities: { charge: async () => 'ok', check: async () => 'ok' },
    cacheSize: 0,
  });
  const stalls = recordStalls(env);
  const id = await env.client.scheduleNewWorkflow('ship');
  await env.settle();
  env.runtime.registerWorkflowWithName('ship', changed);
  await env.sleep('1h');
  t.is(stalls.length, 1);
  const state = await env.client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.is(state?.stalled?.errorType, 'NonDeterminismError');
  t.regex(state?.stalled?.message ?? '', /history recorded TaskScheduled "charge" but the code now does/);

  env.runtime.registerWorkflowWithName('ship', original);
  const done = await env.client.waitForWorkflowCompletion(id);
  t.is(done.serializedOutput, '"shipped"');
  // The timer fired once, at +1h, into the stalled attempt; the retry 1 s later took it from the
  // inbox and completed.
  await env.assertTimeline(id, [
    '+0s ExecutionStarted ship',
    '+0s TaskScheduled charge',
    '+0s TaskCompleted charge',
    '+0s TimerCreated (user) for +1h',
    '+1h TimerFired (user)',
    '+1h1s ExecutionCompleted COMPLETED',
  ]);
});

test('with failFast the same bug fails the instance at once', async (t) => {
  const env = await createEnv(t, { activities: { price: async () => 12.5 } });
  env.runtime.registerWorkflowWithName('quote', quote(false), { failFast: true });
  const id = await env.client.scheduleNewWorkflow('quote', 'sku-1');
  const done = await env.client.waitForWorkflowCompletion(id);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(done.workflowFailureDetails?.errorType, 'TypeError');
});

test('a wait for an instance that keeps stalling gives up after 10 attempts with the stall', async (t) => {
  const env = await createEnv(t, {
    workflows: { quote: quote(false) },
    activities: { price: async () => 12.5 },
    stallRetry: { firstIntervalSeconds: 2, maxIntervalSeconds: 10 },
  });
  const stalls = recordStalls(env);
  const start = env.now().getTime();
  const id = await env.client.scheduleNewWorkflow('quote', 'sku-1');
  const error = await t.throwsAsync(env.client.waitForWorkflowCompletion(id), {
    instanceOf: StepStalledError,
  });
  t.regex(error?.message ?? '', /cannot complete: its step stalled 10 times on TypeError: price\.toFixed/);
  t.is(error?.stall.attempts, 10);
  // The environment's stallRetry: 2 s, 4 s, 8 s, then 10 s apart.
  t.deepEqual(
    stalls.slice(0, 6).map((s) => (s.at - start) / SECOND),
    [0, 2, 6, 14, 24, 34],
  );
});
