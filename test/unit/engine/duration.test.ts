import test from 'ava';
import { durationToMs, EPOCH_MS_THRESHOLD, resolveFireAt } from '../../../src/engine/duration.js';
import { WorkflowArgumentError } from '../../../src/engine/errors.js';
import { at, HOUR, MINUTE, SECOND } from '../../helpers/history-builder.js';

const DAY = 24 * HOUR;

const spans: Array<[number | string, number]> = [
  [0, 0],
  [250, 250],
  [1.5, 1.5],
  ['0', 0],
  ['300ms', 300],
  ['5s', 5 * SECOND],
  ['1.5h', 1.5 * HOUR],
  ['1h30m', 90 * MINUTE],
  ['2h45m10s', 2 * HOUR + 45 * MINUTE + 10 * SECOND],
  ['.5s', 500],
  ['1500us', 2],
  ['1µs', 1],
  ['2000000ns', 2],
  ['PT10S', 10 * SECOND],
  ['PT1H30M', 90 * MINUTE],
  ['P1DT2H', DAY + 2 * HOUR],
  ['P2W', 14 * DAY],
];

for (const [value, ms] of spans) {
  test(`durationToMs(${JSON.stringify(value)}) is ${ms} ms: numbers are milliseconds`, (t) => {
    t.is(durationToMs(value, 'retry.firstRetryInterval'), ms);
  });
}

const badSpans: Array<[unknown, RegExp]> = [
  ['', /is empty/],
  ['5', /has no unit/],
  ['1d', /use '24h' or the ISO 8601 'P1D'/],
  ['P1M', /no fixed length/],
  ['P1Y', /no fixed length/],
  ['R5/PT1M', /repetition/],
  ['-5s', /non-negative/],
  ['5 s', /is not a duration/],
  [' 1s', /is not a duration/],
  ['1h30', /is not a duration/],
  ['abc', /is not a duration/],
  ['2562048h', /too long/],
  [-1, /non-negative number of milliseconds/],
  [Number.NaN, /non-negative number of milliseconds/],
  [new Date(0), /non-negative number of milliseconds/],
];

for (const [value, message] of badSpans) {
  test(`durationToMs(${String(value)}) is refused naming the field, the value and the units`, (t) => {
    const error = t.throws(() => durationToMs(value as never, 'retry.maxRetryInterval'), {
      instanceOf: WorkflowArgumentError,
    });
    t.is(error?.field, 'retry.maxRetryInterval');
    t.is(error?.value, value);
    t.regex(error?.allowed ?? '', /milliseconds/);
    t.regex(error?.allowed ?? '', /Go duration .* or an ISO 8601 duration/);
    t.regex(error?.message ?? '', message);
  });
}

test('resolveFireAt: Dates as given, small numbers as seconds, large ones as epoch ms, strings as durations', (t) => {
  const now = at();
  t.deepEqual(resolveFireAt(at(HOUR), now), at(HOUR));
  t.deepEqual(resolveFireAt(90, now), at(90 * SECOND));
  t.deepEqual(resolveFireAt(0.25, now), at(250));
  t.deepEqual(resolveFireAt(now.getTime() + MINUTE, now), at(MINUTE));
  t.deepEqual(
    resolveFireAt(EPOCH_MS_THRESHOLD - 1, now),
    new Date(now.getTime() + (EPOCH_MS_THRESHOLD - 1) * 1000),
  );
  t.deepEqual(resolveFireAt(EPOCH_MS_THRESHOLD, now), new Date(EPOCH_MS_THRESHOLD));
  t.deepEqual(resolveFireAt('1h30m', now), at(90 * MINUTE));
  t.deepEqual(resolveFireAt('PT1H30M', now), at(90 * MINUTE));
  t.deepEqual(resolveFireAt('P1D', now), at(DAY));
  t.deepEqual(resolveFireAt(at(-HOUR), now), at(-HOUR), 'a past time is kept: the timer fires at once');
});

test('resolveFireAt: ISO years and months are calendar units from now, in UTC', (t) => {
  const now = new Date('2026-01-31T10:00:00Z');
  t.deepEqual(resolveFireAt('P1M', now), new Date('2026-03-03T10:00:00Z'));
  t.deepEqual(resolveFireAt('P1YT1H', now), new Date('2027-01-31T11:00:00Z'));
});

test('resolveFireAt never rounds a fire time earlier', (t) => {
  t.deepEqual(resolveFireAt('1500us', at()), at(2));
  t.deepEqual(resolveFireAt(0.0001, at()), at(1));
});

test('resolveFireAt rejects what is not a time', (t) => {
  for (const bad of [
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    new Date(Number.NaN),
    'soon',
    '-5s',
    'R2/PT1S',
    'P300000Y',
    null,
    {},
  ]) {
    const error = t.throws(() => resolveFireAt(bad as never, at(), 'fireAt'), {
      instanceOf: WorkflowArgumentError,
    });
    t.is(error?.field, 'fireAt');
    t.is(error?.value, bad);
    t.regex(error?.allowed ?? '', /seconds from now/);
  }
});
