/**
 * The Dapr JS SDK's own end-to-end workflow scenarios (those of dapr/js-sdk's
 * test/e2e/workflow), run by the official `@dapr/dapr` WorkflowRuntime and DaprWorkflowClient
 * against `tickflow serve`'s gRPC port as against a Dapr sidecar: activity sequence, fan-out/fan-in,
 * child workflows, timers, external events (with a timeout, both ways), terminate, suspend/resume,
 * purge, continue-as-new, retries, custom status and activity failures. Then `@dapr/durabletask-js`'s
 * own TaskHubGrpcClient and TaskHubGrpcWorker (a different copy of the SDK) run a sequence and a
 * fan-out. Every outcome is checked on the SDK's side and, where it matters, in the history the
 * server kept (over its HTTP API).
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  DaprWorkflowClient,
  LogLevel,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type Task,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '@dapr/dapr';
import {
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from '@dapr/durabletask-js';
import { whenAll as dtWhenAll } from '@dapr/durabletask-js/task/index.js';
import type { Task as DtTask } from '@dapr/durabletask-js/task/task.js';
import { OrchestrationStatus } from '@dapr/durabletask-js/orchestration/enum/orchestration-status.enum.js';
import { startServerProcess } from '../../helpers/server-fixture.js';
import { eventsOf, historyOf, instanceOf, pollUntil } from './fixtures/remote-helpers.js';

const server = await startServerProcess();
test.after.always(() => server.stop());
const sidecar = {
  daprHost: '127.0.0.1',
  daprPort: String(server.grpcPort),
  // TICKFLOW_TEST_SDK_LOGS=1 shows what the SDK does.
  logger: { level: process.env.TICKFLOW_TEST_SDK_LOGS ? LogLevel.Info : LogLevel.Error },
};

const WAIT_S = 30;

// ---- activities ----------------------------------------------------------------------------

const plusOne = async (_ctx: WorkflowActivityContext, n: number): Promise<number> => n + 1;

const square = async (_ctx: WorkflowActivityContext, n: number): Promise<number> => n * n;

/** Calls of `countedSquare`, by instance: the fan-out runs each activity exactly once. */
const squareCalls = new Map<string, number[]>();
const countedSquare = async (ctx: WorkflowActivityContext, n: number): Promise<number> => {
  const id = ctx.getWorkflowInstanceId();
  squareCalls.set(id, [...(squareCalls.get(id) ?? []), n]);
  return n * n;
};

/** Attempts of `flaky` by instance: it fails the first two. */
const flakyAttempts = new Map<string, number>();
const flaky = async (ctx: WorkflowActivityContext, value: string): Promise<string> => {
  const id = ctx.getWorkflowInstanceId();
  const attempt = (flakyAttempts.get(id) ?? 0) + 1;
  flakyAttempts.set(id, attempt);
  if (attempt < 3) throw new Error(`transient failure ${attempt}`);
  return `${value} on attempt ${attempt}`;
};

const declineCard = async (_ctx: WorkflowActivityContext, card: string): Promise<never> => {
  throw new Error(`card ${card} declined`);
};

// ---- workflows -----------------------------------------------------------------------------

/** No activity: its output from its input. */
const inlineWorkflow = async (_ctx: WorkflowContext, n: number): Promise<number> => n + 1;

async function* sequenceWorkflow(
  ctx: WorkflowContext,
  start: number,
): AsyncGenerator<unknown, number[], number> {
  const numbers = [start];
  let current = start;
  for (let i = 0; i < 10; i++) {
    current = yield ctx.callActivity(plusOne, current);
    numbers.push(current);
  }
  ctx.setCustomStatus('foo');
  return numbers;
}

async function* fanOutWorkflow(
  ctx: WorkflowContext,
  count: number,
): AsyncGenerator<unknown, number, number[]> {
  const tasks: Task<number>[] = [];
  for (let i = 1; i <= count; i++) tasks.push(ctx.callActivity(countedSquare, i));
  const squares = yield ctx.whenAll(tasks);
  return squares.reduce((a, b) => a + b, 0);
}

async function* childWorkflow(ctx: WorkflowContext, n: number): AsyncGenerator<unknown, number, number> {
  const squared = yield ctx.callActivity(square, n);
  return squared;
}

