import test from 'ava';
import {
  WorkflowRuntimeStatus,
  type HistoryEvent,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

function only<K extends HistoryEvent['type']>(
  history: readonly HistoryEvent[],
  type: K,
): Array<Extract<HistoryEvent, { type: K }>> {
  return history.filter((e): e is Extract<HistoryEvent, { type: K }> => e.type === type);
}

test('a 3-second timer never fires early', async (t) => {
  async function* sleeper(ctx: WorkflowContext) {
    yield ctx.createTimer(3);
    return 'woke';
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(sleeper));
  const fired: Array<{ scheduledAt: number; firedAt: number }> = [];
  runtime.timers.on('triggered', (e) => {
    if (e.target === 'wf-timer') fired.push(e);
  });
  const id = await client.scheduleNewWorkflow(sleeper);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '"woke"');
  t.true(state.lastUpdatedAt.getTime() >= state.createdAt.getTime() + 3000);

  const history = await client.getWorkflowHistory(id);
  const [created] = only(history, 'TimerCreated');
  const [firedEvent] = only(history, 'TimerFired');
  if (!created || !firedEvent) return t.fail('no TimerCreated/TimerFired in history');
  t.is(firedEvent.eventId, created.eventId);
  t.is(firedEvent.fireAt.getTime(), created.fireAt.getTime());
  t.true(created.fireAt.getTime() >= state.createdAt.getTime() + 3000);
  t.true(firedEvent.timestamp.getTime() >= created.fireAt.getTime(), 'TimerFired before its fireAt');
  t.is(fired.length, 1);
  t.true((fired[0]?.firedAt ?? 0) >= created.fireAt.getTime());
});

test('approval vs a 3-second timer: the event wins, or the timer does', async (t) => {
  async function* approval(ctx: WorkflowContext) {
    const approved = ctx.waitForExternalEvent<string>('approval');
    const timeout = ctx.createTimer(3);
    const winner = yield* ctx.whenAny([approved, timeout]);
    return winner === approved ? `approved by ${approved.result ?? '?'}` : 'timed out';
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(approval));
  const approvedId = await client.scheduleNewWorkflow(approval, undefined, 'approved');
  const timedOutId = await client.scheduleNewWorkflow(approval, undefined, 'timed-out');
  await client.waitForWorkflowStart(approvedId, false, 10);
  await client.raiseEvent(approvedId, 'approval', 'alice');
  const [approvedState, timedOutState] = await Promise.all([
    client.waitForWorkflowCompletion(approvedId, true, 30),
    client.waitForWorkflowCompletion(timedOutId, true, 30),
  ]);
  t.is(approvedState.serializedOutput, '"approved by alice"');
  t.true(approvedState.lastUpdatedAt.getTime() < approvedState.createdAt.getTime() + 3000);
  t.is(timedOutState.serializedOutput, '"timed out"');
  t.true(timedOutState.lastUpdatedAt.getTime() >= timedOutState.createdAt.getTime() + 3000);
  // The losing timer's reminder is gone with the instance's other reminders.
  t.deepEqual(await runtime.timers.list({ prefix: 'wf~approved~' }), []);
  t.deepEqual(await runtime.timers.list({ prefix: 'wf~timed-out~' }), []);
});

test('a timer beating a slow activity: no reminder is left, the late result changes nothing', async (t) => {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function slow(_ctx: WorkflowActivityContext): Promise<string> {
    await released;
    return 'too late';
  }
  async function* race(ctx: WorkflowContext) {
    const work = ctx.callActivity<string>(slow);
    const winner = yield* ctx.whenAny([work, ctx.createTimer('500ms')]);
    return winner === work ? 'work' : 'timeout';
  }
  // From its reminder (no in-process run), so the late result comes through a trigger to await.
  const { client, runtime } = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflow(race).registerActivity(slow),
    { activityFallbackSeconds: 0 },
  );
  t.teardown(release); // Runs before the runtime's stop, which waits for the activity.
  const started = nextEvent(runtime, 'activityStarted', { timeoutMs: 20_000 });
  const id = await client.scheduleNewWorkflow(race);
  await started;
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '"timeout"');
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
  const before = await client.getWorkflowHistory(id);
  // The activity's trigger settles only after its result was handed to the (finished) instance.
  const settled = nextEvent(runtime.timers, 'triggered', { filter: (e) => e.name === `wf~${id}~0~act~1` });
  release();
  await settled;
  t.deepEqual(await client.getWorkflowHistory(id), before);
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});

