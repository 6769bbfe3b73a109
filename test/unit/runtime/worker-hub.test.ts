/** The remote worker hub: dispatch, answers, redelivery when a worker leaves, refusals, bounds. */
import test from 'ava';
import { NOT_REGISTERED, WorkerHub } from '../../../src/runtime/remote/worker-hub.js';
import {
  WorkItemTooLargeError,
  WorkerUnavailableError,
  WorkflowNotServedError,
  type ActivityWork,
  type OrchestratorWork,
  type WorkerConnection,
} from '../../../src/runtime/remote/remote-work.js';

/** A worker that records what it was sent. */
class FakeWorker implements WorkerConnection {
  readonly orchestrators: OrchestratorWork[] = [];
  readonly activities: ActivityWork[] = [];
  broken: Error | undefined;
  constructor(readonly label: string) {}
  sendOrchestrator(work: OrchestratorWork): void {
    if (this.broken) throw this.broken;
    this.orchestrators.push(work);
  }
  sendActivity(work: ActivityWork): void {
    if (this.broken) throw this.broken;
    this.activities.push(work);
  }
}

const step = (instanceId: string, name = 'wf'): OrchestratorWork => ({
  instanceId,
  generation: 0,
  name,
  pastEvents: [],
  newEvents: [],
});
const activity = (instanceId: string, taskId: number, name = 'act'): ActivityWork => ({
  instanceId,
  generation: 0,
  taskId,
  name,
});

test('a step goes to a worker and settles with its answer; a second answer matches nothing', async (t) => {
  const hub = new WorkerHub();
  const w = new FakeWorker('w1');
  hub.connect(w);
  const running = hub.runOrchestrator(step('i1'));
  t.is(w.orchestrators.length, 1);
  t.is(hub.inflight, 1);
  const unmatched: string[] = [];
  hub.on('unmatchedAnswer', (_kind, id) => unmatched.push(id));
  t.true(hub.answerOrchestrator('i1', { actions: [], customStatus: 'x' }));
  t.deepEqual(await running, { actions: [], customStatus: 'x' });
  t.false(hub.answerOrchestrator('i1', { actions: [], customStatus: undefined }));
  t.deepEqual(unmatched, ['i1']);
  t.is(hub.inflight, 0);
});

test('items are spread round-robin over the workers', (t) => {
  const hub = new WorkerHub();
  const a = new FakeWorker('a');
  const b = new FakeWorker('b');
  hub.connect(a);
  hub.connect(b);
  for (let i = 0; i < 6; i++) void hub.runActivity(activity('i', i));
  t.is(a.activities.length, 3);
  t.is(b.activities.length, 3);
});

test('no worker: a step is not served (it waits as a stall); an activity waits for one', async (t) => {
  const hub = new WorkerHub();
  const error = await t.throwsAsync(hub.runOrchestrator(step('i1', 'orders')), {
    instanceOf: WorkflowNotServedError,
  });
  t.regex(error.message, /"orders" is not registered here and no worker is connected/);
  const waiting = hub.runActivity(activity('i1', 1));
  t.is(hub.queued, 1);
  const w = new FakeWorker('late');
  hub.connect(w);
  t.is(hub.queued, 0);
  t.is(w.activities.length, 1);
  hub.answerActivity('i1', 1, { ok: true, result: 42 });
  t.deepEqual(await waiting, { ok: true, result: 42 });
});

test('a worker that leaves has its items redelivered to another; its late answer is dropped', async (t) => {
  const hub = new WorkerHub();
  const a = new FakeWorker('a');
  const b = new FakeWorker('b');
  const leaveA = hub.connect(a);
  const redeliveries: boolean[] = [];
  hub.on('dispatched', (_kind, redelivery) => redeliveries.push(redelivery));
  const stepDone = hub.runOrchestrator(step('i1'));
  const actDone = hub.runActivity(activity('i2', 7));
  t.is(a.orchestrators.length + a.activities.length, 2);
  hub.connect(b);
  leaveA();
  t.is(b.orchestrators.length, 1);
  t.is(b.activities.length, 1);
  t.deepEqual(redeliveries, [false, false, true, true]);
  hub.answerActivity('i2', 7, { ok: true, result: 'from b' });
  hub.answerOrchestrator('i1', { actions: [], customStatus: undefined });
  t.deepEqual(await actDone, { ok: true, result: 'from b' });
  t.deepEqual(await stepDone, { actions: [], customStatus: undefined });
  // a's answer arrives after all: nothing is in flight for it any more.
  t.false(hub.answerActivity('i2', 7, { ok: true, result: 'from a' }));
});