async function* parentWorkflow(
  ctx: WorkflowContext,
  inputs: number[],
): AsyncGenerator<unknown, number[], number[]> {
  const id = ctx.getWorkflowInstanceId();
  const children = inputs.map((n, i) =>
    ctx.callChildWorkflow<number, number>(childWorkflow, n, `${id}-child-${i}`),
  );
  return yield ctx.whenAll(children);
}

async function* timerWorkflow(
  ctx: WorkflowContext,
  seconds: number,
): AsyncGenerator<unknown, string, unknown> {
  const before = ctx.getCurrentUtcDateTime().getTime();
  yield ctx.createTimer(seconds);
  const after = ctx.getCurrentUtcDateTime().getTime();
  return `slept ${after - before >= seconds * 1000 ? 'long enough' : `only ${after - before} ms`}`;
}

async function* threeEventsWorkflow(ctx: WorkflowContext): AsyncGenerator<unknown, unknown[], unknown> {
  const a = yield ctx.waitForExternalEvent('A');
  const b = yield ctx.waitForExternalEvent('B');
  const c = yield ctx.waitForExternalEvent('C');
  return [a, b, c];
}

async function* approvalWorkflow(
  ctx: WorkflowContext,
  timeoutSeconds: number,
): AsyncGenerator<unknown, string, Task<unknown>> {
  const approval = ctx.waitForExternalEvent('Approval');
  const timeout = ctx.createTimer(timeoutSeconds);
  const winner = yield ctx.whenAny([approval, timeout]);
  if (winner === approval) return `approved by ${String(approval.getResult())}`;
  return 'timed out';
}

async function* waitForEventWorkflow(ctx: WorkflowContext): AsyncGenerator<unknown, unknown, unknown> {
  return yield ctx.waitForExternalEvent('my_event');
}

/** A custom status as plain text, as the Dapr SDK's own scenario sets it. */
async function* textStatusWorkflow(ctx: WorkflowContext): AsyncGenerator<unknown, unknown, unknown> {
  ctx.setCustomStatus('waiting');
  return yield ctx.waitForExternalEvent('my_event');
}

async function* statusWorkflow(ctx: WorkflowContext): AsyncGenerator<unknown, unknown, unknown> {
  ctx.setCustomStatus(JSON.stringify({ stage: 'waiting', for: 'my_event' }));
  const data = yield ctx.waitForExternalEvent('my_event');
  ctx.setCustomStatus(JSON.stringify({ stage: 'done' }));
  return data;
}

async function* purgeableWorkflow(ctx: WorkflowContext, n: number): AsyncGenerator<unknown, number, number> {
  return yield ctx.callActivity(plusOne, n);
}

async function* counterWorkflow(ctx: WorkflowContext, n: number): AsyncGenerator<unknown, number, number> {
  if (n >= 10) return n;
  const next = yield ctx.callActivity(plusOne, n);
  ctx.continueAsNew(next, true);
  return -1; // not the output: continue-as-new ends this generation
}

/**
 * Retries as the workflow's own loop: @dapr/dapr 3.18's callActivity takes no retry policy (its
 * WorkflowContext has none), so the workflow catches the failure and calls again after a timer.
 */
async function* retryingWorkflow(
  ctx: WorkflowContext,
  value: string,
): AsyncGenerator<unknown, string, string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return yield ctx.callActivity(flaky, value);
    } catch (error) {
      if (attempt >= 5) throw error;
      yield ctx.createTimer(0.2 * attempt);
    }
  }
}

async function* failingWorkflow(
  ctx: WorkflowContext,
  card: string,
): AsyncGenerator<unknown, string, unknown> {
  yield ctx.callActivity(declineCard, card);
  return 'charged';
}

/** Each generation takes one `tick` event; the ones not taken yet are carried to the next. */
async function* tickCounterWorkflow(
  ctx: WorkflowContext,
  seen: string[],
): AsyncGenerator<unknown, string[], string> {
  const tick = yield ctx.waitForExternalEvent('tick');
  const now = [...seen, tick];
  if (now.length < 3) {
    ctx.continueAsNew(now, true);
    return [];
  }
  return now;
}

