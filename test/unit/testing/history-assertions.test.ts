import { AssertionError } from 'node:assert';
import test from 'ava';
import type { HistoryEvent } from '../../../src/index.js';
import {
  activityCalls,
  assertActivityCalledWith,
  assertTimeline,
  formatDuration,
  timeline,
} from '../../../src/testing/history-assertions.js';
import { at, ev, failure, HOUR, MINUTE, SECOND, startEvents } from '../../helpers/history-builder.js';

const history: HistoryEvent[] = [
  ...startEvents({ name: 'order' }),
  ev.taskScheduled(1, 'charge', { amount: 5 }),
  ev.orchestratorStarted(at(250)),
  ev.taskFailed(1, failure('declined', 'PaymentError'), at(250)),
  ev.timerCreated(2, at(250 + SECOND), { kind: 'retry', taskId: 1 }, at(250)),
  ev.orchestratorStarted(at(250 + SECOND)),
  ev.timerFired(2, at(250 + SECOND)),
  ev.taskScheduled(3, 'charge', { amount: 5 }, at(250 + SECOND), 2),
  ev.orchestratorStarted(at(2 * SECOND)),
  ev.taskCompleted(3, 'r-1', at(2 * SECOND)),
  ev.childCreated(4, 'ship', 'order:0:4', { to: 'x' }, at(2 * SECOND)),
  ev.timerCreated(5, at(90 * MINUTE), { kind: 'externalEventTimeout', eventName: 'signed' }, at(2 * SECOND)),
  ev.orchestratorStarted(at(HOUR)),
  ev.childFailed(4, failure('no carrier', 'CarrierError'), at(HOUR)),
  ev.eventSent(6, 'support', 'escalate', undefined, at(HOUR)),
  ev.customStatusSet({ stage: 'escalated' }, at(HOUR)),
  ev.timerCancelled(5, at(HOUR)),
  ev.executionCompleted('FAILED', undefined, failure('shipping failed', 'TaskFailedError'), at(HOUR)),
];

test('formatDuration is compact and exact', (t) => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [250, '250ms'],
    [2 * SECOND, '2s'],
    [1500, '1s500ms'],
    [90 * MINUTE, '1h30m'],
    [24 * HOUR, '24h'],
    [HOUR + 5 * SECOND, '1h5s'],
    [-3 * SECOND, '-3s'],
  ];
  for (const [ms, text] of cases) t.is(formatDuration(ms), text);
});

test('a timeline names every event by what it concerns, at its offset from the start', (t) => {
  t.deepEqual(timeline(history), [
    '+0s ExecutionStarted order',
    '+0s TaskScheduled charge',
    '+250ms TaskFailed charge: PaymentError',
    '+250ms TimerCreated (retry) for +1s250ms',
    '+1s250ms TimerFired (retry)',
    '+1s250ms TaskScheduled charge (attempt 2)',
    '+2s TaskCompleted charge',
    '+2s ChildWorkflowCreated ship',
    '+2s TimerCreated (timeout of signed) for +1h30m',
    '+1h ChildWorkflowFailed ship: CarrierError',
    '+1h EventSent escalate to support',
    '+1h CustomStatusSet {"stage":"escalated"}',
    '+1h TimerCancelled (timeout of signed)',
    '+1h ExecutionCompleted FAILED TaskFailedError',
  ]);
  t.is(timeline(history, { times: false })[0], 'ExecutionStarted order');
  t.deepEqual(timeline([]), []);
});

test('a timeline shows version markers by patch id, deprecated ones said so', (t) => {
  const marked = [
    ...startEvents({ name: 'ship' }),
    ev.patchRecorded('courier-pickup'),
    ev.patchRecorded('label-v2', at(SECOND), true),
  ];
  t.deepEqual(timeline(marked, { times: false }), [
    'ExecutionStarted ship',
    'PatchRecorded courier-pickup',
    'PatchRecorded label-v2 (deprecated)',
  ]);
});

test('activityCalls pairs each attempt with its outcome', (t) => {
  const calls = activityCalls(history, 'charge');
  t.deepEqual(
    calls.map((c) => [c.sequenceId, c.attempt, c.scheduledAt.getTime() - at().getTime(), c.outcome?.ok]),
    [
      [1, 1, 0, false],
      [3, 2, 1250, true],
    ],
  );
  t.deepEqual(calls[1]?.outcome, { ok: true, result: 'r-1', at: at(2 * SECOND) });
  async function charge(): Promise<void> {}
  t.is(activityCalls(history, charge).length, 2);
  t.deepEqual(activityCalls(history, 'ship'), []);
  t.is(activityCalls(history).length, 2);
});

test('assertActivityCalledWith compares inputs as stored, and says what the calls were', (t) => {
  t.notThrows(() => assertActivityCalledWith(history, 'charge', { amount: 5, note: undefined }));
  const wrong = t.throws(() => assertActivityCalledWith(history, 'charge', { amount: 6 }), {
    instanceOf: AssertionError,
  });
  t.is(
    wrong?.message,
    'activity "charge" was never called with {"amount":6}; its calls were:\n' +
      '  attempt 1: {"amount":5}\n  attempt 2: {"amount":5}',
  );
  t.throws(() => assertActivityCalledWith(history, 'refund', 1), {
    instanceOf: AssertionError,
    message: 'activity "refund" was never called with 1; it was not called at all',
  });
});

test('assertTimeline shows both timelines when they differ', (t) => {
  const expected = timeline(history);
  t.notThrows(() => assertTimeline(history, expected));
  const error = t.throws(() => assertTimeline(history, expected.slice(1)), { instanceOf: AssertionError });
  t.regex(error?.message ?? '', /^timeline differs:\nactual:\n {2}\+0s ExecutionStarted order\n/);
  t.regex(error?.message ?? '', /\nexpected:\n {2}\+0s TaskScheduled charge\n/);
});
