import test from 'ava';
import {
  addDuration,
  DurationSyntaxError,
  looksLikeGoDuration,
  looksLikeIsoDuration,
  nanosToMs,
  parseDuration,
  parseGoDuration,
  parseIsoDuration,
  spanNanos,
} from '../../../src/common/duration.js';

const MS = 1_000_000n;
const S = 1_000n * MS;
const M = 60n * S;
const H = 60n * M;
const D = 24n * H;

const go: Array<[string, bigint]> = [
  ['0', 0n],
  ['-0', 0n],
  ['300ms', 300n * MS],
  ['1h30m', H + 30n * M],
  ['1.5h', 90n * M],
  ['.5s', 500n * MS],
  ['1.s', S],
  ['1500us', 1_500_000n],
  ['1µs', 1_000n],
  ['1μs', 1_000n],
  ['7ns', 7n],
  ['0.1s', 100n * MS],
  ['1.0000000009s', S],
  ['+5s', 5n * S],
  ['-5s', -5n * S],
  ['9223372036854775807ns', 2n ** 63n - 1n],
];

for (const [text, nanos] of go) {
  test(`Go duration ${JSON.stringify(text)}`, (t) => {
    t.is(parseGoDuration(text), nanos);
    // A signed zero parses but does not look like a duration (a quirk the schedule grammar relies on).
    t.is(looksLikeGoDuration(text), text !== '-0');
    t.deepEqual(parseDuration(text), { nanos, years: 0, months: 0 });
  });
}

const goRefused: Array<[string, DurationSyntaxError['problem']]> = [
  ['', 'empty'],
  [' ', 'empty'],
  ['5', 'no-unit'],
  ['-1.5', 'no-unit'],
  ['1d', 'days'],
  ['2562048h', 'too-long'],
  ['9223372036854775808ns', 'too-long'],
  ['1 s', 'syntax'],
  [' 1s', 'syntax'],
  ['1S', 'syntax'],
  ['s', 'syntax'],
  ['.s', 'syntax'],
  ['1h30', 'syntax'],
  ['1.2.3s', 'syntax'],
  ['--1s', 'syntax'],
];

for (const [text, problem] of goRefused) {
  test(`Go duration ${JSON.stringify(text)} is refused: ${problem}`, (t) => {
    const error = t.throws(() => parseGoDuration(text), { instanceOf: DurationSyntaxError });
    t.is(error?.problem, problem);
    t.is(error?.text, text);
  });
}

const iso: Array<[string, bigint, number, number]> = [
  ['PT10S', 10n * S, 0, 0],
  ['PT1H30M', H + 30n * M, 0, 0],
  ['P1DT2H', D + 2n * H, 0, 0],
  ['P2W', 14n * D, 0, 0],
  ['P1W2D', 9n * D, 0, 0],
  ['PT0S', 0n, 0, 0],
  ['P1Y', 0n, 1, 0],
  ['P1Y2M3DT4H5M6S', 3n * D + 4n * H + 5n * M + 6n * S, 1, 2],
  ['P1M', 0n, 0, 1],
  ['PT1M', M, 0, 0],
];

for (const [text, nanos, years, months] of iso) {
  test(`ISO 8601 duration ${JSON.stringify(text)}`, (t) => {
    t.true(looksLikeIsoDuration(text));
    t.deepEqual(parseIsoDuration(text), { nanos, years, months });
    t.deepEqual(parseDuration(text), { nanos, years, months });
  });
}

const isoRefused: Array<[string, DurationSyntaxError['problem']]> = [
  ['P', 'syntax'],
  ['PT', 'syntax'],
  ['P1DT', 'syntax'],
  ['P5', 'syntax'],
  ['PT1.5S', 'syntax'],
  ['P1D1Y', 'syntax'],
  ['PT1D', 'syntax'],
  ['P-1D', 'syntax'],
  ['pt1s', 'syntax'],
  ['P1d', 'syntax'],
  ['R5/PT1M', 'repetition'],
  ['R/P1D', 'repetition'],
  ['PT2562048H', 'too-long'],
  ['P999999999Y', 'too-long'],
];

for (const [text, problem] of isoRefused) {
  test(`ISO 8601 duration ${JSON.stringify(text)} is refused: ${problem}`, (t) => {
    const error = t.throws(() => parseDuration(text), { instanceOf: DurationSyntaxError });
    t.is(error?.problem, problem);
  });
}

test('an ISO duration is not a Go duration: each grammar refuses the other', (t) => {
  t.false(looksLikeGoDuration('PT10S'));
  t.false(looksLikeIsoDuration('10s'));
  t.throws(() => parseGoDuration('P1D'), { instanceOf: DurationSyntaxError });
  t.throws(() => parseIsoDuration('10s'), { instanceOf: DurationSyntaxError });
});

test('nanosToMs rounds the magnitude up, so nothing fires early', (t) => {
  t.is(nanosToMs(0n), 0);
  t.is(nanosToMs(1n), 1);
  t.is(nanosToMs(MS), 1);
  t.is(nanosToMs(MS + 1n), 2);
  t.is(nanosToMs(-1n), -1);
  t.is(nanosToMs(2n ** 63n - 1n), 9_223_372_036_855);
});

test('spanNanos refuses years and months, which have no fixed length', (t) => {
  t.is(spanNanos(parseDuration('P1DT1S'), 'P1DT1S'), D + S);
  for (const text of ['P1Y', 'P1M', 'P1MT1S']) {
    const error = t.throws(() => spanNanos(parseDuration(text), text), { instanceOf: DurationSyntaxError });
    t.is(error?.problem, 'calendar');
  }
});

test('addDuration: calendar parts in UTC as Go AddDate, then the fixed part rounded up', (t) => {
  const at = (iso: string): number => Date.parse(iso);
  t.is(addDuration(at('2026-01-31T10:00:00Z'), parseDuration('P1M'), 'P1M'), at('2026-03-03T10:00:00Z'));
  t.is(addDuration(at('2024-02-29T00:00:00Z'), parseDuration('P1Y'), 'P1Y'), at('2025-03-01T00:00:00Z'));
  t.is(addDuration(at('2026-01-31T10:00:00Z'), parseDuration('P1MT1H'), 'x'), at('2026-03-03T11:00:00Z'));
  t.is(addDuration(at('2026-03-28T12:00:00Z'), parseDuration('P1D'), 'P1D'), at('2026-03-29T12:00:00Z'));
  t.is(addDuration(1000, parseDuration('1ns'), '1ns'), 1001);
  const error = t.throws(() => addDuration(0, parseDuration('P290000Y'), 'P290000Y'), {
    instanceOf: DurationSyntaxError,
  });
  t.is(error?.problem, 'too-long');
});
