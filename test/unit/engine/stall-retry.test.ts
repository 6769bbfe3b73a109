/**
 * The runtime's pure pieces of stalled steps: the backoff (first interval doubling to a cap), the
 * stall record kept across attempts, the ops of a stalled attempt, and the client's view of it.
 */
import test from 'ava';
import { instanceKeys, reminderNames } from '../../../src/runtime/instances/instance-keys.js';
import type { InstanceRecord } from '../../../src/runtime/instances/instance-record.js';
import type { ReminderPort, ReminderSpec } from '../../../src/runtime/reminders/reminder-port.js';
import {
  DEFAULT_STALL_BACKOFF,
  nextStallRecord,
  resolveStallBackoff,
  stallDelayMs,
} from '../../../src/runtime/steps/stall-backoff.js';
import { stalledStepOps } from '../../../src/runtime/steps/stall-ops.js';
import { toWorkflowState } from '../../../src/runtime/instances/workflow-state-view.js';
import { WorkflowValidationError } from '../../../src/runtime/workflow-errors.js';
import { deserializeEvent } from '../../../src/history/serialize.js';
import { WorkflowRuntimeStatus } from '../../../src/history/status.js';
import { at, ev, SECOND, T0 } from '../../helpers/history-builder.js';

const invalid = (field: string, value: unknown, allowed: string) =>
  new WorkflowValidationError(field, value, allowed);
const boom = { errorType: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at order' };

test('the default backoff is 1 s doubling to 5 min', (t) => {
  t.deepEqual(DEFAULT_STALL_BACKOFF, { firstMs: 1_000, maxMs: 300_000 });
  const delays = [1, 2, 3, 4, 8, 9, 10, 1000].map((n) => stallDelayMs(DEFAULT_STALL_BACKOFF, n));
  t.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 128_000, 256_000, 300_000, 300_000]);
});

test('stallRetry options are checked, naming the field', (t) => {
  t.is(resolveStallBackoff(undefined, invalid), DEFAULT_STALL_BACKOFF);
  t.deepEqual(resolveStallBackoff({ firstIntervalSeconds: 0.5, maxIntervalSeconds: 60 }, invalid), {
    firstMs: 500,
    maxMs: 60_000,
  });
  // A first interval above the default cap raises the cap with it.
  t.deepEqual(resolveStallBackoff({ firstIntervalSeconds: 600 }, invalid), {
    firstMs: 600_000,
    maxMs: 600_000,
  });
  t.throws(() => resolveStallBackoff({ firstIntervalSeconds: 0 }, invalid), {
    instanceOf: WorkflowValidationError,
    message: 'invalid stallRetry.firstIntervalSeconds: 0; allowed: a number of seconds >= 0.1',
  });
  t.throws(() => resolveStallBackoff({ maxIntervalSeconds: Number.NaN }, invalid), {
    message: /^invalid stallRetry\.maxIntervalSeconds: .*; allowed: a number of seconds >= 0.1$/,
  });
  t.throws(() => resolveStallBackoff({ firstIntervalSeconds: 10, maxIntervalSeconds: 5 }, invalid), {
    message:
      'invalid stallRetry.maxIntervalSeconds: 5; allowed: a number of seconds >= stallRetry.firstIntervalSeconds (10)',
  });
});

test('the stall record counts attempts, keeps the first time and schedules the next retry', (t) => {
  const first = nextStallRecord(undefined, boom, T0, DEFAULT_STALL_BACKOFF);
  t.deepEqual(first, {
    failure: boom,
    attempts: 1,
    firstStalledAt: T0,
    lastStalledAt: T0,
    nextRetryAt: T0 + 1_000,
  });
  const other = { errorType: 'NonDeterminismError', message: 'diverged' };
  const second = nextStallRecord(first, other, T0 + 1_000, DEFAULT_STALL_BACKOFF);
  t.deepEqual(second, {
    failure: other,
    attempts: 2,
    firstStalledAt: T0,
    lastStalledAt: T0 + 1_000,
    nextRetryAt: T0 + 3_000,
  });
});