test('a step whose only worker leaves fails as unavailable (the stall retries it); an activity waits', async (t) => {
  const hub = new WorkerHub();
  const leave = hub.connect(new FakeWorker('only'));
  const stepDone = hub.runOrchestrator(step('i1'));
  const actDone = hub.runActivity(activity('i1', 3));
  leave();
  await t.throwsAsync(stepDone, { instanceOf: WorkerUnavailableError, message: /disconnected/ });
  t.is(hub.queued, 1);
  const next = new FakeWorker('next');
  hub.connect(next);
  hub.answerActivity('i1', 3, { ok: false, failure: { errorType: 'E', message: 'boom' } });
  t.deepEqual(await actDone, { ok: false, failure: { errorType: 'E', message: 'boom' } });
});

test('a worker without the workflow is passed over; with none left the step is not served', async (t) => {
  const hub = new WorkerHub();
  const a = new FakeWorker('a');
  const b = new FakeWorker('b');
  hub.connect(a);
  hub.connect(b);
  const first = hub.runOrchestrator(step('i1', 'billing'));
  t.is(a.orchestrators.length, 1);
  hub.answerOrchestrator('i1', NOT_REGISTERED);
  t.is(b.orchestrators.length, 1, 'offered to the other worker');
  hub.answerOrchestrator('i1', { actions: [], customStatus: undefined });
  await first;
  // Neither is sent "billing" again once both refused it.
  const second = hub.runOrchestrator(step('i2', 'billing'));
  t.is(a.orchestrators.length, 1, 'a, which refused "billing", is not asked again');
  t.is(b.orchestrators.length, 2);
  hub.answerOrchestrator('i2', NOT_REGISTERED);
  await t.throwsAsync(second, {
    instanceOf: WorkflowNotServedError,
    message: /none of the 2 connected workers/,
  });
});

test('an activity every worker refuses fails as not registered, not retryable', async (t) => {
  const hub = new WorkerHub();
  hub.connect(new FakeWorker('a'));
  const done = hub.runActivity(activity('i1', 1, 'missing'));
  hub.answerActivity('i1', 1, NOT_REGISTERED);
  const answer = await done;
  t.false(answer.ok);
  if (!answer.ok) {
    t.is(answer.failure.errorType, 'ActivityNotRegisteredError');
    t.true(answer.failure.nonRetryable);
  }
});

test('a worker whose stream broke is dropped and its item goes to the next', async (t) => {
  const hub = new WorkerHub();
  const broken = new FakeWorker('broken');
  broken.broken = new Error('stream closed');
  const good = new FakeWorker('good');
  hub.connect(broken);
  hub.connect(good);
  const done = hub.runActivity(activity('i1', 1));
  t.is(hub.workers, 1);
  t.is(good.activities.length, 1);
  hub.answerActivity('i1', 1, { ok: true });
  t.deepEqual(await done, { ok: true });
});

test('an item too large for a message fails itself, not the worker', async (t) => {
  const hub = new WorkerHub();
  const w = new FakeWorker('w');
  w.broken = new WorkItemTooLargeError('the step', 5_000_000, 4_194_304);
  hub.connect(w);
  await t.throwsAsync(hub.runOrchestrator(step('i1')), { instanceOf: WorkItemTooLargeError });
  t.is(hub.workers, 1);
});

test('a step with no answer within the deadline fails as unavailable', async (t) => {
  const hub = new WorkerHub({ orchestratorTimeoutMs: 20 });
  hub.connect(new FakeWorker('silent'));
  await t.throwsAsync(hub.runOrchestrator(step('i1')), {
    instanceOf: WorkerUnavailableError,
    message: /no answer from silent within 0.02 s/,
  });
  t.is(hub.inflight, 0);
});

