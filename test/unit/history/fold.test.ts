import test from 'ava';
import type { EventHandlerMap } from '../../../src/history/events.js';
import { applyEvents, foldHistory } from '../../../src/history/fold.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../../../src/history/status.js';
import { initialWorkflowState } from '../../../src/history/workflow-state.js';
import { at, ev, failure, MINUTE, SECOND, startEvents } from '../../helpers/history-builder.js';

test('an instance with no history is PENDING with nothing outstanding', (t) => {
  t.deepEqual(foldHistory([]), initialWorkflowState());
  t.is(foldHistory([]).status, 'PENDING');
});

test('ExecutionStarted sets identity, input and RUNNING', (t) => {
  const parent = { name: 'p', instanceId: 'p-1', generation: 2, taskId: 9 };
  const state = foldHistory(
    startEvents({ name: 'order', instanceId: 'o-1', input: { n: 1 }, generation: 4, parent }, at(SECOND)),
  );
  t.deepEqual(state, {
    ...initialWorkflowState(),
    instanceId: 'o-1',
    name: 'order',
    generation: 4,
    status: 'RUNNING',
    input: { n: 1 },
    parent,
    createdAt: at(SECOND),
    updatedAt: at(SECOND),
  });
});

test('tasks, children and timers are pending until answered', (t) => {
  const scheduled = foldHistory([
    ...startEvents(),
    ev.taskScheduled(1, 'a', 'in', at(1)),
    ev.childCreated(2, 'c', 'inst-1:0:2', undefined, at(2)),
    ev.timerCreated(3, at(MINUTE), { kind: 'user' }, at(3)),
    ev.timerCreated(4, at(2 * MINUTE), { kind: 'externalEventTimeout', eventName: 'e' }, at(4)),
  ]);
  t.deepEqual(scheduled.pendingTasks, {
    1: { kind: 'activity', name: 'a', scheduledAt: at(1) },
    2: { kind: 'childWorkflow', name: 'c', instanceId: 'inst-1:0:2', scheduledAt: at(2) },
  });
  t.deepEqual(Object.keys(scheduled.pendingTimers), ['3', '4']);

  const answered = applyEvents(scheduled, [
    ev.taskCompleted(2, 'wrong kind: ignored'),
    ev.childFailed(1, failure('wrong kind: ignored')),
    ev.timerFired(3, at(MINUTE)),
    ev.timerCancelled(4, at(MINUTE)),
  ]);
  t.deepEqual(Object.keys(answered.pendingTasks), ['1', '2']);
  t.deepEqual(answered.pendingTimers, {});
  const done = applyEvents(answered, [ev.taskFailed(1, failure('x')), ev.childCompleted(2)]);
  t.deepEqual(done.pendingTasks, {});
  t.deepEqual(done.updatedAt, at());
});

test('folding never mutates the state it is given', (t) => {
  const before = foldHistory([...startEvents(), ev.taskScheduled(1, 'a')]);
  const snapshot = structuredClone(before);
  const after = applyEvents(before, [ev.taskCompleted(1), ev.executionCompleted('COMPLETED', 'x')]);
  t.deepEqual(before, snapshot);
  t.not(after, before);
  t.is(applyEvents(before, []), before);
});

test('suspension holds raised events as pending until resume', (t) => {
  const suspended = foldHistory([
    ...startEvents(),
    ev.eventRaised('before', 1, at(1)),
    ev.suspended('ops', at(2)),
    ev.eventRaised('during', 2, at(3)),
  ]);
  t.is(suspended.status, 'SUSPENDED');
  t.deepEqual(suspended.pendingEvents, [{ name: 'during', data: 2, receivedAt: at(3) }]);
  const resumed = applyEvents(suspended, [ev.resumed(undefined, at(4))]);
  t.is(resumed.status, 'RUNNING');
  t.deepEqual(resumed.pendingEvents, []);
});

test('custom status follows CustomStatusSet', (t) => {
  const state = foldHistory([...startEvents(), ev.customStatusSet({ step: 1 }), ev.customStatusSet('two')]);
  t.is(state.customStatus, 'two');
  t.false('customStatus' in foldHistory([...startEvents(), ev.customStatusSet('x'), ev.customStatusSet()]));
});

test('completion is final: later events change nothing', (t) => {
  const failed = foldHistory([
    ...startEvents(),
    ev.taskScheduled(1, 'a'),
    ev.executionCompleted('FAILED', undefined, failure('boom', 'TypeError'), at(SECOND)),
  ]);
  t.is(failed.status, 'FAILED');
  t.deepEqual(failed.failureDetails, failure('boom', 'TypeError'));
  t.deepEqual(failed.completedAt, at(SECOND));
  const after = applyEvents(failed, [
    ev.taskCompleted(1),
    ev.resumed(),
    ev.executionCompleted('COMPLETED', 'late', undefined, at(MINUTE)),
  ]);
  t.deepEqual(after, failed);
});

test('continue-as-new ends a generation and ExecutionStarted starts the next from scratch', (t) => {
  const first = foldHistory([
    ...startEvents({ input: 1 }),
    ev.customStatusSet('gen0'),
    ev.taskScheduled(1, 'a'),
    ev.continueAsNew(2, [], at(SECOND)),
  ]);
  t.is(first.status, 'CONTINUED_AS_NEW');
  t.true(isTerminalStatus(first.status));
  const next = applyEvents(first, startEvents({ input: 2, generation: 1 }, at(2 * SECOND)));
  t.deepEqual(next, {
    ...initialWorkflowState(),
    instanceId: 'inst-1',
    name: 'wf',
    generation: 1,
    status: WorkflowRuntimeStatus.RUNNING,
    input: 2,
    createdAt: at(2 * SECOND),
    updatedAt: at(2 * SECOND),
  });
});

test('the handler table type rejects a table that misses an event kind', (t) => {
  const noop = (): void => undefined;
  // @ts-expect-error -- ExecutionCompleted is missing, which must not compile
  const incomplete: EventHandlerMap<null> = {
    ExecutionStarted: noop,
    OrchestratorStarted: noop,
    TaskScheduled: noop,
    TaskCompleted: noop,
    TaskFailed: noop,
    TimerCreated: noop,
    TimerFired: noop,
    TimerCancelled: noop,
    EventRaised: noop,
    EventSent: noop,
    ChildWorkflowCreated: noop,
    ChildWorkflowCompleted: noop,
    ChildWorkflowFailed: noop,
    ExecutionSuspended: noop,
    ExecutionResumed: noop,
    ExecutionTerminated: noop,
    CustomStatusSet: noop,
    ContinueAsNew: noop,
  };
  t.is(Object.keys(incomplete).length, 18);
});
