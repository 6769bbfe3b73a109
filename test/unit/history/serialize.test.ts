import test from 'ava';
import type { EventOf, HistoryEvent, HistoryEventType } from '../../../src/history/events.js';
import {
  deserializeEvent,
  deserializeHistory,
  HistorySerializationError,
  normalizePayload,
  serializeEvent,
  serializeHistory,
} from '../../../src/history/serialize.js';
import { at, ev, failure, SECOND } from '../../helpers/history-builder.js';

/** One sample per event kind; the mapped type makes a new kind fail to compile until added. */
const samples: { [K in HistoryEventType]: EventOf<K> } = {
  ExecutionStarted: ev.executionStarted({
    name: 'order',
    instanceId: 'o-1',
    input: { items: [1, 2], at: at(5) },
    generation: 3,
    parent: { name: 'batch', instanceId: 'b-1', generation: 0, taskId: 7 },
    scheduledStartAt: at(SECOND),
  }),
  OrchestratorStarted: ev.orchestratorStarted(at(1)),
  TaskScheduled: ev.taskScheduled(1, 'charge', { amount: 5 }, at(2), 2),
  TaskCompleted: ev.taskCompleted(1, 'receipt', at(3), 3),
  TaskFailed: ev.taskFailed(
    1,
    { ...failure('no', 'Declined', true), stack: 'Declined: no\n    at x' },
    at(4),
  ),
  TimerCreated: ev.timerCreated(2, at(60 * SECOND), { kind: 'retry', taskId: 1 }, at(5)),
  TimerFired: ev.timerFired(2, at(60 * SECOND), at(61 * SECOND), 3),
  TimerCancelled: ev.timerCancelled(4, at(6)),
  EventRaised: ev.eventRaised('approval', { ok: true }, at(7)),
  EventSent: ev.eventSent(5, 'other', 'ping', [1, 'two', null], at(8)),
  ChildWorkflowCreated: ev.childCreated(6, 'ship', 'o-1:3:6', { to: 'x' }, at(9)),
  ChildWorkflowCompleted: ev.childCompleted(6, 42, at(10)),
  ChildWorkflowFailed: ev.childFailed(6, failure('lost'), at(11), 3),
  ExecutionSuspended: ev.suspended('maintenance', at(12)),
  ExecutionResumed: ev.resumed(undefined, at(13)),
  ExecutionTerminated: ev.terminated({ by: 'ops' }, at(14), 'stuck'),
  CustomStatusSet: ev.customStatusSet({ stage: 2 }, at(15)),
  PatchRecorded: ev.patchRecorded('express-shipping', at(15), true),
  ContinueAsNew: ev.continueAsNew({ n: 1 }, [{ name: 'item', data: 'B' }, { name: 'bare' }], at(16)),
  ExecutionCompleted: ev.executionCompleted('FAILED', undefined, failure('x'), at(17)),
};

const all: HistoryEvent[] = Object.values(samples);

test('every event kind round-trips, Dates included', (t) => {
  for (const event of all) {
    const text = serializeEvent(event);
    t.deepEqual(deserializeEvent(text), event, event.type);
  }
  t.is(new Set(all.map((e) => e.type)).size, 20);
});

test('a history round-trips as JSON lines', (t) => {
  const text = serializeHistory(all);
  t.is(text.split('\n').length, all.length + 1);
  t.true(text.endsWith('\n'));
  t.deepEqual(deserializeHistory(text), all);
  t.deepEqual(deserializeHistory(''), []);
});

test('output is stable: same event, same text, event fields in a fixed order', (t) => {
  const a: HistoryEvent = {
    type: 'TaskScheduled',
    timestamp: at(),
    eventId: 1,
    name: 'x',
    input: { b: 1, a: 2 },
  };
  const b: HistoryEvent = {
    input: { b: 1, a: 2 },
    name: 'x',
    eventId: 1,
    timestamp: at(),
    type: 'TaskScheduled',
  };
  t.is(serializeEvent(a), serializeEvent(b));
  t.is(
    serializeEvent(a),
    '{"type":"TaskScheduled","eventId":1,"timestamp":{"$date":"2026-01-01T12:00:00.000Z"},"input":{"b":1,"a":2},"name":"x"}',
  );
  t.is(serializeEvent(a), serializeEvent(deserializeEvent(serializeEvent(a))));
});