async function* throwingWorkflow(ctx: WorkflowContext, n: number): AsyncGenerator<unknown, number, number> {
  const next = yield ctx.callActivity(plusOne, n);
  throw new RangeError(`input ${next} is out of range`);
}

async function* catchingParentWorkflow(
  ctx: WorkflowContext,
  card: string,
): AsyncGenerator<unknown, string, unknown> {
  try {
    yield ctx.callChildWorkflow(failingWorkflow, card);
    return 'child succeeded';
  } catch (error) {
    return `caught: ${(error as Error).message}`;
  }
}

/** Activity runs of `gated`, by instance: each waits until the test opens its gate. */
const gates = new Map<string, { started: () => void; release: Promise<void> }>();
const gated = async (ctx: WorkflowActivityContext, value: string): Promise<string> => {
  const gate = gates.get(ctx.getWorkflowInstanceId());
  gate?.started();
  await gate?.release;
  return `${value} done`;
};

async function* gatedWorkflow(ctx: WorkflowContext, value: string): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(gated, value);
}

const echo = async (_ctx: WorkflowActivityContext, value: unknown): Promise<unknown> => value;

async function* echoWorkflow(
  ctx: WorkflowContext,
  value: unknown,
): AsyncGenerator<unknown, unknown[], unknown> {
  const echoed = yield ctx.callActivity(echo, value);
  const nothing = yield ctx.callActivity(echo);
  return [echoed, nothing ?? 'no value'];
}

async function* unknownActivityWorkflow(ctx: WorkflowContext): AsyncGenerator<unknown, string, unknown> {
  yield ctx.callActivity('noSuchActivity', 1);
  return 'ran it';
}

/** Calls a child workflow that only the durabletask-js worker registers. */
async function* crossSdkParent(ctx: WorkflowContext, n: number): AsyncGenerator<unknown, unknown, unknown> {
  return yield ctx.callChildWorkflow('dtChild', n, `${ctx.getWorkflowInstanceId()}-dt`);
}

async function* waitingParentWorkflow(ctx: WorkflowContext): AsyncGenerator<unknown, unknown, unknown> {
  return yield ctx.callChildWorkflow(waitForEventWorkflow, undefined, `${ctx.getWorkflowInstanceId()}-child`);
}

const runtime = new WorkflowRuntime(sidecar);
for (const workflow of [
  inlineWorkflow,
  sequenceWorkflow,
  fanOutWorkflow,
  childWorkflow,
  parentWorkflow,
  timerWorkflow,
  threeEventsWorkflow,
  approvalWorkflow,
  waitForEventWorkflow,
  statusWorkflow,
  textStatusWorkflow,
  purgeableWorkflow,
  counterWorkflow,
  retryingWorkflow,
  failingWorkflow,
  tickCounterWorkflow,
  throwingWorkflow,
  catchingParentWorkflow,
  gatedWorkflow,
  echoWorkflow,
  unknownActivityWorkflow,
  crossSdkParent,
  waitingParentWorkflow,
]) {
  runtime.registerWorkflow(workflow);
}
for (const activity of [plusOne, square, countedSquare, flaky, declineCard, gated, echo])
  runtime.registerActivity(activity);
const client = new DaprWorkflowClient(sidecar);

test.before(async () => {
  await runtime.start();
});
test.after.always(async () => {
  await client.stop();
  await runtime.stop();
});

/**
 * The instance's status once it is `status` (or the last one seen, after a bounded wait): suspend
 * and resume are requests the instance takes in its next step, as on Dapr, so the status follows
 * the call shortly, not at once.
 */
