import test from 'ava';
import {
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { completionCounts, startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

const fanOut = test.macro(async (t, fallbackSeconds: number) => {
  const runs = new Map<number, number>();
  async function double(_ctx: WorkflowActivityContext, n: number): Promise<number> {
    runs.set(n, (runs.get(n) ?? 0) + 1);
    return 2 * n;
  }
  async function* bigFanOut(ctx: WorkflowContext, n: number) {
    const results = yield* ctx.whenAll(
      Array.from({ length: n }, (_, i) => ctx.callActivity<number>(double, i)),
    );
    return results.reduce((sum, x) => sum + x, 0);
  }
  const { client, runtime } = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflow(bigFanOut).registerActivity(double),
    { activityFallbackSeconds: fallbackSeconds },
  );
  const dispatched: string[] = [];
  runtime.timers.on('triggered', (e) => {
    if (e.target === 'wf-dispatch') dispatched.push(e.name);
  });
  const id = await client.scheduleNewWorkflow(bigFanOut, 300);
  const state = await client.waitForWorkflowCompletion(id, true, 60);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.serializedOutput, String(300 * 299));
  if (fallbackSeconds === 0) {
    t.deepEqual(dispatched, [`wf~${id}~0~dispatch~1`], 'the activities went out through one dispatch job');
  } else {
    t.deepEqual(dispatched, [], 'activities run in-process need no reminder each: the step held them');
  }

  const history = await client.getWorkflowHistory(id);
  t.is(history.filter((e) => e.type === 'TaskScheduled').length, 300);
  const counts = completionCounts(history);
  t.is(counts.size, 300);
  t.true([...counts.values()].every((n) => n === 1));
  t.is(runs.size, 300);
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);
});

test('a fan-out of 300 activities run in-process completes each once', fanOut, 30);
test(
  'a fan-out of 300 activities with reminders only (more than one transaction holds) completes each once',
  fanOut,
  0,
);
