import test from 'ava';
import { EPOCH_MS_THRESHOLD, parseDuration, resolveFireAt } from '../../../src/engine/duration.js';
import { WorkflowArgumentError } from '../../../src/engine/errors.js';
import { at, HOUR, MINUTE, SECOND } from '../../helpers/history-builder.js';

const valid: Array<[string, number]> = [
  ['0', 0],
  ['300ms', 300],
  ['5s', 5 * SECOND],
  ['1.5h', 1.5 * HOUR],
  ['1h30m', 90 * MINUTE],
  ['2h45m10s', 2 * HOUR + 45 * MINUTE + 10 * SECOND],
  ['37m25s', 37 * MINUTE + 25 * SECOND],
  ['.5s', 500],
  ['1500us', 1.5],
  ['1µs', 0.001],
  ['2000000ns', 2],
];

for (const [text, ms] of valid) {
  test(`parseDuration(${JSON.stringify(text)}) is ${ms} ms`, (t) => {
    t.is(parseDuration(text), ms);
  });
}

for (const text of ['', '5', 's', '1d', '-5s', '5 s', '1h30', 'abc', '1.2.3s']) {
  test(`parseDuration(${JSON.stringify(text)}) is rejected with the field named`, (t) => {
    const error = t.throws(() => parseDuration(text, 'timeout'), { instanceOf: WorkflowArgumentError });
    t.is(error?.field, 'timeout');
    t.is(error?.value, text);
    t.regex(error?.allowed ?? '', /units ns, us, ms, s, m, h/);
  });
}

test('resolveFireAt: Dates as given, small numbers as seconds, large ones as epoch ms, strings as durations', (t) => {
  const now = at();
  t.deepEqual(resolveFireAt(at(HOUR), now), at(HOUR));
  t.deepEqual(resolveFireAt(90, now), at(90 * SECOND));
  t.deepEqual(resolveFireAt(0.25, now), at(250));
  t.deepEqual(resolveFireAt(now.getTime() + MINUTE, now), at(MINUTE));
  t.deepEqual(resolveFireAt(EPOCH_MS_THRESHOLD, now), new Date(EPOCH_MS_THRESHOLD));
  t.deepEqual(resolveFireAt('1h30m', now), at(90 * MINUTE));
  t.deepEqual(resolveFireAt(at(-HOUR), now), at(-HOUR), 'a past time is kept: the timer fires at once');
});

test('resolveFireAt never rounds a fire time earlier', (t) => {
  t.deepEqual(resolveFireAt('1500us', at()), at(2));
  t.deepEqual(resolveFireAt(0.0001, at()), at(1));
});

test('resolveFireAt rejects what is not a time', (t) => {
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN), 'soon', null, {}]) {
    const error = t.throws(() => resolveFireAt(bad as never, at(), 'fireAt'), {
      instanceOf: WorkflowArgumentError,
    });
    t.is(error?.field, 'fireAt');
  }
});