async function statusBecomes(
  id: string,
  status: WorkflowRuntimeStatus,
): Promise<WorkflowRuntimeStatus | undefined> {
  let last: WorkflowRuntimeStatus | undefined;
  try {
    await pollUntil(
      `status ${WorkflowRuntimeStatus[status]}`,
      async () => {
        last = (await client.getWorkflowState(id, false))?.runtimeStatus;
        return last === status ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
  } catch {
    // the assertion reports the last status seen
  }
  return last;
}

function failureOf(
  state: { workflowFailureDetails?: { getErrorType(): string; getErrorMessage(): string } } | undefined,
): string {
  const f = state?.workflowFailureDetails;
  return f ? `${f.getErrorType()}: ${f.getErrorMessage()}` : 'no failure details';
}

test('a workflow with no activity completes with its output (the "single orchestration" scenario)', async (t) => {
  const id = await client.scheduleNewWorkflow(inlineWorkflow, 15);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.name, 'inlineWorkflow');
  t.is(state?.instanceId, id);
  t.is(state?.workflowFailureDetails, undefined);
  t.is(state?.serializedInput, '15');
  t.is(state?.serializedOutput, '16');
});

test('an activity sequence: ten activities in a row, then a custom status', async (t) => {
  const id = await client.scheduleNewWorkflow(sequenceWorkflow, 1);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedInput, '1');
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const history = await historyOf(server, id);
  t.is(eventsOf(history, 'TaskScheduled').length, 10);
  t.is(eventsOf(history, 'TaskCompleted').length, 10);
});

test('custom status: text that is not JSON, as the Dapr SDK sends it, does not fail the instance', async (t) => {
  // The Dapr SDK's e2e sequence scenario calls setCustomStatus("foo"); the SDKs send the status as
  // the text given (here `foo`), not as JSON text.
  const id = await client.scheduleNewWorkflow(textStatusWorkflow);
  const running = await pollUntil('the custom status of a waiting instance', async () => {
    const s = await client.getWorkflowState(id, true);
    return s?.customStatus ? s : undefined;
  });
  t.is(running.runtimeStatus, WorkflowRuntimeStatus.RUNNING, failureOf(running));
  t.regex(running.customStatus ?? '', /waiting/);
  await client.raiseEvent(id, 'my_event', 'go');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('go'));
});

// BUG (text custom status round trip): the Dapr SDK's e2e sequence scenario expects
// `state.customStatus` to be "foo" after setCustomStatus("foo"), as on a Dapr sidecar, which keeps
// the status as the text the worker sent. tickflow keeps a custom status as a JSON value (a text
// that is not JSON as a string) and GetInstance answers its JSON text, so the client reads
// `"waiting"` with the quotes. The fix belongs to the gRPC state answer (src/grpc/task-hub-state.ts),
// which would have to give a status that came as text back as that text.
test.failing('custom status: setCustomStatus("waiting") reads back as "waiting", as on Dapr', async (t) => {
  const id = await client.scheduleNewWorkflow(textStatusWorkflow);
  t.teardown(() => client.terminateWorkflow(id, 'done'));
  const running = await pollUntil('the custom status of a waiting instance', async () => {
    const s = await client.getWorkflowState(id, true);
    return s?.customStatus ? s : undefined;
  });
  t.is(running.customStatus, 'waiting');
});

test('custom status while running: visible to the client and over HTTP before the workflow finishes', async (t) => {
  const id = await client.scheduleNewWorkflow(statusWorkflow);
  const running = await pollUntil('the custom status of a waiting instance', async () => {
    const s = await client.getWorkflowState(id, true);
    return s?.customStatus ? s : undefined;
  });
  t.is(running.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.deepEqual(JSON.parse(running.customStatus ?? 'null'), { stage: 'waiting', for: 'my_event' });
  const view = await instanceOf(server, id);
  t.deepEqual(JSON.parse(view?.properties['dapr.workflow.custom_status'] ?? 'null'), {
    stage: 'waiting',
    for: 'my_event',
  });
  await client.raiseEvent(id, 'my_event', { go: true });
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), { go: true });
});

// The in-process executor records a status set in the completing step; so must a remote step.
test('custom status set in the step that completes the workflow is kept', async (t) => {
  const id = await client.scheduleNewWorkflow(statusWorkflow);
  await client.raiseEvent(id, 'my_event', 'go');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.deepEqual(JSON.parse(state?.customStatus ?? 'null'), { stage: 'done' });
});

test('fan-out/fan-in: whenAll of ten activities, each run exactly once', async (t) => {
  const id = await client.scheduleNewWorkflow(fanOutWorkflow, 10);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, String([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].reduce((a, n) => a + n * n, 0)));
  t.deepEqual(
    [...(squareCalls.get(id) ?? [])].sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  const history = await historyOf(server, id);
  const completed = eventsOf(history, 'TaskCompleted').map((e) => e.eventId);
  t.is(completed.length, 10);
  t.is(new Set(completed).size, 10);
});

