/** Which new events a remote workflow's step takes in: duplicates and stale deliveries are left out. */
import test from 'ava';
import type { HistoryEvent } from '../../../src/history/events.js';
import { foldHistory } from '../../../src/history/fold.js';
import { acceptedEvents } from '../../../src/runtime/remote/accepted-events.js';

const at = new Date('2026-01-01T00:00:00Z');
const started: HistoryEvent = {
  type: 'ExecutionStarted',
  timestamp: at,
  name: 'wf',
  instanceId: 'i',
  generation: 0,
};
const history: HistoryEvent[] = [
  started,
  { type: 'TaskScheduled', timestamp: at, eventId: 0, name: 'a' },
  { type: 'TimerCreated', timestamp: at, eventId: 1, fireAt: at, origin: { kind: 'user' } },
  { type: 'ChildWorkflowCreated', timestamp: at, eventId: 2, name: 'child', instanceId: 'c' },
];

test('completions of open tasks, timers and children are taken once each', (t) => {
  const { accepted, warnings } = acceptedEvents(foldHistory(history), [
    { type: 'OrchestratorStarted', timestamp: at },
    { type: 'TaskCompleted', timestamp: at, eventId: 0, result: 1 },
    { type: 'TaskCompleted', timestamp: at, eventId: 0, result: 1 },
    { type: 'TimerFired', timestamp: at, eventId: 1, fireAt: at },
    { type: 'ChildWorkflowCompleted', timestamp: at, eventId: 2 },
    { type: 'EventRaised', timestamp: at, name: 'go' },
  ]);
  t.deepEqual(
    accepted.map((e) => e.type),
    ['OrchestratorStarted', 'TaskCompleted', 'TimerFired', 'ChildWorkflowCompleted', 'EventRaised'],
  );
  // The fold forgets completed tasks, so the redelivery is an unknown id by then.
  t.deepEqual(
    warnings.map((w) => w.code),
    ['unknown-task'],
  );
});

test('unknown ids, the wrong kind, other generations and a second start are left out', (t) => {
  const { accepted, warnings } = acceptedEvents(foldHistory(history), [
    { type: 'TaskCompleted', timestamp: at, eventId: 9 },
    { type: 'TaskCompleted', timestamp: at, eventId: 2 },
    { type: 'TimerFired', timestamp: at, eventId: 0, fireAt: at },
    { type: 'TaskCompleted', timestamp: at, eventId: 0, generation: 3 },
    started,
  ]);
  t.deepEqual(accepted, []);
  t.deepEqual(
    warnings.map((w) => w.code),
    ['unknown-task', 'duplicate-completion', 'duplicate-completion', 'stale-generation', 'duplicate-start'],
  );
});

test('suspend and resume only when they change the status; nothing after the end', (t) => {
  const { accepted, warnings, state } = acceptedEvents(foldHistory(history), [
    { type: 'ExecutionResumed', timestamp: at },
    { type: 'ExecutionSuspended', timestamp: at },
    { type: 'ExecutionSuspended', timestamp: at },
  ]);
  t.deepEqual(
    accepted.map((e) => e.type),
    ['ExecutionSuspended'],
  );
  t.deepEqual(
    warnings.map((w) => w.code),
    ['not-suspended', 'already-suspended'],
  );
  t.is(state.status, 'SUSPENDED');
  const ended = foldHistory([...history, { type: 'ExecutionCompleted', timestamp: at, status: 'COMPLETED' }]);
  const late = acceptedEvents(ended, [{ type: 'EventRaised', timestamp: at, name: 'late' }]);
  t.deepEqual(late.accepted, []);
  t.is(late.warnings[0]?.code, 'after-completion');
});

test('a new instance takes its start', (t) => {
  const { accepted } = acceptedEvents(foldHistory([]), [
    { type: 'OrchestratorStarted', timestamp: at },
    started,
  ]);
  t.is(accepted.length, 2);
});
