import test, { type ExecutionContext } from 'ava';
import type { RuntimeCore } from '../../../src/runtime/runtime-core.js';
import {
  type WorkflowClient,
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { shape, startRuntime, startRuntimeWithPort } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);
const INPUTS = [1, 2, 3, 4, 5];

/** Activity runs per (scope, instance, activity, attempt). */
const runs = new Map<string, number>();
function count(ctx: WorkflowActivityContext, name: string): void {
  const key = `${ctx.getWorkflowInstanceId()}|${name}|${ctx.getAttempt()}`;
  runs.set(key, (runs.get(key) ?? 0) + 1);
}

async function increment(ctx: WorkflowActivityContext, n: number): Promise<number> {
  count(ctx, 'increment');
  return n + 1;
}

async function failFirst(ctx: WorkflowActivityContext, n: number): Promise<number> {
  count(ctx, 'failFirst');
  if (ctx.getAttempt() === 1) throw new Error('the first attempt fails');
  return n * 10;
}

async function* dupChild(ctx: WorkflowContext, n: number) {
  return yield* ctx.callActivity<number>(increment, n);
}

/**
 * One task outstanding at a time, so the history's shape does not depend on timing: an activity,
 * a timer, a child workflow and a retried activity (a retry timer). n -> (n + 2) * 10.
 */
async function* dupFlow(ctx: WorkflowContext, n: number) {
  const a = yield* ctx.callActivity<number>(increment, n);
  yield ctx.createTimer('300ms');
  const b = yield* ctx.callChildWorkflow<number>(dupChild, a, {
    instanceId: `${ctx.getWorkflowInstanceId()}-child`,
  });
  return yield* ctx.callActivity<number>(failFirst, b, {
    retry: { maxAttempts: 2, firstRetryInterval: '200ms' },
  });
}

const register = (rt: RuntimeCore): void => {
  rt.registerWorkflow(dupFlow)
    .registerWorkflow(dupChild)
    .registerActivity(increment)
    .registerActivity(failFirst);
};

/** Runs every input to completion; resolves each instance's and its child's history shape. */
async function runAll(t: ExecutionContext, client: WorkflowClient, scope: string): Promise<string[][]> {
  const ids = await Promise.all(INPUTS.map((n) => client.scheduleNewWorkflow(dupFlow, n, `${scope}-${n}`)));
  const states = await Promise.all(ids.map((id) => client.waitForWorkflowCompletion(id, true, 30)));
  for (const [i, state] of states.entries()) {
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
    t.is(state.serializedOutput, String(((INPUTS[i] ?? 0) + 2) * 10));
  }
  return Promise.all(
    ids.flatMap((id) => [id, `${id}-child`]).map(async (id) => shape(await client.getWorkflowHistory(id))),
  );
}

for (const mode of ['sequential', 'concurrent'] as const) {
  test(`every trigger delivered twice (${mode}): histories identical to a single delivery`, async (t) => {
    const single = await startRuntime(t, etcd, register);
    // Activities run from their reminders only, so every activity trigger is doubled too.
    const doubled = await startRuntimeWithPort(t, etcd, mode, register, { activityFallbackSeconds: 0 });
    // Same instance ids in both scopes, so the shapes (which include child ids) compare directly.
    const [expected, actual] = await Promise.all([
      runAll(t, single.client, mode),
      runAll(t, doubled.client, mode),
    ]);
    t.deepEqual(actual, expected);
    for (const target of ['wf-wake', 'wf-activity', 'wf-timer', 'wf-child']) {
      t.true((doubled.port.doubled.get(target) ?? 0) > 0, `${target} triggers were doubled`);
    }
    // Each activity attempt really ran twice in the doubled scope: the duplicates were real.
    for (const n of INPUTS) {
      t.is(runs.get(`${mode}-${n}|increment|1`), 3, 'once in the single scope, twice in the doubled one');
      t.is(runs.get(`${mode}-${n}-child|increment|1`), 3);
      t.is(runs.get(`${mode}-${n}|failFirst|2`), 3);
    }
  });
}