test('a delayed start runs no earlier than startAt', async (t) => {
  async function startedAt(ctx: WorkflowContext): Promise<number> {
    return ctx.getCurrentUtcDateTime().getTime();
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(startedAt));
  const startAt = new Date(Date.now() + 2000);
  const id = await client.scheduleNewWorkflow(startedAt, undefined, undefined, startAt);
  const pending = await client.getWorkflowState(id);
  t.is(pending?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
  t.is(pending?.scheduledStartAt?.getTime(), startAt.getTime());
  const [wake] = await runtime.timers.list({ prefix: `wf~${id}~` });
  t.is(wake?.name, `wf~${id}~wake`);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.true(Number(state.serializedOutput) >= startAt.getTime());
});

test('a delayed start is not brought forward by an early event; a terminate is taken at once', async (t) => {
  async function* awaitsGo(ctx: WorkflowContext) {
    const data = yield* ctx.waitForExternalEvent<string>('go');
    return { data, at: ctx.getCurrentUtcDateTime().getTime() };
  }
  const { client } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(awaitsGo));
  const startAt = new Date(Date.now() + 2000);
  const early = await client.scheduleNewWorkflow(awaitsGo, undefined, 'early-event', startAt);
  const cancelled = await client.scheduleNewWorkflow(awaitsGo, undefined, 'cancelled', startAt);
  await client.raiseEvent(early, 'go', 'ready');
  await client.terminateWorkflow(cancelled, 'not needed');
  const cancelledState = await client.waitForWorkflowCompletion(cancelled, true, 30);
  t.is(cancelledState.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.true(cancelledState.lastUpdatedAt.getTime() < startAt.getTime(), 'terminated before its start time');
  const state = await client.waitForWorkflowCompletion(early, true, 30);
  const output = JSON.parse(state.serializedOutput ?? '{}') as { data?: string; at?: number };
  t.is(output.data, 'ready');
  t.true((output.at ?? 0) >= startAt.getTime(), 'started early');
});

test('a retry policy retries twice; the delays are reminder-jobs while pending', async (t) => {
  const attempts: number[] = [];
  async function flaky(ctx: WorkflowActivityContext, input: string): Promise<string> {
    attempts.push(ctx.getAttempt());
    if (ctx.getAttempt() < 3) throw new Error(`attempt ${ctx.getAttempt()} failed`);
    return `${input} ok`;
  }
  async function* retrying(ctx: WorkflowContext) {
    return yield* ctx.callActivity<string>(flaky, 'call', {
      retry: { maxAttempts: 3, firstRetryInterval: '1s' },
    });
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(retrying).registerActivity(flaky),
  );
  const id = await client.scheduleNewWorkflow(retrying);
  const retryJobs = new Set<string>();
  for (let failure = 1; failure <= 2; failure++) {
    await nextEvent(runtime, 'activityFinished', {
      filter: (instance, _name, ok) => instance === id && !ok,
      timeoutMs: 20_000,
    });
    // The failure's step commits the retry timer; until it fires it is a job in the timer service.
    await waitFor(
      async () => {
        const jobs = await runtime.timers.list({ prefix: `wf~${id}~` });
        const timer = jobs.find((j) => j.name.includes('~timer~') && !retryJobs.has(j.name));
        if (timer) retryJobs.add(timer.name);
        return timer !== undefined;
      },
      { what: `retry timer ${failure}`, timeoutMs: 5000 },
    );
  }
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '"call ok"');
  t.deepEqual(attempts, [1, 2, 3]);
  t.is(retryJobs.size, 2);
  const history = await client.getWorkflowHistory(id);
  const timers = only(history, 'TimerCreated');
  t.deepEqual(
    timers.map((e) => e.origin.kind),
    ['retry', 'retry'],
  );
  for (const timer of timers) t.true(retryJobs.has(`wf~${id}~0~timer~${timer.eventId}`));
  // Each delay is 1 s from the step (its OrchestratorStarted time) that saw the failure.
  for (const timer of timers) {
    const at = history.indexOf(timer);
    const step = history.slice(0, at).findLast((e) => e.type === 'OrchestratorStarted');
    t.is(timer.fireAt.getTime() - (step?.timestamp.getTime() ?? 0), 1000);
  }
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});