test('payload key order is kept, since a workflow may iterate its input', (t) => {
  const event = ev.executionStarted({ input: { zebra: 1, apple: 2, mango: { z: 1, a: 2 } } });
  const back = deserializeEvent(serializeEvent(event));
  if (back.type !== 'ExecutionStarted') return t.fail();
  t.deepEqual(Object.keys(back.input as object), ['zebra', 'apple', 'mango']);
});

test('payloads may contain Dates and keys that look like the date tag', (t) => {
  const tricky = { $date: 'not a date', $$x: 1, nested: [{ when: at(SECOND) }], plain: 'ok' };
  const event = ev.taskCompleted(1, tricky);
  const back = deserializeEvent(serializeEvent(event));
  t.deepEqual(back, event);
  if (back.type !== 'TaskCompleted') return t.fail();
  t.true(((back.result as typeof tricky).nested[0]?.when as unknown) instanceof Date);
});

test('undefined properties are dropped as JSON does', (t) => {
  const event = { type: 'EventRaised', timestamp: at(), name: 'x', data: undefined } as HistoryEvent;
  t.is(
    serializeEvent(event),
    '{"type":"EventRaised","timestamp":{"$date":"2026-01-01T12:00:00.000Z"},"name":"x"}',
  );
});

test('normalizePayload gives the value as it will read back from history', (t) => {
  class Money {
    constructor(readonly cents: number) {}
  }
  t.deepEqual(normalizePayload([1, undefined, 3]), [1, null, 3]);
  t.deepEqual(normalizePayload({ a: undefined, b: new Money(5), c: at() }), { b: { cents: 5 }, c: at() });
  t.is(normalizePayload(undefined), undefined);
  t.is(normalizePayload('s'), 's');
  const input = { list: [1] };
  const normalized = normalizePayload(input) as typeof input;
  input.list.push(2);
  t.deepEqual(normalized, { list: [1] }, 'a copy: later mutation does not leak in');
});

test('bad input fails with a typed error naming field, value and expectation', (t) => {
  const badJson = t.throws(() => deserializeEvent('{nope'), { instanceOf: HistorySerializationError });
  t.is(badJson?.field, 'json');
  const unknown = t.throws(
    () => deserializeEvent('{"type":"Bogus","timestamp":{"$date":"2026-01-01T00:00:00Z"}}'),
    {
      instanceOf: HistorySerializationError,
    },
  );
  t.is(unknown?.field, 'type');
  t.is(unknown?.value, 'Bogus');
  t.regex(unknown?.message ?? '', /expected one of ExecutionStarted, /);
  const missing = t.throws(
    () => deserializeEvent('{"type":"TaskScheduled","timestamp":{"$date":"2026-01-01T00:00:00Z"}}'),
    {
      instanceOf: HistorySerializationError,
    },
  );
  t.is(missing?.field, 'TaskScheduled.eventId');
  t.is(missing?.allowed, 'integer');
  const marker = t.throws(
    () =>
      deserializeEvent('{"type":"PatchRecorded","timestamp":{"$date":"2026-01-01T00:00:00Z"},"patchId":7}'),
    { instanceOf: HistorySerializationError },
  );
  t.is(marker?.field, 'PatchRecorded.patchId');
  t.is(marker?.value, 7);
  t.is(marker?.allowed, 'string');
  const badDate = t.throws(
    () => deserializeEvent('{"type":"OrchestratorStarted","timestamp":{"$date":"yesterday"}}'),
    {
      instanceOf: HistorySerializationError,
    },
  );
  t.is(badDate?.field, '$date');
  const line = t.throws(() => deserializeHistory(`${serializeEvent(ev.orchestratorStarted())}\n[]\n`), {
    instanceOf: HistorySerializationError,
  });
  t.is(line?.field, 'line 2: event');
  t.throws(() => serializeEvent(ev.orchestratorStarted(new Date(Number.NaN))), {
    instanceOf: HistorySerializationError,
  });
});

test('a payload key named __proto__ is kept as data and changes no prototype', (t) => {
  const payload = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
  const back = deserializeEvent(serializeEvent(ev.taskCompleted(1, payload)));
  if (back.type !== 'TaskCompleted') return t.fail();
  const result = back.result as Record<string, unknown>;
  t.true(Object.hasOwn(result, '__proto__'));
  t.deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__')?.value, { polluted: true });
  t.is(Object.getPrototypeOf(result), Object.prototype);
  t.is((normalizePayload(payload) as { polluted?: unknown }).polluted, undefined);
});
