import test from 'ava';
import {
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  WorkflowValidationError,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

async function* loopsForever(ctx: WorkflowContext) {
  for (;;) yield ctx.createTimer(0);
}

async function* loopsWithContinueAsNew(ctx: WorkflowContext, round: number) {
  for (let i = 0; i < 10; i++) yield ctx.createTimer(0);
  if (round < 5) ctx.continueAsNew(round + 1);
  return round;
}

test('a history past maxHistoryEvents fails the instance with a continueAsNew hint', async (t) => {
  const { client, runtime } = await startRuntime(
    t,
    etcd,
    (rt) => rt.registerWorkflow(loopsForever).registerWorkflow(loopsWithContinueAsNew),
    { maxHistoryEvents: 50 },
  );
  const id = await client.scheduleNewWorkflow(loopsForever);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(state.workflowFailureDetails?.errorType, 'HistoryLimitExceededError');
  t.regex(state.workflowFailureDetails?.message ?? '', /maxHistoryEvents \(50 events\).*continueAsNew/);
  const history = await client.getWorkflowHistory(id);
  t.true(history.length <= 52, `${history.length} events stored`);
  t.is(history.at(-1)?.type, 'ExecutionCompleted');
  t.deepEqual(await runtime.timers.list({ prefix: `wf~${id}~` }), []);

  // The limit is per generation: a loop that continues as new stays within it.
  const rounds = await client.scheduleNewWorkflow(loopsWithContinueAsNew, 1);
  const done = await client.waitForWorkflowCompletion(rounds, true, 30);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(done.serializedOutput, '5');
});

test('runtime options out of range get typed errors', (t) => {
  const hosts = etcd.hosts;
  const history = t.throws(() => new WorkflowRuntime({ etcd: { hosts }, maxHistoryEvents: 0 }), {
    instanceOf: WorkflowValidationError,
  });
  t.is(history?.field, 'maxHistoryEvents');
  const fallback = t.throws(() => new WorkflowRuntime({ etcd: { hosts }, activityFallbackSeconds: -1 }), {
    instanceOf: WorkflowValidationError,
  });
  t.is(fallback?.field, 'activityFallbackSeconds');
  t.is(fallback?.value, -1);
});
