import test from 'ava';
import { parseDuration } from '../../../src/timers/schedule/duration.js';
import { JobValidationError } from '../../../src/timers/errors.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

const valid: [string, number][] = [
  ['2h45m', 2 * H + 45 * M],
  ['37m25s', 37 * M + 25 * S],
  ['1.5h', 90 * M],
  ['300ms', 300],
  ['1h0m0s', H],
  ['0', 0],
  ['+0', 0],
  ['0s', 0],
  ['1s', S],
  ['.5s', 500],
  ['1.s', S],
  ['1h1m1s1ms', H + M + S + 1],
  ['2000us', 2],
  ['2000µs', 2], // micro sign
  ['2000μs', 2], // Greek mu
  ['3000000ns', 3],
  ['+5s', 5 * S],
  ['1m30s500ms', 90_500],
  ['0.001s', 1],
];

for (const [text, ms] of valid) {
  test(`parses ${JSON.stringify(text)}`, (t) => {
    t.is(parseDuration(text, 'f'), ms);
  });
}

test('sub-millisecond remainders round up, never down', (t) => {
  t.is(parseDuration('1ns', 'f'), 1);
  t.is(parseDuration('1500us', 'f'), 2);
  t.is(parseDuration('1000001ns', 'f'), 2);
  t.is(parseDuration('1000000ns', 'f'), 1);
});

test('fractions are exact, not floating-point approximations', (t) => {
  t.is(parseDuration('0.1s', 'f'), 100);
  t.is(parseDuration('0.3h', 'f'), 18 * M);
  t.is(parseDuration('2562047h', 'f'), 2562047 * H);
});

test('negative durations are rejected unless allowed', (t) => {
  const error = t.throws(() => parseDuration('-5s', 'dueTime'), { instanceOf: JobValidationError });
  t.is(error?.field, 'dueTime');
  t.is(error?.value, '-5s');
  t.regex(error?.message ?? '', /negative/);
  t.is(parseDuration('-5s', 'f', { allowNegative: true }), -5 * S);
  t.is(parseDuration('-1ns', 'f', { allowNegative: true }), -1);
  t.is(parseDuration('-0', 'f'), 0);
});

test('zero is rejected when a positive duration is required', (t) => {
  for (const text of ['0', '0s', '0h0m']) {
    const error = t.throws(() => parseDuration(text, 'schedule', { allowZero: false }), {
      instanceOf: JobValidationError,
    });
    t.is(error?.field, 'schedule');
  }
});

const invalid: [string, RegExp][] = [
  ['', /empty/],
  [' ', /empty/],
  ['5', /no unit/],
  ['1.5', /no unit/],
  ['1d', /days/],
  ['1w', /not a duration/],
  ['s', /not a duration/],
  ['.s', /not a duration/],
  ['1 s', /not a duration/],
  [' 1s', /not a duration/],
  ['1s ', /not a duration/],
  ['1S', /not a duration/],
  ['1sec', /not a duration/],
  ['--1s', /not a duration/],
  ['1s-2s', /not a duration/],
  ['abc', /not a duration/],
  ['P1D', /not a duration/],
  ['2562048h', /too long/],
  ['9223372036854775808ns', /too long/],
];

for (const [text, message] of invalid) {
  test(`rejects ${JSON.stringify(text)} naming the field, the value and what is allowed`, (t) => {
    const error = t.throws(() => parseDuration(text, 'ttl'), { instanceOf: JobValidationError });
    t.is(error?.field, 'ttl');
    t.is(error?.value, text);
    t.regex(error?.allowed ?? '', /Go duration/);
    t.regex(error?.message ?? '', message);
  });
}

test('the largest Go duration is accepted and one nanosecond more is not', (t) => {
  t.is(parseDuration('9223372036854775807ns', 'f'), 9_223_372_036_855);
  t.throws(() => parseDuration('9223372036854775808ns', 'f'), { instanceOf: JobValidationError });
});
