import test from 'ava';
import type { WorkflowAction } from '../../../src/engine/actions.js';
import type { ExecutionResult } from '../../../src/engine/execution-result.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { WorkflowRuntimeStatus } from '../../../src/history/status.js';
import { initialWorkflowState } from '../../../src/history/workflow-state.js';
import { inlineCalls, mergeStepResults } from '../../../src/runtime/steps/inline-merge.js';
import { DEFAULT_INLINE_LIMITS, resolveInlineLimits } from '../../../src/runtime/steps/inline-limits.js';

const at = new Date(0);

function result(actions: WorkflowAction[], history: HistoryEvent[] = []): ExecutionResult {
  return {
    actions,
    newHistory: history,
    status: WorkflowRuntimeStatus.RUNNING,
    customStatus: undefined,
    pendingEvents: 0,
    pendingEventBytes: 0,
    state: initialWorkflowState(),
    warnings: [],
  };
}

const task = (id: number, name = 'fast'): WorkflowAction => ({ type: 'ScheduleTask', id, name });
const inlineOnly = (name: string): boolean => name === 'fast';

test('inlineCalls picks the inline activities of a step that goes on', (t) => {
  const timer: WorkflowAction = { type: 'CreateTimer', id: 3, fireAt: at, origin: { kind: 'user' } };
  t.deepEqual(
    inlineCalls(result([task(1), timer, task(4)]), inlineOnly).map((a) => a.id),
    [1, 4],
  );
});

test('inlineCalls runs nothing beside a regular activity or a child: they commit first', (t) => {
  t.deepEqual(inlineCalls(result([task(1), task(2, 'slow')]), inlineOnly), []);
  const child: WorkflowAction = { type: 'ScheduleChildWorkflow', id: 2, name: 'child', instanceId: 'c' };
  t.deepEqual(inlineCalls(result([task(1), child]), inlineOnly), []);
});

test('inlineCalls runs nothing for a step that completes, continues as new or stalled', (t) => {
  const done: WorkflowAction = { type: 'CompleteWorkflow', id: 2, status: WorkflowRuntimeStatus.COMPLETED };
  t.deepEqual(inlineCalls(result([task(1), done]), inlineOnly), []);
  const stalled = { ...result([task(1)]), stalled: { errorType: 'Error', message: 'bug' } };
  t.deepEqual(inlineCalls(stalled, inlineOnly), []);
});

test('mergeStepResults keeps both steps history in order and drops the activities that ran', (t) => {
  const e1: HistoryEvent = { type: 'OrchestratorStarted', timestamp: at };
  const e2: HistoryEvent = { type: 'TaskScheduled', eventId: 1, timestamp: at, name: 'fast' };
  const e3: HistoryEvent = { type: 'TaskCompleted', eventId: 1, timestamp: at, result: 1 };
  const earlier = result([task(1), task(2, 'slow')], [e1, e2]);
  const later = { ...result([task(3)], [e1, e3]), customStatus: 'later' };
  const merged = mergeStepResults(earlier, later, new Set([1]));
  t.deepEqual(
    merged.actions.map((a) => a.id),
    [2, 3],
  );
  t.deepEqual(merged.newHistory, [e1, e2, e1, e3]);
  t.is(merged.customStatus, 'later');
});

test('mergeStepResults drops a timer created and cancelled within the merged step', (t) => {
  const create: WorkflowAction = { type: 'CreateTimer', id: 2, fireAt: at, origin: { kind: 'user' } };
  const other: WorkflowAction = { type: 'CreateTimer', id: 5, fireAt: at, origin: { kind: 'user' } };
  const cancel: WorkflowAction = { type: 'CancelTimer', id: 2 };
  const cancelOlder: WorkflowAction = { type: 'CancelTimer', id: 4 };
  const merged = mergeStepResults(
    result([task(1), create, other]),
    result([cancel, cancelOlder]),
    new Set([1]),
  );
  // Timer 4 came from an earlier committed step: its reminder exists and must be deleted.
  t.deepEqual(merged.actions, [other, cancelOlder]);
});

test('resolveInlineLimits fills defaults and names a bad field, its value and the range', (t) => {
  const invalid = (field: string, value: unknown, allowed: string): Error =>
    new Error(`${field}=${String(value)}: ${allowed}`);
  t.deepEqual(resolveInlineLimits(undefined, invalid), DEFAULT_INLINE_LIMITS);
  t.deepEqual(resolveInlineLimits({ maxRounds: 3 }, invalid), { ...DEFAULT_INLINE_LIMITS, maxRounds: 3 });
  t.throws(() => resolveInlineLimits({ maxRounds: 0 }, invalid), {
    message: 'inlineActivities.maxRounds=0: an integer from 1 to 10000',
  });
  t.throws(() => resolveInlineLimits({ maxMs: 1.5 }, invalid), { message: /inlineActivities.maxMs=1.5/ });
  t.throws(() => resolveInlineLimits({ rounds: 2 } as never, invalid), {
    message: 'inlineActivities.rounds=2: one of maxRounds, maxBytes, maxMs',
  });
});
