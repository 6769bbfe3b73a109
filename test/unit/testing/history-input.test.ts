import test from 'ava';
import { serializeEvent, serializeHistory } from '../../../src/history/serialize.js';
import type { HistoryEvent } from '../../../src/index.js';
import { TestEnvironmentError } from '../../../src/testing/errors.js';
import { toHistory } from '../../../src/testing/history-input.js';
import { at, ev, HOUR, startEvents } from '../../helpers/history-builder.js';

const history: HistoryEvent[] = [
  ...startEvents({ name: 'wf', input: { when: new Date(at(5)), $weird: 1 } }),
  ev.timerCreated(1, at(HOUR)),
  ev.orchestratorStarted(at(HOUR)),
  ev.timerFired(1, at(HOUR)),
  ev.executionCompleted('COMPLETED', 'done', undefined, at(HOUR)),
];

test('the stored forms read back exactly: events, JSON Lines, tagged JSON, wrapped', (t) => {
  const tagged = `[${history.map((e) => serializeEvent(e)).join(',')}]`;
  t.deepEqual(toHistory(history), history);
  t.deepEqual(toHistory(serializeHistory(history)), history);
  t.deepEqual(toHistory(tagged), history);
  t.deepEqual(toHistory(`{"events":${tagged}}`), history);
  t.deepEqual(toHistory(serializeEvent(history[0]!)), [history[0]]);
});

test('plain JSON of getWorkflowHistory: event dates come back as Dates, payload dates stay strings', (t) => {
  const [, started, created] = toHistory(JSON.stringify({ history }));
  t.true(started?.timestamp instanceof Date);
  t.deepEqual(started?.type === 'ExecutionStarted' && started.input, {
    when: new Date(at(5)).toISOString(),
    $weird: 1,
  });
  t.deepEqual(created?.type === 'TimerCreated' && created.fireAt, at(HOUR));
});

test('bad input: typed errors naming where, what and the accepted forms', (t) => {
  const notText = t.throws(() => toHistory(42), { instanceOf: TestEnvironmentError });
  t.is(notText?.field, 'history');
  t.regex(notText?.allowed ?? '', /JSON Lines/);

  const garbage = t.throws(() => toHistory('not json at all', 'h.json'), {
    instanceOf: TestEnvironmentError,
  });
  t.is(garbage?.field, 'h.json: line 1: json');

  const badDate = t.throws(() => toHistory(JSON.stringify([{ ...history[0], timestamp: 'yesterday' }])), {
    instanceOf: TestEnvironmentError,
  });
  t.is(badDate?.field, 'history event 0: date');

  const missing = t.throws(() => toHistory([history[0], { type: 'TaskScheduled', timestamp: at() }]), {
    instanceOf: TestEnvironmentError,
  });
  t.is(missing?.field, 'history event 1: TaskScheduled.eventId');
  t.is(missing?.allowed, 'integer');

  t.throws(() => toHistory('[1]'), { instanceOf: TestEnvironmentError, message: /history event 0/ });
  t.throws(() => toHistory('{"instance":"x"}'), { instanceOf: TestEnvironmentError });
});