/** Records what the ops would write, as a timer service would encode its jobs. */
function fakeReminders(): ReminderPort & { puts: Array<{ name: string; spec: ReminderSpec }> } {
  const puts: Array<{ name: string; spec: ReminderSpec }> = [];
  return {
    puts,
    onTrigger: () => () => undefined,
    ready: () => Promise.resolve(),
    putJobOps: (name, spec) => {
      puts.push({ name, spec });
      return [{ op: 'put', key: `/jobs/${name}`, value: JSON.stringify(spec.data ?? null) }];
    },
    deleteJobOps: (name) => [{ op: 'delete', key: `/jobs/${name}` }],
    deleteJobPrefixOps: (prefix) => [{ op: 'deletePrefix', prefix: `/jobs/${prefix}` }],
    list: () => Promise.resolve([]),
    memberId: 'only',
    members: () => ['only'],
    expedite: () => 0,
    onClusterChange: () => () => undefined,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

const record: InstanceRecord = {
  instanceId: 'o-1',
  name: 'order',
  status: WorkflowRuntimeStatus.PENDING,
  generation: 0,
  createdAt: T0,
  lastUpdatedAt: T0,
  input: 'order-1',
  chunks: 0,
  tailEvents: 0,
  events: 0,
};

test('a stalled attempt writes the stall, requeues what it took in-process and re-arms the wake', (t) => {
  const keys = instanceKeys('default', 'app');
  const reminders = fakeReminders();
  const now = at(5 * SECOND);
  const stall = nextStallRecord(undefined, boom, now.getTime(), DEFAULT_STALL_BACKOFF);
  const requeue = [ev.executionStarted({ instanceId: 'o-1', name: 'order' }), ev.timerFired(2, now)];
  const built = stalledStepOps({ keys, reminders, now }, record, stall, requeue, [
    keys.inboxMessage('o-1', 'garbled'),
  ]);
  // Started as far as clients see; the ExecutionStarted now waits in the inbox.
  t.is(built.record.status, WorkflowRuntimeStatus.RUNNING);
  t.deepEqual(built.record.stalled, stall);
  t.is(built.record.lastUpdatedAt, now.getTime());
  t.is(built.record.events, 0, 'no history written');
  const ops = built.ops;
  t.deepEqual(ops[0], { op: 'delete', key: keys.inboxMessage('o-1', 'garbled') });
  t.true(built.messages.every((op) => op.op === 'put' && op.key.startsWith(keys.inboxPrefix('o-1'))));
  t.deepEqual(
    built.messages.map((op) => (op.op === 'put' ? deserializeEvent(op.value).type : '')),
    ['ExecutionStarted', 'TimerFired'],
  );
  t.false(
    [...ops, ...built.messages].some((op) => op.op === 'put' && op.key.startsWith(keys.historyPrefix('o-1'))),
    'no history chunk',
  );
  t.deepEqual(
    reminders.puts.map((p) => [p.name, p.spec.dueTime.getTime()]),
    [[reminderNames.wake('o-1'), now.getTime() + 1_000]],
  );
  const last = ops.at(-1);
  t.deepEqual(last?.op === 'put' && JSON.parse(last.value), built.record);
});

test('clients see the stall next to a RUNNING status', (t) => {
  const stall = nextStallRecord(undefined, boom, T0, DEFAULT_STALL_BACKOFF);
  const state = toWorkflowState({ ...record, status: WorkflowRuntimeStatus.RUNNING, stalled: stall }, false);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.deepEqual(state.stalled, {
    errorType: 'TypeError',
    message: 'boom',
    stackTrace: boom.stack,
    attempts: 1,
    firstStalledAt: new Date(T0),
    lastStalledAt: new Date(T0),
    nextRetryAt: new Date(T0 + 1_000),
  });
  t.is(state.workflowFailureDetails, undefined);
  t.is(toWorkflowState(record, false).stalled, undefined);
});
