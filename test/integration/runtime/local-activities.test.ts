import test from 'ava';
import type { TriggerEvent, WorkflowActivityContext, WorkflowContext } from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { completionCounts, startRuntime, startRuntimeWithPort } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

test('activities run in-process at once, guarded by one fallback reminder per instance that never fires', async (t) => {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function gated(_ctx: WorkflowActivityContext, n: number): Promise<number> {
    if (n === 2) await released;
    return n * 10;
  }
  async function* twoSteps(ctx: WorkflowContext) {
    const a = yield* ctx.callActivity<number>(gated, 1);
    const b = yield* ctx.callActivity<number>(gated, 2);
    return a + b;
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(twoSteps).registerActivity(gated),
  );
  t.teardown(release); // Teardowns run last-registered first: the runtime can then stop.
  const triggered: TriggerEvent[] = [];
  runtime.timers.on('triggered', (e) => triggered.push(e));
  const id = await client.scheduleNewWorkflow(twoSteps);
  const secondScheduled = async (): Promise<boolean> =>
    (await client.getWorkflowHistory(id)).some((e) => e.type === 'TaskScheduled' && e.eventId === 2);
  await waitFor(secondScheduled, { what: 'the second activity to be scheduled' });
  // While the second activity runs, the instance's one fallback reminder exists, due 30 s (the
  // default) after the step that started the first: the second step found it armed and left it.
  const reminders = await runtime.timers.list({ prefix: `wf~${id}~` });
  t.deepEqual(
    reminders.map((j) => j.name),
    [`wf~${id}~fallback`],
    'no reminder per activity',
  );
  const history = await client.getWorkflowHistory(id);
  const first = history.find((e) => e.type === 'TaskScheduled' && e.eventId === 1);
  t.is(Date.parse(String(reminders[0]?.dueTime)) - (first?.timestamp.getTime() ?? 0), 30_000);
  release();
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '30');
  t.deepEqual(
    triggered.filter((e) => e.target === 'wf-activity' || e.target === 'wf-fallback'),
    [],
    'no activity or fallback reminder fired',
  );
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), [], 'completion deleted the fallback');
});

test('an activity outlasting its fallback delay still runs once: the fallback waits for it, re-armed', async (t) => {
  let runs = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function slow(_ctx: WorkflowActivityContext): Promise<string> {
    runs++;
    await released;
    return 'done';
  }
  async function* callsSlow(ctx: WorkflowContext) {
    return yield* ctx.callActivity<string>(slow);
  }
  const { client, port } = await startRuntimeWithPort(
    t,
    etcd,
    'single',
    (rt) => rt.registerWorkflow(callsSlow).registerActivity(slow),
    { activityFallbackSeconds: 0.3 },
  );
  t.teardown(release);
  const id = await client.scheduleNewWorkflow(callsSlow);
  // The activity is let go only once its fallback fired while the in-process run still went on.
  let fired = 0;
  port.onHandle = (trigger) => {
    if (trigger.name === `wf~${id}~fallback` && ++fired === 2) release();
  };
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '"done"');
  t.is(runs, 1);
  t.true(fired >= 2, 'the fallback re-armed itself while the activity ran');
  const counts = completionCounts(await client.getWorkflowHistory(id));
  t.deepEqual([...counts], [['TaskCompleted#1', 1]]);
});

test('a step after which no activity is pending deletes the fallback, even before a short timer', async (t) => {
  function double(_ctx: WorkflowActivityContext, n: number): number {
    return n * 2;
  }
  async function* waits(ctx: WorkflowContext) {
    const a = yield* ctx.callActivity<number>(double, 1);
    // Due well before the fallback would be (30 s after the first step), yet the fallback goes:
    // one kept over every wait would all be brought forward at once by orphan recovery after a
    // replica dies, each loading its instance's history (measured in W8: workflow timers' p99
    // after the takeover 1.1 s with such fallbacks kept, 0.4 s without).
    yield ctx.createTimer('2s');
    const b = yield* ctx.callActivity<number>(double, a);
    yield ctx.waitForExternalEvent('end');
    return b;
  }
  const { client, runtime } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(waits).registerActivity(double),
  );
  const triggered: TriggerEvent[] = [];
  runtime.timers.on('triggered', (e) => triggered.push(e));
  const id = await client.scheduleNewWorkflow(waits);
  const reached =
    (type: string, count = 1) =>
    async (): Promise<boolean> =>
      (await client.getWorkflowHistory(id)).filter((e) => e.type === type).length >= count;
  const targets = async (): Promise<string[]> =>
    (await runtime.timers.list({ prefix: `wf~${id}~` })).map((j) => j.target).sort();
  await waitFor(reached('TimerCreated'), { what: 'the timer to be created' });
  t.deepEqual(await targets(), ['wf-timer'], 'deleted by the step that started the timer');
  await waitFor(reached('TaskCompleted', 2), { what: 'the second activity to be recorded' });
  // (The fired timer's own job is deleted by the timer service once its step committed.)
  t.false((await targets()).includes('wf-fallback'), 'armed again for the second activity, then deleted');
  await client.raiseEvent(id, 'end');
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '4');
  t.deepEqual(
    triggered.filter((e) => e.target === 'wf-fallback'),
    [],
    'the fallback never fired',
  );
});
