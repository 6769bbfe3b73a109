/**
 * The HTTP view of a stalled instance: Dapr's shape with the status left RUNNING, the stall in
 * `tickflow.stalled.*` properties and in list rows, never a stack trace.
 */
import test from 'ava';
import type { WorkflowState } from '../../../src/runtime/instances/workflow-state-view.js';
import { WorkflowRuntimeStatus } from '../../../src/history/status.js';
import { toDaprWorkflow, toListItem } from '../../../src/server/workflow-view.js';

const T0 = Date.UTC(2026, 0, 1);
const stalledState: WorkflowState = {
  instanceId: 'o-1',
  name: 'order',
  runtimeStatus: WorkflowRuntimeStatus.RUNNING,
  createdAt: new Date(T0),
  lastUpdatedAt: new Date(T0 + 3_000),
  serializedInput: '"o-1"',
  stalled: {
    errorType: 'TypeError',
    message: 'boom',
    stackTrace: 'TypeError: boom\n    at order (/srv/app/order.ts:12:3)',
    attempts: 3,
    firstStalledAt: new Date(T0),
    lastStalledAt: new Date(T0 + 3_000),
    nextRetryAt: new Date(T0 + 7_000),
  },
};

test('GET shows the stall in properties, RUNNING as the status, no stack trace', (t) => {
  const view = toDaprWorkflow(stalledState);
  t.is(view.runtimeStatus, 'RUNNING');
  t.deepEqual(view.properties, {
    'dapr.workflow.input': '"o-1"',
    'tickflow.stalled.error_type': 'TypeError',
    'tickflow.stalled.error_message': 'boom',
    'tickflow.stalled.attempts': '3',
    'tickflow.stalled.since': '2026-01-01T00:00:00.000Z',
    'tickflow.stalled.last_attempt_at': '2026-01-01T00:00:03.000Z',
    'tickflow.stalled.next_retry_at': '2026-01-01T00:00:07.000Z',
  });
  const { stalled: _stalled, ...running } = stalledState;
  t.false(Object.keys(toDaprWorkflow(running).properties).some((k) => k.startsWith('tickflow.stalled')));
});

test('a list row carries the stall without a stack trace', (t) => {
  t.deepEqual(toListItem(stalledState).stalled, {
    errorType: 'TypeError',
    errorMessage: 'boom',
    attempts: 3,
    since: '2026-01-01T00:00:00.000Z',
    nextRetryAt: '2026-01-01T00:00:07.000Z',
  });
  const { stalled: _stalled, ...running } = stalledState;
  t.false('stalled' in toListItem(running));
});