test('child workflows: two children in parallel, each with its own id, activity and result', async (t) => {
  const id = await client.scheduleNewWorkflow(parentWorkflow, [3, 4]);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), [9, 16]);
  for (const [i, n] of [3, 4].entries()) {
    const child = await client.getWorkflowState(`${id}-child-${i}`, true);
    t.is(child?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, `child ${i}`);
    t.is(child?.name, 'childWorkflow');
    t.is(child?.serializedInput, String(n));
    t.is(child?.serializedOutput, String(n * n));
  }
  const history = await historyOf(server, id);
  t.is(eventsOf(history, 'ChildWorkflowCreated').length, 2);
  t.is(eventsOf(history, 'ChildWorkflowCompleted').length, 2);
});

test('a timer: the workflow resumes no earlier than the timer is due', async (t) => {
  const id = await client.scheduleNewWorkflow(timerWorkflow, 2);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('slept long enough'));
  const history = await historyOf(server, id);
  const [created] = eventsOf(history, 'TimerCreated');
  const [fired] = eventsOf(history, 'TimerFired');
  t.truthy(created && fired, JSON.stringify(history));
  t.true(new Date(String(fired?.timestamp)).getTime() >= new Date(String(created?.fireAt)).getTime());
  t.true((state?.lastUpdatedAt.getTime() ?? 0) - (state?.createdAt.getTime() ?? 0) >= 1_900);
});

test('external events: three events raised at once are taken in the order waited for', async (t) => {
  const id = await client.scheduleNewWorkflow(threeEventsWorkflow);
  await client.raiseEvent(id, 'C', 'c');
  await client.raiseEvent(id, 'A', 'a');
  await client.raiseEvent(id, 'B', 'b');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify(['a', 'b', 'c']));
});

test('an external event with a timeout: the event comes first', async (t) => {
  const id = await client.scheduleNewWorkflow(approvalWorkflow, 30);
  await client.raiseEvent(id, 'Approval', 'grace');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('approved by grace'));
});

test('an external event with a timeout: the timer comes first', async (t) => {
  const id = await client.scheduleNewWorkflow(approvalWorkflow, 2);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('timed out'));
  // An event raised after the end changes nothing.
  await client.raiseEvent(id, 'Approval', 'too late');
  const after = await client.getWorkflowState(id, true);
  t.is(after?.serializedOutput, JSON.stringify('timed out'));
});

test('terminate: a waiting instance ends TERMINATED with the output given', async (t) => {
  const id = await client.scheduleNewWorkflow(waitForEventWorkflow);
  const started = await client.waitForWorkflowStart(id, false, WAIT_S);
  t.is(started?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  await client.terminateWorkflow(id, 'some reason for termination');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedOutput, JSON.stringify('some reason for termination'));
  // The event it waited for no longer runs it.
  await client.raiseEvent(id, 'my_event', 'late');
  t.is((await client.getWorkflowState(id, true))?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
});

test('suspend and resume: an event raised while suspended is held, and applied after resume', async (t) => {
  const id = await client.scheduleNewWorkflow(waitForEventWorkflow);
  t.is((await client.waitForWorkflowStart(id, false, WAIT_S))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  await client.suspendWorkflow(id);
  t.is(await statusBecomes(id, WorkflowRuntimeStatus.SUSPENDED), WorkflowRuntimeStatus.SUSPENDED);

  await client.raiseEvent(id, 'my_event', 'hello');
  // The server has the event (it is in history) but the instance does not run while suspended.
  await pollUntil('the event in history', async () =>
    eventsOf(await historyOf(server, id), 'EventRaised').length > 0 ? true : undefined,
  );
  const suspended = await client.getWorkflowState(id, true);
  t.is(suspended?.runtimeStatus, WorkflowRuntimeStatus.SUSPENDED);
  t.is(suspended?.serializedOutput, undefined);

  await client.resumeWorkflow(id);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('hello'));
  const types = (await historyOf(server, id)).map((e) => e.type);
  t.true(types.indexOf('ExecutionSuspended') < types.indexOf('EventRaised'));
  t.true(types.indexOf('EventRaised') < types.indexOf('ExecutionResumed'));
});

test('purge: a finished instance is deleted, with its history', async (t) => {
  const id = await client.scheduleNewWorkflow(purgeableWorkflow, 1);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, '2');
  t.true(await client.purgeWorkflow(id));
  t.is(await client.getWorkflowState(id, false), undefined);
  t.is(await instanceOf(server, id), undefined);
  t.is((await server.request('GET', `/v1.0/workflows/dapr/${id}/history`)).status, 404);
  // Purging it again finds nothing.
  t.false(await client.purgeWorkflow(id));
});

