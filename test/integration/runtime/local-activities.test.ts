import test from 'ava';
import type { TriggerEvent, WorkflowActivityContext, WorkflowContext } from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { completionCounts, startRuntime, startRuntimeWithPort } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

test('activities run in-process at once; their reminders wait as a fallback and never fire', async (t) => {
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
  // While the second activity runs, its reminder exists, due 30 s (the default fallback) later.
  await waitFor(async () => (await runtime.timers.list({ prefix: `wf~${id}~0~act~2` })).length === 1, {
    what: 'the fallback reminder',
  });
  const [fallback] = await runtime.timers.list({ prefix: `wf~${id}~0~act~2` });
  const history = await client.getWorkflowHistory(id);
  const scheduled = history.find((e) => e.type === 'TaskScheduled' && e.eventId === 2);
  t.is(Date.parse(String(fallback?.dueTime)) - (scheduled?.timestamp.getTime() ?? 0), 30_000);
  release();
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '30');
  t.deepEqual(
    triggered.filter((e) => e.target === 'wf-activity'),
    [],
    'no activity reminder fired',
  );
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});

test('an activity outlasting its fallback delay still runs once: the reminder waits for it', async (t) => {
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
  // The activity is let go only once its reminder fired while the in-process run still went on.
  port.onHandle = (trigger) => {
    if (trigger.name === `wf~${id}~0~act~1`) release();
  };
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.serializedOutput, '"done"');
  t.is(runs, 1);
  const counts = completionCounts(await client.getWorkflowHistory(id));
  t.deepEqual([...counts], [['TaskCompleted#1', 1]]);
});
