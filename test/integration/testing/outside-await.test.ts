/**
 * An `async function*` workflow that awaits real I/O between yields is reported in the
 * time-skipping environment as it is by the executor (test/unit/engine/outside-await.test.ts),
 * and legitimate async code runs to completion there.
 */
import test from 'ava';
import { WorkflowRuntimeStatus, type WorkflowContext, type WorkflowState } from '../../../src/index.js';
import type { WorkflowLogger } from '../../../src/engine/logger.js';
import { TestWorkflowEnvironment } from '../../../src/testing/index.js';

const HOUR = 3_600_000;

async function* sleepsForReal(ctx: WorkflowContext) {
  yield ctx.callActivity('stamp');
  await new Promise((resolve) => setTimeout(resolve, 10));
  yield ctx.createTimer('1h');
  return 'done';
}

async function* awaitsOnlySettledThings(ctx: WorkflowContext, input: number) {
  await Promise.resolve();
  const doubled = yield* ctx.callActivity<number>('double', await Promise.resolve(input));
  await new Promise<void>((resolve) => queueMicrotask(resolve));
  yield ctx.createTimer('PT1H');
  return doubled;
}

/** The error the engine reported: the stall's (status RUNNING) or the failure's. */
function reported(state: WorkflowState | undefined): { errorType: string; message: string } | undefined {
  const stalled = (state as { stalled?: { errorType: string; message: string } } | undefined)?.stalled;
  return stalled ?? state?.workflowFailureDetails;
}

function captureLogger(lines: string[]): WorkflowLogger {
  const keep = (message: string): void => void lines.push(message);
  return { debug: keep, info: keep, warn: keep, error: keep };
}

test('time-skipping: a workflow awaiting a real timer between yields is reported, naming it and the fix', async (t) => {
  const lines: string[] = [];
  const env = await TestWorkflowEnvironment.create({
    workflows: [sleepsForReal],
    logger: captureLogger(lines),
  });
  t.teardown(() => env.teardown());
  env.mockActivity('stamp', () => 'ok');
  const id = await env.client.scheduleNewWorkflow(sleepsForReal);
  const deadline = Date.now() + 10_000;
  let state: WorkflowState | undefined;
  while (reported(state) === undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    state = await env.client.getWorkflowState(id);
  }
  const details = reported(state);
  t.is(details?.errorType, 'OutsideAwaitError');
  t.regex(details?.message ?? '', /workflow "sleepsForReal" awaited something outside the engine/);
  t.regex(details?.message ?? '', /move the I\/O into an activity/);
  t.not(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  if (state?.runtimeStatus === WorkflowRuntimeStatus.RUNNING) {
    // A stall is logged by the runtime, with the error's type and message.
    t.true(lines.some((line) => line.includes('OutsideAwaitError') && line.includes('sleepsForReal')));
  }
});

test('time-skipping: legitimate async code (settled awaits, yield*, timers) is never reported', async (t) => {
  const env = await TestWorkflowEnvironment.create({ workflows: [awaitsOnlySettledThings] });
  t.teardown(() => env.teardown());
  env.mockActivity('double', (_ctx, n: number) => n * 2);
  const id = await env.client.scheduleNewWorkflow(awaitsOnlySettledThings, 21);
  const state = await env.client.waitForWorkflowCompletion(id);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(reported(state), undefined);
  t.is(state.serializedOutput, '42');
  t.is(state.lastUpdatedAt.getTime() - state.createdAt.getTime(), HOUR);
});