test('purge refuses a running instance', async (t) => {
  const id = await client.scheduleNewWorkflow(waitForEventWorkflow);
  await client.waitForWorkflowStart(id, false, WAIT_S);
  await t.throwsAsync(client.purgeWorkflow(id));
  t.is((await client.getWorkflowState(id, false))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  await client.terminateWorkflow(id, 'cleanup');
});

test('continue-as-new: a counter loop of generations, each calling an activity', async (t) => {
  const id = await client.scheduleNewWorkflow(counterWorkflow, 1);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, '10');
  // The history kept is the last generation's only: it started with 10 and called nothing.
  const history = await historyOf(server, id);
  const [started] = eventsOf(history, 'ExecutionStarted');
  t.is(started?.input, 10);
  t.is(eventsOf(history, 'TaskScheduled').length, 0);
});

test('retries: an activity that fails twice is retried by the workflow, after a timer each time', async (t) => {
  const id = await client.scheduleNewWorkflow(retryingWorkflow, 'payment');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('payment on attempt 3'));
  t.is(flakyAttempts.get(id), 3);
  const history = await historyOf(server, id);
  const failed = eventsOf(history, 'TaskFailed');
  t.is(failed.length, 2);
  t.regex(JSON.stringify(failed[0]), /transient failure 1/);
  t.is(eventsOf(history, 'TaskCompleted').length, 1);
  t.is(eventsOf(history, 'TimerFired').length, 2);
});

test("an activity's failure, not caught, is the workflow's failure", async (t) => {
  const id = await client.scheduleNewWorkflow(failingWorkflow, '4242');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.regex(state?.workflowFailureDetails?.getErrorMessage() ?? '', /card 4242 declined/);
  t.truthy(state?.workflowFailureDetails?.getErrorType());
  t.is(state?.serializedOutput, undefined);
  const view = await instanceOf(server, id);
  t.is(view?.runtimeStatus, 'FAILED');
  t.regex(view?.properties['dapr.workflow.failure.error_message'] ?? '', /card 4242 declined/);
});

test('continue-as-new carries the events not taken yet to the next generation (saveEvents)', async (t) => {
  const id = await client.scheduleNewWorkflow(tickCounterWorkflow, []);
  await client.raiseEvent(id, 'tick', 'one');
  await client.raiseEvent(id, 'tick', 'two');
  await client.raiseEvent(id, 'tick', 'three');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), ['one', 'two', 'three']);
});

test('a scheduled start: the instance is PENDING until its start time, then runs', async (t) => {
  const startAt = new Date(Date.now() + 2_000);
  const id = await client.scheduleNewWorkflow(inlineWorkflow, 41, undefined, startAt);
  t.is((await client.getWorkflowState(id, false))?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, '42');
  t.true((state?.lastUpdatedAt.getTime() ?? 0) >= startAt.getTime() - 50);
});

test('an error the workflow code throws is its failure, with the error type and message', async (t) => {
  const id = await client.scheduleNewWorkflow(throwingWorkflow, 1);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is(state?.workflowFailureDetails?.getErrorType(), 'RangeError');
  t.is(state?.workflowFailureDetails?.getErrorMessage(), 'input 2 is out of range');
  t.is(state?.serializedOutput, undefined);
});

test("a child workflow's failure reaches its parent, which can catch it", async (t) => {
  const id = await client.scheduleNewWorkflow(catchingParentWorkflow, '1111');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.regex(JSON.parse(state?.serializedOutput ?? '""') as string, /^caught: .*card 1111 declined/);
  const history = await historyOf(server, id);
  t.is(eventsOf(history, 'ChildWorkflowFailed').length, 1);
});

