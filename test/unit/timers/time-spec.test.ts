import test from 'ava';
import { JobValidationError } from '../../../src/timers/errors.js';
import { parseRfc3339, resolveTimeSpec } from '../../../src/timers/schedule/time-spec.js';

const BASE = Date.UTC(2026, 0, 1, 12, 0, 0);

const instants: [string, number][] = [
  ['2026-01-01T09:00:00Z', Date.UTC(2026, 0, 1, 9, 0, 0)],
  ['2026-01-01t09:00:00z', Date.UTC(2026, 0, 1, 9, 0, 0)],
  ['2026-01-01T10:00:00+01:00', Date.UTC(2026, 0, 1, 9, 0, 0)],
  ['2026-01-01T04:30:00-04:30', Date.UTC(2026, 0, 1, 9, 0, 0)],
  ['2026-01-01T09:00:00-00:00', Date.UTC(2026, 0, 1, 9, 0, 0)],
  ['2026-01-01T00:30:00+05:45', Date.UTC(2025, 11, 31, 18, 45, 0)],
  ['2026-01-01T09:00:00.25Z', Date.UTC(2026, 0, 1, 9, 0, 0, 250)],
  ['2026-01-01T09:00:00.123Z', Date.UTC(2026, 0, 1, 9, 0, 0, 123)],
  ['2024-02-29T23:59:59.999+00:00', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
  ['0099-06-01T00:00:00Z', Date.parse('0099-06-01T00:00:00.000Z')], // not remapped to 1999
];

for (const [text, ms] of instants) {
  test(`RFC3339 ${text}`, (t) => {
    t.is(resolveTimeSpec(text, 'dueTime', BASE), ms);
  });
}

test('fractions finer than a millisecond round up, so an instant never moves earlier', (t) => {
  t.is(parseRfc3339('2026-01-01T09:00:00.123000Z', 'dueTime'), Date.UTC(2026, 0, 1, 9, 0, 0, 123));
  t.is(parseRfc3339('2026-01-01T09:00:00.123000001Z', 'dueTime'), Date.UTC(2026, 0, 1, 9, 0, 0, 124));
  t.is(parseRfc3339('2026-01-01T09:00:59.9999Z', 'dueTime'), Date.UTC(2026, 0, 1, 9, 1, 0, 0));
});

test('a valid Date is taken as is; the base time does not matter', (t) => {
  const date = new Date(Date.UTC(2030, 5, 1));
  t.is(resolveTimeSpec(date, 'ttl', BASE), date.getTime());
  t.is(resolveTimeSpec(date, 'ttl', 0), date.getTime());
});

test('an Invalid Date is rejected with the field named', (t) => {
  const error = t.throws(() => resolveTimeSpec(new Date('nope'), 'dueTime', BASE), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'dueTime');
  t.regex(error?.message ?? '', /Invalid Date/);
});

test('a duration counts from the base time', (t) => {
  t.is(resolveTimeSpec('30s', 'dueTime', BASE), BASE + 30_000);
  t.is(resolveTimeSpec('1h30m', 'ttl', BASE), BASE + 5_400_000);
  t.is(resolveTimeSpec('0s', 'dueTime', BASE), BASE);
  t.is(resolveTimeSpec('0', 'dueTime', BASE), BASE);
});

test('a non-repeating ISO 8601 duration counts from the base time, as in Dapr', (t) => {
  t.is(resolveTimeSpec('PT10S', 'dueTime', BASE), BASE + 10_000);
  t.is(resolveTimeSpec('PT1H30M', 'ttl', BASE), BASE + 5_400_000);
  t.is(resolveTimeSpec('P1DT2H', 'dueTime', BASE), BASE + 26 * 3_600_000);
  t.is(resolveTimeSpec('P2W', 'ttl', BASE), BASE + 14 * 86_400_000);
  // Calendar months in UTC: 31 January plus one month is 3 March (as Go's AddDate).
  t.is(resolveTimeSpec('P1M', 'ttl', Date.UTC(2026, 0, 31)), Date.UTC(2026, 2, 3));
  t.is(resolveTimeSpec('P1Y', 'ttl', BASE), Date.UTC(2027, 0, 1, 12, 0, 0));
});

const rejected: [unknown, RegExp][] = [
  ['R5/PT10S', /is a repetition; a job repeats by its schedule and repeats/],
  ['P', /is not an ISO 8601 duration/],
  ['PT', /is not an ISO 8601 duration/],
  ['P1.5D', /is not an ISO 8601 duration/],
  ['PT-5S', /is not an ISO 8601 duration/],
  ['tomorrow', /neither an RFC3339 timestamp nor a duration/],
  ['2026-01-01', /not an RFC3339 date-time/],
  ['2026-01-01T09:00:00', /not an RFC3339 date-time/],
  ['2026-01-01 09:00:00Z', /not an RFC3339 date-time/],
  ['2026-01-01T9:00:00Z', /not an RFC3339 date-time/],
  ['2026-01-01T09:00Z', /not an RFC3339 date-time/],
  ['2026-01-01T09:00:00+0100', /not an RFC3339 date-time/],
  ['2026-01-01T09:00:00.Z', /not an RFC3339 date-time/],
  ['2026-13-01T09:00:00Z', /month is out of range/],
  ['2026-00-01T09:00:00Z', /month is out of range/],
  ['2026-02-29T09:00:00Z', /day is out of range/],
  ['2100-02-29T09:00:00Z', /day is out of range/],
  ['2026-04-31T09:00:00Z', /day is out of range/],
  ['2026-01-00T09:00:00Z', /day is out of range/],
  ['2026-01-01T24:00:00Z', /hour is out of range/],
  ['2026-01-01T09:60:00Z', /minute is out of range/],
  ['2026-06-30T23:59:60Z', /second is out of range/],
  ['2026-01-01T09:00:00+24:00', /offset is out of range/],
  ['2026-01-01T09:00:00+01:60', /offset is out of range/],
  ['-5s', /negative/],
  ['5', /no unit/],
  ['', /neither/],
  ['Thu, 01 Jan 2026 09:00:00 GMT', /neither/],
  [1767258000000, /must be a string or a Date, got number/],
  [{}, /must be a string or a Date/],
  [undefined, /must be a string or a Date/],
];

for (const [value, message] of rejected) {
  test(`rejects ${JSON.stringify(value) ?? String(value)}`, (t) => {
    const error = t.throws(() => resolveTimeSpec(value, 'ttl', BASE), { instanceOf: JobValidationError });
    t.is(error?.field, 'ttl');
    t.is(error?.value, value);
    t.truthy(error?.allowed);
    t.regex(error?.message ?? '', message);
  });
}

test('a duration that lands beyond the Date range is rejected', (t) => {
  const error = t.throws(() => resolveTimeSpec('2562047h', 'ttl', 8.64e15 - 1000), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'ttl');
});
