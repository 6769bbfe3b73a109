// Workflow jobs in the time-skipping environment: a daily start and a delayed raise, days of
// virtual time in milliseconds of real time.
import test from 'ava';
import { WorkflowRuntimeStatus, type WorkflowContext } from '../../../src/index.js';
import { TestWorkflowEnvironment } from '../../../src/testing/index.js';

async function report(ctx: WorkflowContext, input: { day: string }): Promise<string> {
  return `report for ${input.day} at ${ctx.getCurrentUtcDateTime().toISOString()}`;
}

async function* approval(ctx: WorkflowContext) {
  const decision: unknown = yield ctx.waitForExternalEvent('approve');
  return { decision, at: ctx.getCurrentUtcDateTime().toISOString() };
}

test('a daily start job starts one instance per day, each at its tick, with ids from the tick', async (t) => {
  const env = await TestWorkflowEnvironment.create({ workflows: [report] });
  t.teardown(() => env.teardown());
  const first = env.now().getTime() + 3_600_000;
  await env.client.scheduleWorkflowJob('daily-report', {
    schedule: '@every 24h',
    dueTime: new Date(first),
    repeats: 3,
    target: { workflow: { name: report, input: { day: 'today' } } },
  });
  await env.sleep('73h');
  const { instances } = await env.client.listWorkflows({ namePrefix: 'report' });
  const ticks = [0, 1, 2].map((k) => new Date(first + k * 86_400_000));
  t.deepEqual(
    instances.map((i) => i.instanceId),
    ticks.map((tick) => `daily-report@${tick.toISOString()}`),
  );
  for (const [k, state] of instances.entries()) {
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
    t.is(state.createdAt.getTime(), ticks[k]!.getTime(), 'started at its tick, not before');
  }
});

test('a delayed raise reaches the waiting instance a day later', async (t) => {
  const env = await TestWorkflowEnvironment.create({ workflows: [approval] });
  t.teardown(() => env.teardown());
  await env.client.scheduleNewWorkflow(approval, undefined, 'a-1');
  const due = env.now().getTime() + 86_400_000;
  await env.client.scheduleWorkflowJob('approve-a-1', {
    dueTime: '24h',
    target: { raiseEvent: { instanceId: 'a-1', name: 'approve', data: { by: 'job' } } },
  });
  const state = await env.client.waitForWorkflowCompletion('a-1');
  const output = JSON.parse(state.serializedOutput ?? 'null') as { decision: unknown; at: string };
  t.deepEqual(output.decision, { by: 'job' });
  t.true(Date.parse(output.at) >= due, `raised at ${output.at}`);
});