test('the activity queue is bounded', async (t) => {
  const hub = new WorkerHub({ maxQueuedActivities: 2 });
  void hub.runActivity(activity('i', 1));
  void hub.runActivity(activity('i', 2));
  await t.throwsAsync(hub.runActivity(activity('i', 3)), {
    instanceOf: WorkerUnavailableError,
    message: /2 work items already wait for a worker/,
  });
});

test('a worker is given at most maxInflightPerWorker items; the rest wait for room', async (t) => {
  const hub = new WorkerHub({ maxInflightPerWorker: 2 });
  const w = new FakeWorker('w');
  hub.connect(w);
  const first = hub.runActivity(activity('i', 1));
  void hub.runActivity(activity('i', 2));
  const step3 = hub.runOrchestrator(step('j'));
  t.is(w.activities.length, 2);
  t.is(w.orchestrators.length, 0, 'no room: the step waits');
  t.is(hub.queued, 1);
  hub.answerActivity('i', 1, { ok: true });
  await first;
  t.is(w.orchestrators.length, 1, 'an answer made room');
  hub.answerOrchestrator('j', { actions: [], customStatus: undefined });
  await step3;
  t.is(hub.queued, 0);
});

test('the same activity asked for twice runs once', async (t) => {
  const hub = new WorkerHub();
  const w = new FakeWorker('w');
  hub.connect(w);
  const first = hub.runActivity(activity('i', 1));
  const second = hub.runActivity(activity('i', 1));
  t.is(w.activities.length, 1);
  hub.answerActivity('i', 1, { ok: true, result: 1 });
  t.deepEqual(await Promise.all([first, second]), [
    { ok: true, result: 1 },
    { ok: true, result: 1 },
  ]);
});

test('close gives up everything and takes no more', async (t) => {
  const hub = new WorkerHub();
  hub.connect(new FakeWorker('w'));
  const stepDone = hub.runOrchestrator(step('i1'));
  const queued = new WorkerHub();
  const waiting = queued.runActivity(activity('i1', 1));
  hub.close();
  queued.close();
  await t.throwsAsync(stepDone, { instanceOf: WorkerUnavailableError, message: /stopping/ });
  await t.throwsAsync(waiting, { instanceOf: WorkerUnavailableError, message: /stopping/ });
  t.throws(() => hub.connect(new FakeWorker('late')), { instanceOf: WorkerUnavailableError });
});

test('reopen takes workers again after close', async (t) => {
  const hub = new WorkerHub();
  hub.close();
  hub.reopen();
  const w = new FakeWorker('w');
  hub.connect(w);
  const done = hub.runActivity(activity('i', 1));
  hub.answerActivity('i', 1, { ok: true });
  t.deepEqual(await done, { ok: true });
});

test('answers count only from the worker an item is with (a refusal) or name their work exactly (a result)', async (t) => {
  const hub = new WorkerHub();
  const a = new FakeWorker('a');
  const b = new FakeWorker('b');
  const leaveA = hub.connect(a);
  hub.connect(b);
  const act = hub.runActivity(activity('i', 1));
  const wf = hub.runOrchestrator(step('j'));
  t.is(a.activities.length, 1);
  t.is(b.orchestrators.length, 1);
  leaveA();
  t.is(b.activities.length, 1, 'redelivered to b');
  // a's late refusal must not mark b, which has the activity; a's late step answer is not b's.
  t.false(hub.answerActivity('i', 1, NOT_REGISTERED, 'a'));
  t.false(hub.answerOrchestrator('j', { actions: [], customStatus: 'stale' }, 'a'));
  t.true(hub.answerOrchestrator('j', { actions: [], customStatus: 'fresh' }, 'b'));
  t.is((await wf).customStatus, 'fresh');
  // A result from a worker that left still settles the call: it names the task exactly.
  t.true(hub.answerActivity('i', 1, { ok: true, result: 'from a' }, 'a'));
  t.deepEqual(await act, { ok: true, result: 'from a' });
});