test('suspended with an activity in flight: its result is held until resume', async (t) => {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const id = `gated-${randomUUID()}`;
  gates.set(id, { started, release: new Promise<void>((resolve) => (release = resolve)) });
  await client.scheduleNewWorkflow(gatedWorkflow, 'job', id);
  await running;
  await client.suspendWorkflow(id);
  t.is(await statusBecomes(id, WorkflowRuntimeStatus.SUSPENDED), WorkflowRuntimeStatus.SUSPENDED);
  release();
  await pollUntil('the activity result in history', async () =>
    eventsOf(await historyOf(server, id), 'TaskCompleted').length > 0 ? true : undefined,
  );
  const held = await client.getWorkflowState(id, true);
  t.is(held?.runtimeStatus, WorkflowRuntimeStatus.SUSPENDED);
  t.is(held?.serializedOutput, undefined);
  await client.resumeWorkflow(id);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('job done'));
});

test('purging a parent purges its child workflows too', async (t) => {
  const id = await client.scheduleNewWorkflow(parentWorkflow, [5]);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(
    (await client.getWorkflowState(`${id}-child-0`, false))?.runtimeStatus,
    WorkflowRuntimeStatus.COMPLETED,
  );
  t.true(await client.purgeWorkflow(id));
  t.is(await client.getWorkflowState(id, false), undefined);
  t.is(await client.getWorkflowState(`${id}-child-0`, false), undefined);
});

test('payloads round-trip through workflow and activity: nested objects, unicode, no value', async (t) => {
  const value = {
    name: 'Zoë ✓ 🌍',
    list: [1, 2.5, null, true],
    nested: { deep: ['a', { b: '"quoted"\n' }] },
  };
  const id = await client.scheduleNewWorkflow(echoWorkflow, value);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.deepEqual(JSON.parse(state?.serializedInput ?? 'null'), value);
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), [value, 'no value']);
});

test('an activity no connected worker registers fails the workflow, naming it', async (t) => {
  const id = await client.scheduleNewWorkflow(unknownActivityWorkflow);
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.regex(state?.workflowFailureDetails?.getErrorMessage() ?? '', /noSuchActivity/);
});

test('an instance id can be used again once its instance finished: the new run starts afresh', async (t) => {
  const id = `again-${randomUUID()}`;
  await client.scheduleNewWorkflow(sequenceWorkflow, 1, id);
  const first = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(first?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(first));
  await client.scheduleNewWorkflow(sequenceWorkflow, 50, id);
  const second = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(second?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(second));
  t.is(second?.serializedInput, '50');
  t.deepEqual(
    JSON.parse(second?.serializedOutput ?? 'null'),
    Array.from({ length: 11 }, (_, i) => 50 + i),
  );
  const history = await historyOf(server, id);
  t.is(eventsOf(history, 'ExecutionStarted').length, 1);
  t.is(eventsOf(history, 'TaskCompleted').length, 10);
});

