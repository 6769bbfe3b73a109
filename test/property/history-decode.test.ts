/**
 * Stored history is input too: a corrupt or truncated etcd value must come back as a
 * HistorySerializationError (which the runtime turns into a FAILED instance), never as another
 * exception and never as a silently different history.
 */
import test from 'ava';
import fc from 'fast-check';
import type { HistoryEvent } from '../../src/history/events.js';
import {
  deserializeHistory,
  HistorySerializationError,
  serializeHistory,
} from '../../src/history/serialize.js';
import { at, ev, failure } from '../helpers/history-builder.js';

const RUNS = 150;

const payload = fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined });
const id = fc.nat(50);
const time = fc.integer({ min: 0, max: 10 ** 10 }).map((ms) => at(ms));

/** Events of every common kind with random ids, times and JSON payloads. */
const event: fc.Arbitrary<HistoryEvent> = fc.oneof(
  fc.tuple(payload, time).map(([input, t]) => ev.executionStarted({ input }, t)),
  time.map((t) => ev.orchestratorStarted(t)),
  fc.tuple(id, fc.string(), payload, time).map(([i, name, input, t]) => ev.taskScheduled(i, name, input, t)),
  fc.tuple(id, payload, time).map(([i, result, t]) => ev.taskCompleted(i, result, t)),
  fc.tuple(id, fc.string(), time).map(([i, message, t]) => ev.taskFailed(i, failure(message), t)),
  fc.tuple(id, time, time).map(([i, fireAt, t]) => ev.timerCreated(i, fireAt, { kind: 'user' }, t)),
  fc.tuple(id, time).map(([i, fireAt]) => ev.timerFired(i, fireAt)),
  fc.tuple(fc.string(), payload, time).map(([name, data, t]) => ev.eventRaised(name, data, t)),
  fc.tuple(payload, time).map(([status, t]) => ev.customStatusSet(status, t)),
  fc
    .tuple(fc.string(), time, fc.option(fc.boolean(), { nil: undefined }))
    .map(([patchId, t, deprecated]) => ev.patchRecorded(patchId, t, deprecated)),
);
const history = fc.array(event, { maxLength: 12 });

/** Decodes `text`; returns the events, or undefined for a HistorySerializationError. Rethrows anything else. */
function decode(text: string): HistoryEvent[] | undefined {
  try {
    return deserializeHistory(text);
  } catch (error) {
    if (error instanceof HistorySerializationError) return undefined;
    throw error;
  }
}

test('valid histories are a fixed point of serialize ∘ deserialize', (t) => {
  fc.assert(
    fc.property(history, (events) => {
      const text = serializeHistory(events);
      const back = deserializeHistory(text);
      return back.length === events.length && serializeHistory(back) === text;
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('random text and random JSON lines: events or HistorySerializationError, nothing else', (t) => {
  const line = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    // Objects that look like events: right type, wrong or missing fields.
    fc
      .record(
        {
          type: fc.constantFrom(
            'TaskCompleted',
            'TimerCreated',
            'ExecutionStarted',
            'PatchRecorded',
            'Nope',
            '__proto__',
            'toString',
          ),
          eventId: fc.oneof(fc.nat(), fc.string(), fc.double()),
          timestamp: fc.oneof(
            fc.record({ $date: fc.oneof(fc.string(), fc.nat()) }),
            fc.string(),
            fc.constant(null),
          ),
          fireAt: fc.record({ $date: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) }),
        },
        { requiredKeys: ['type'] },
      )
      .map((v) => JSON.stringify(v)),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 5 }), (lines) => {
      decode(lines.join('\n'));
    }),
    { numRuns: RUNS * 2 },
  );
  t.pass();
});

test('a truncated history is refused, or reads back as an exact prefix of the events', (t) => {
  fc.assert(
    fc.property(history, fc.double({ min: 0, max: 1, noNaN: true }), (events, cut) => {
      const text = serializeHistory(events);
      const back = decode(text.slice(0, Math.floor(text.length * cut)));
      if (back === undefined) return true;
      return serializeHistory(back) === serializeHistory(events.slice(0, back.length));
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('a history with a corrupted character is refused or decodes; it never throws anything else', (t) => {
  fc.assert(
    fc.property(
      history.filter((events) => events.length > 0),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
      (events, where, junk) => {
        const text = serializeHistory(events);
        const i = Math.floor(text.length * where);
        decode(text.slice(0, i) + junk + text.slice(i + 1));
      },
    ),
    { numRuns: RUNS },
  );
  t.pass();
});