test('terminating a parent over HTTP terminates its running child workflow too', async (t) => {
  const id = await client.scheduleNewWorkflow(waitingParentWorkflow);
  const childId = `${id}-child`;
  await pollUntil('the child to run', async () => {
    const child = await client.getWorkflowState(childId, false);
    return child?.runtimeStatus === WorkflowRuntimeStatus.RUNNING ? child : undefined;
  });
  const res = await server.request('POST', `/v1.0/workflows/dapr/${id}/terminate`);
  t.is(res.status, 202, res.text);
  const parent = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(parent?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  const child = await client.waitForWorkflowCompletion(childId, true, WAIT_S);
  t.is(child?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
});

test('an event raised before a scheduled instance starts is kept for it', async (t) => {
  const startAt = new Date(Date.now() + 1_500);
  const id = await client.scheduleNewWorkflow(waitForEventWorkflow, undefined, undefined, startAt);
  t.is((await client.getWorkflowState(id, false))?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
  await client.raiseEvent(id, 'my_event', 'early bird');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(state));
  t.is(state?.serializedOutput, JSON.stringify('early bird'));
});

test('a suspended instance can be terminated', async (t) => {
  const id = await client.scheduleNewWorkflow(waitForEventWorkflow);
  await client.waitForWorkflowStart(id, false, WAIT_S);
  await client.suspendWorkflow(id);
  t.is(await statusBecomes(id, WorkflowRuntimeStatus.SUSPENDED), WorkflowRuntimeStatus.SUSPENDED);
  await client.terminateWorkflow(id, 'stop while suspended');
  const state = await client.waitForWorkflowCompletion(id, true, WAIT_S);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedOutput, JSON.stringify('stop while suspended'));
});

// ---- @dapr/durabletask-js: its own client and worker --------------------------------------

const address = `127.0.0.1:${server.grpcPort}`;

// The durabletask-js worker runs async generators only (a sync one's generator object would be
// taken for the output).
async function* dtSequence(
  ctx: OrchestrationContext,
  cities: string[],
): AsyncGenerator<DtTask<string>, string[], string> {
  const out: string[] = [];
  for (const city of cities) out.push(yield ctx.callActivity(dtGreet, city));
  return out;
}

async function* dtFanOut(
  ctx: OrchestrationContext,
  count: number,
): AsyncGenerator<DtTask<number[]>, number, number[]> {
  const tasks: DtTask<number>[] = [];
  for (let i = 1; i <= count; i++) tasks.push(ctx.callActivity(dtDouble, i));
  const results = yield dtWhenAll(tasks);
  return results.reduce((a, b) => a + b, 0);
}

async function* dtChild(
  ctx: OrchestrationContext,
  n: number,
): AsyncGenerator<DtTask<number>, string, number> {
  const doubled = yield ctx.callActivity(dtDouble, n);
  return `${n} doubled by durabletask-js is ${doubled}`;
}

const dtGreet = (_ctx: ActivityContext, city: string): string => `Hello ${city}!`;
const dtDouble = (_ctx: ActivityContext, n: number): number => n * 2;

test('@dapr/durabletask-js: its TaskHubGrpcWorker and TaskHubGrpcClient run a sequence and a fan-out', async (t) => {
  const worker = new TaskHubGrpcWorker(address);
  worker.addOrchestrator(dtSequence);
  worker.addOrchestrator(dtFanOut);
  worker.addOrchestrator(dtChild);
  worker.addActivity(dtGreet);
  worker.addActivity(dtDouble);
  await worker.start();
  t.teardown(() => worker.stop());
  const dtClient = new TaskHubGrpcClient(address);
  t.teardown(() => dtClient.stop());

  const sequenceId = `dt-seq-${randomUUID()}`;
  const fanOutId = `dt-fan-${randomUUID()}`;
  await dtClient.scheduleNewOrchestration(dtSequence, ['Tokyo', 'London', 'Seattle'], sequenceId);
  await dtClient.scheduleNewOrchestration(dtFanOut, 12, fanOutId);

  const sequence = await dtClient.waitForOrchestrationCompletion(sequenceId, true, WAIT_S);
  t.is(sequence?.runtimeStatus, OrchestrationStatus.COMPLETED, JSON.stringify(sequence?.failureDetails));
  t.is(sequence?.name, 'dtSequence');
  t.deepEqual(JSON.parse(sequence?.serializedOutput ?? 'null'), [
    'Hello Tokyo!',
    'Hello London!',
    'Hello Seattle!',
  ]);

  const fanOut = await dtClient.waitForOrchestrationCompletion(fanOutId, true, WAIT_S);
  t.is(fanOut?.runtimeStatus, OrchestrationStatus.COMPLETED, JSON.stringify(fanOut?.failureDetails));
  t.is(fanOut?.serializedOutput, String(12 * 13));
  const history = await historyOf(server, fanOutId);
  t.is(eventsOf(history, 'TaskCompleted').length, 12);
  t.is(new Set(eventsOf(history, 'TaskCompleted').map((e) => e.eventId)).size, 12);

  // A Dapr SDK workflow's child that only the durabletask-js worker runs: each name is served by
  // the worker that registers it.
  const parentId = await client.scheduleNewWorkflow(crossSdkParent, 21);
  const parent = await client.waitForWorkflowCompletion(parentId, true, WAIT_S);
  t.is(parent?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, failureOf(parent));
  t.is(parent?.serializedOutput, JSON.stringify('21 doubled by durabletask-js is 42'));
  t.is((await dtClient.getOrchestrationState(`${parentId}-dt`))?.name, 'dtChild');
});
