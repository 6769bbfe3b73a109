import test from 'ava';
import { JobValidationError } from '../../../src/timers/errors.js';
import { parseSchedule } from '../../../src/timers/schedule/schedule.js';

const at = (iso: string): number => Date.parse(iso);
const S = 1_000;
const M = 60 * S;
const H = 60 * M;
/** Cron ignores the anchor; pass a value that would visibly break an @every computation. */
const NO_ANCHOR = 123;

/** The first `n` ticks strictly after `fromIso`. */
function ticks(text: string, fromIso: string, n: number, anchorMs = NO_ANCHOR): string[] {
  const schedule = parseSchedule(text);
  const out: string[] = [];
  let cursor = at(fromIso);
  for (let i = 0; i < n; i++) {
    const next = schedule.next(cursor, anchorMs);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    cursor = next;
  }
  return out;
}

test('6-field cron, seconds first: "0 30 * * * *" is every hour on the half hour', (t) => {
  t.deepEqual(ticks('0 30 * * * *', '2026-01-01T00:00:00Z', 3), [
    '2026-01-01T00:30:00.000Z',
    '2026-01-01T01:30:00.000Z',
    '2026-01-01T02:30:00.000Z',
  ]);
});

test('next is strictly after: a tick exactly at afterMs is skipped, one a millisecond later is not', (t) => {
  const schedule = parseSchedule('0 30 * * * *');
  t.is(schedule.next(at('2026-01-01T00:30:00Z'), NO_ANCHOR), at('2026-01-01T01:30:00Z'));
  t.is(schedule.next(at('2026-01-01T00:29:59.999Z'), NO_ANCHOR), at('2026-01-01T00:30:00Z'));
  t.is(schedule.next(at('2026-01-01T00:30:00.001Z'), NO_ANCHOR), at('2026-01-01T01:30:00Z'));
});

test('one parsed cron can be asked about earlier instants after later ones', (t) => {
  const schedule = parseSchedule('0 0 12 * * *');
  t.is(schedule.next(at('2026-05-01T13:00:00Z'), NO_ANCHOR), at('2026-05-02T12:00:00Z'));
  t.is(schedule.next(at('2026-01-01T00:00:00Z'), NO_ANCHOR), at('2026-01-01T12:00:00Z'));
});

test('steps, ranges and lists', (t) => {
  t.deepEqual(ticks('*/15 * * * * *', '2026-01-01T00:00:07Z', 3), [
    '2026-01-01T00:00:15.000Z',
    '2026-01-01T00:00:30.000Z',
    '2026-01-01T00:00:45.000Z',
  ]);
  t.deepEqual(ticks('0 0-30/10 6 * * *', '2026-01-01T06:00:00Z', 4), [
    '2026-01-01T06:10:00.000Z',
    '2026-01-01T06:20:00.000Z',
    '2026-01-01T06:30:00.000Z',
    '2026-01-02T06:00:00.000Z',
  ]);
  t.deepEqual(ticks('0 0 8,20 * * *', '2026-01-01T09:00:00Z', 2), [
    '2026-01-01T20:00:00.000Z',
    '2026-01-02T08:00:00.000Z',
  ]);
});

test('month and weekday names (2026-01-01 is a Thursday)', (t) => {
  t.deepEqual(ticks('0 0 12 1 jan,jul *', '2026-02-01T00:00:00Z', 2), [
    '2026-07-01T12:00:00.000Z',
    '2027-01-01T12:00:00.000Z',
  ]);
  t.deepEqual(ticks('0 0 9 * * mon-fri', '2026-01-02T09:00:00Z', 2), [
    '2026-01-05T09:00:00.000Z',
    '2026-01-06T09:00:00.000Z',
  ]);
  t.deepEqual(ticks('0 0 9 * * SUN', '2026-01-01T00:00:00Z', 1), ['2026-01-04T09:00:00.000Z']);
  t.deepEqual(ticks('0 0 0 29 feb *', '2026-01-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
});

test('descriptors', (t) => {
  const from = '2026-01-15T10:20:30Z';
  t.deepEqual(ticks('@yearly', from, 1), ['2027-01-01T00:00:00.000Z']);
  t.deepEqual(ticks('@annually', from, 1), ['2027-01-01T00:00:00.000Z']);
  t.deepEqual(ticks('@monthly', from, 1), ['2026-02-01T00:00:00.000Z']);
  t.deepEqual(ticks('@weekly', from, 1), ['2026-01-18T00:00:00.000Z']); // the next Sunday
  t.deepEqual(ticks('@daily', from, 1), ['2026-01-16T00:00:00.000Z']);
  t.deepEqual(ticks('@midnight', from, 1), ['2026-01-16T00:00:00.000Z']);
  t.deepEqual(ticks('@hourly', from, 2), ['2026-01-15T11:00:00.000Z', '2026-01-15T12:00:00.000Z']);
});

test('@every ticks on anchor + k·period, independent of the instant asked about', (t) => {
  const anchor = at('2026-01-01T00:00:00Z');
  const schedule = parseSchedule('@every 1h30m');
  t.is(schedule.kind, 'every');
  t.is(schedule.next(anchor, anchor), anchor + 90 * M);
  t.is(schedule.next(anchor + 1, anchor), anchor + 90 * M);
  t.is(schedule.next(anchor + 90 * M - 1, anchor), anchor + 90 * M);
  t.is(schedule.next(anchor + 90 * M, anchor), anchor + 180 * M);
  t.is(schedule.next(anchor + 100 * M, anchor), anchor + 180 * M);
  t.is(schedule.next(anchor - 5 * H, anchor), anchor, 'before the anchor, the anchor is the next tick');
  const other = anchor + 7 * S;
  t.is(schedule.next(anchor + 100 * M, other), other + 180 * M, 'a different anchor shifts the lattice');
});

test('bare durations mean every that long', (t) => {
  const anchor = at('2026-03-01T00:00:00Z');
  t.is(parseSchedule('2h45m').next(anchor, anchor), anchor + 2 * H + 45 * M);
  t.is(parseSchedule('37m25s').next(anchor, anchor), anchor + 37 * M + 25 * S);
  t.is(parseSchedule('1.5h').next(anchor, anchor), anchor + 90 * M);
  t.is(parseSchedule('300ms').next(anchor + 1000, anchor), anchor + 1200);
  t.is(parseSchedule('1h0m0s').next(anchor, anchor), anchor + H);
  t.is(parseSchedule('@every 300ms').next(anchor + 299, anchor), anchor + 300);
});

test('without CRON_TZ cron is UTC', (t) => {
  t.deepEqual(ticks('0 0 9 * * *', '2026-07-01T00:00:00Z', 1), ['2026-07-01T09:00:00.000Z']);
});

test('CRON_TZ=Europe/Berlin: 09:00 local is 08:00Z in winter and 07:00Z in summer', (t) => {
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 0 9 * * *', '2026-01-10T00:00:00Z', 1), [
    '2026-01-10T08:00:00.000Z',
  ]);
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 0 9 * * *', '2026-07-10T00:00:00Z', 1), [
    '2026-07-10T07:00:00.000Z',
  ]);
  t.deepEqual(ticks('TZ=America/New_York 0 0 9 * * *', '2026-01-10T00:00:00Z', 1), [
    '2026-01-10T14:00:00.000Z',
  ]);
  t.deepEqual(ticks('CRON_TZ=Asia/Tokyo @daily', '2026-01-01T00:00:00Z', 1), ['2026-01-01T15:00:00.000Z']);
});

test('CRON_TZ across spring-forward: a daily time swallowed by the gap still fires once that day', (t) => {
  // Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z), so 02:30 local never happens.
  // The day's tick moves one wall-clock hour later (03:30 CEST = 01:30Z) instead of vanishing.
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 30 2 * * *', '2026-03-27T12:00:00Z', 3), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:30:00.000Z', // 03:30 CEST, the gap day
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
  ]);
  // An hourly job keeps one-hour spacing in real time across the gap.
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 0 * * * *', '2026-03-28T23:30:00Z', 3), [
    '2026-03-29T00:00:00.000Z', // 01:00 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST
    '2026-03-29T02:00:00.000Z',
  ]);
});

test('CRON_TZ daily job over a year: one tick per local day, strictly increasing, at 09:00 local', (t) => {
  const berlinHour = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    hour12: false,
  });
  const berlinDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' });
  const all = ticks('CRON_TZ=Europe/Berlin 0 0 9 * * *', '2025-12-31T12:00:00Z', 365).map(
    (iso) => new Date(iso),
  );
  t.is(all.length, 365);
  t.is(new Set(all.map((d) => berlinDay.format(d))).size, 365);
  t.true(all.every((d) => berlinHour.format(d) === '09'));
  t.true(all.every((d, i) => i === 0 || d.getTime() > (all[i - 1]?.getTime() ?? Infinity)));
});

test('CRON_TZ across fall-back: a repeated local time fires once; elapsed-time steps keep their spacing', (t) => {
  // Berlin 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00Z), so 02:30 local happens twice.
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 30 2 * * *', '2026-10-24T12:00:00Z', 3), [
    '2026-10-25T00:30:00.000Z', // first 02:30 (CEST)
    '2026-10-26T01:30:00.000Z', // 02:30 CET the next day
    '2026-10-27T01:30:00.000Z',
  ]);
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 */30 * * * *', '2026-10-24T23:45:00Z', 5), [
    '2026-10-25T00:00:00.000Z',
    '2026-10-25T00:30:00.000Z',
    '2026-10-25T01:00:00.000Z',
    '2026-10-25T01:30:00.000Z',
    '2026-10-25T02:00:00.000Z',
  ]);
});

test('CRON_TZ with a 30-minute shift (Lord_Howe), fall-back: a repeated local time fires once; steps fire in both passes', (t) => {
  // Lord Howe 2026-04-05: 02:00 (+11:00) falls back to 01:30 (+10:30) at 15:00Z, so 01:30-02:00 happens twice.
  t.deepEqual(ticks('CRON_TZ=Australia/Lord_Howe 0 45 1 * * *', '2026-04-03T12:00:00Z', 3), [
    '2026-04-03T14:45:00.000Z', // 01:45 +11:00
    '2026-04-04T14:45:00.000Z', // the first 01:45 of the fall-back day
    '2026-04-05T15:15:00.000Z', // 01:45 +10:30
  ]);
  t.deepEqual(ticks('CRON_TZ=Australia/Lord_Howe 0 */15 * * * *', '2026-04-04T14:20:00Z', 6), [
    '2026-04-04T14:30:00.000Z', // 01:30 +11:00
    '2026-04-04T14:45:00.000Z', // 01:45 +11:00
    '2026-04-04T15:00:00.000Z', // 01:30 +10:30, again
    '2026-04-04T15:15:00.000Z', // 01:45 +10:30, again
    '2026-04-04T15:30:00.000Z', // 02:00 +10:30
    '2026-04-04T15:45:00.000Z',
  ]);
});

test('CRON_TZ with a 30-minute shift (Lord_Howe), spring-forward: a skipped local time fires once, 30 minutes later', (t) => {
  // Lord Howe 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11:00) at 2026-10-03T15:30Z.
  t.deepEqual(ticks('CRON_TZ=Australia/Lord_Howe 0 15 2 * * *', '2026-10-02T12:00:00Z', 3), [
    '2026-10-02T15:45:00.000Z', // 02:15 +10:30
    '2026-10-03T15:45:00.000Z', // 02:15 never happens: 02:45 +11:00
    '2026-10-04T15:15:00.000Z', // 02:15 +11:00
  ]);
  // A skipped 02:00 and 02:15 land on 02:30 and 02:45, which the step also names: 15-minute spacing holds.
  t.deepEqual(ticks('CRON_TZ=Australia/Lord_Howe 0 */15 * * * *', '2026-10-03T15:00:00Z', 4), [
    '2026-10-03T15:15:00.000Z',
    '2026-10-03T15:30:00.000Z',
    '2026-10-03T15:45:00.000Z',
    '2026-10-03T16:00:00.000Z',
  ]);
});

test('CRON_TZ: a skipped time shifted past a real one fires after it, and neither is lost', (t) => {
  // Lord Howe 2026-10-04, gap 02:00-02:30: 02:15 shifts to 02:45 (+11:00), after the real 02:40.
  t.deepEqual(ticks('CRON_TZ=Australia/Lord_Howe 0 15,40 2 * * *', '2026-10-03T15:00:00Z', 3), [
    '2026-10-03T15:40:00.000Z', // 02:40 +11:00
    '2026-10-03T15:45:00.000Z', // 02:15, shifted by the gap
    '2026-10-04T15:15:00.000Z', // 02:15 +11:00 the next day
  ]);
});

test('CRON_TZ with a +12:45/+13:45 zone (Chatham) across both transitions', (t) => {
  // 2026-04-05: 03:45 (+13:45) falls back to 02:45 (+12:45) at 2026-04-04T14:00Z.
  t.deepEqual(ticks('CRON_TZ=Pacific/Chatham 0 0 3 * * *', '2026-04-03T00:00:00Z', 3), [
    '2026-04-03T13:15:00.000Z',
    '2026-04-04T13:15:00.000Z', // the first 03:00
    '2026-04-05T14:15:00.000Z',
  ]);
  // 2026-09-27: 02:45 (+12:45) jumps to 03:45 (+13:45) at 2026-09-26T14:00Z.
  t.deepEqual(ticks('CRON_TZ=Pacific/Chatham 0 0 3 * * *', '2026-09-25T00:00:00Z', 3), [
    '2026-09-25T14:15:00.000Z',
    '2026-09-26T14:15:00.000Z', // 03:00 never happens: 04:00 +13:45
    '2026-09-27T13:15:00.000Z',
  ]);
  t.deepEqual(ticks('CRON_TZ=Pacific/Chatham 0 0 * * * *', '2026-09-26T13:00:00Z', 3), [
    '2026-09-26T13:15:00.000Z', // 02:00 +12:45
    '2026-09-26T14:15:00.000Z', // 03:00 shifted = 04:00 +13:45, once
    '2026-09-26T15:15:00.000Z', // 05:00 +13:45
  ]);
});

test('CRON_TZ=Asia/Kathmandu: +05:45, and its 15-minute jump from +05:30 on 1986-01-01', (t) => {
  t.deepEqual(ticks('CRON_TZ=Asia/Kathmandu 0 0 9 * * *', '2026-01-10T00:00:00Z', 1), [
    '2026-01-10T03:15:00.000Z',
  ]);
  // 1986-01-01 00:00 (+05:30) became 00:15 (+05:45): 00:05 that day fires at 00:20 +05:45.
  t.deepEqual(ticks('CRON_TZ=Asia/Kathmandu 0 5 0 * * *', '1985-12-30T12:00:00Z', 3), [
    '1985-12-30T18:35:00.000Z',
    '1985-12-31T18:35:00.000Z',
    '1986-01-01T18:20:00.000Z',
  ]);
});

test('CRON_TZ=Pacific/Apia skipped 2011-12-30: a daily job keeps one tick per real day, a Dec 30 job still fires', (t) => {
  // 2011-12-29 24:00 (-10:00) became 2011-12-31 00:00 (+14:00) at 2011-12-30T10:00Z.
  t.deepEqual(ticks('CRON_TZ=Pacific/Apia 0 0 9 * * *', '2011-12-28T12:00:00Z', 4), [
    '2011-12-28T19:00:00.000Z',
    '2011-12-29T19:00:00.000Z',
    '2011-12-30T19:00:00.000Z', // Dec 30 09:00 shifted by the 24 h gap = Dec 31 09:00 +14:00, once
    '2011-12-31T19:00:00.000Z', // Jan 1 09:00 +14:00
  ]);
  t.deepEqual(ticks('CRON_TZ=Pacific/Apia 0 0 12 30 12 *', '2011-12-01T00:00:00Z', 2), [
    '2011-12-30T22:00:00.000Z', // Dec 31 12:00 +14:00
    '2012-12-29T22:00:00.000Z',
  ]);
});

test('CRON_TZ: a sparse schedule far ahead is found without stepping through every day', (t) => {
  t.deepEqual(ticks('CRON_TZ=Australia/Lord_Howe 0 0 0 29 feb *', '2026-01-01T00:00:00Z', 2), [
    '2028-02-28T13:00:00.000Z', // 00:00 +11:00
    '2032-02-28T13:00:00.000Z',
  ]);
  t.deepEqual(ticks('CRON_TZ=Europe/Berlin 0 0 0 * feb 1#5', '2026-01-01T00:00:00Z', 1), [
    '2044-02-28T23:00:00.000Z', // Monday 2044-02-29, the fifth Monday of a February
  ]);
});

test('CRON_TZ: no tick after the end of representable time; before it the last one is found', (t) => {
  const end = 8.64e15; // 275760-09-13T00:00:00Z
  t.is(parseSchedule('CRON_TZ=Asia/Tokyo 0 0 0 1 1 *').next(end - 10 * 24 * H, NO_ANCHOR), undefined);
  t.is(parseSchedule('CRON_TZ=Asia/Tokyo 0 0 9 * * *').next(end - 2 * 24 * H, NO_ANCHOR), end - 24 * H);
});

test('no tick left in representable time, or a non-finite instant, gives undefined', (t) => {
  t.is(parseSchedule('0 0 0 1 1 *').next(8.64e15 - 10 * 24 * H, NO_ANCHOR), undefined);
  t.is(parseSchedule('0 0 0 1 1 *').next(Number.NaN, NO_ANCHOR), undefined);
});

const bad: [string, RegExp][] = [
  ['', /empty/],
  ['   ', /empty/],
  ['* * * * *', /5-field cron is not accepted/],
  ['0 */5 * * *', /5-field/],
  ['0 0 0 1 1 * 2027', /exactly 6 fields.*got 7/],
  ['0 0 0 1', /exactly 6 fields.*got 4/],
  ['60 * * * * *', /60/],
  ['0 60 * * * *', /60/],
  ['0 0 24 * * *', /24/],
  ['0 0 0 32 * *', /32/],
  ['0 0 0 0 * *', /schedule/],
  ['0 0 0 1 13 *', /13/],
  ['0 0 0 * * 8', /8/],
  ['0 0 0 30 2 *', /day of month/],
  ['0 0 0 31 4,6,9,11 *', /day of month/],
  ['CRON_TZ=Europe/Berlin 0 0 0 30,31 feb *', /day of month/],
  ['0 0 0 * foo *', /schedule/],
  ['*/0 * * * * *', /0/],
  ['0 0 0 * * mon-sun', /range/i],
  ['H * * * * *', /hashed/],
  ['a b c d e f', /schedule/],
  ['@every', /@every needs a duration/],
  ['@every ', /@every needs a duration/],
  ['@every1s', /@every needs a duration/],
  ['@every 0s', /longer than zero/],
  ['@every -1s', /negative/],
  ['@every 1d', /days/],
  ['@every soon', /not a duration/],
  ['@fortnightly', /unknown descriptor/],
  ['@minutely', /unknown descriptor/],
  ['@secondly', /unknown descriptor/],
  ['@Daily', /unknown descriptor/],
  ['CRON_TZ=Mars/Olympus 0 0 * * * *', /unknown time zone/],
  ['CRON_TZ= 0 0 * * * *', /needs a time zone/],
  ['CRON_TZ=UTC', /must be followed/],
  ['CRON_TZ=Europe/Berlin * * * * *', /5-field/],
  ['5', /neither a cron expression nor a duration/],
  ['every 5m', /exactly 6 fields/],
  ['tomorrow', /neither/],
  ['0', /longer than zero/],
  ['-5s', /negative/],
];

for (const [text, message] of bad) {
  test(`rejects schedule ${JSON.stringify(text)}`, (t) => {
    const error = t.throws(() => parseSchedule(text), { instanceOf: JobValidationError });
    t.is(error?.field, 'schedule');
    t.is(error?.value, text);
    t.regex(error?.allowed ?? '', /6-field cron.*@every.*@hourly.*bare duration/);
    t.regex(error?.message ?? '', message);
  });
}

test('rejects a schedule that is not a string', (t) => {
  const error = t.throws(() => parseSchedule(42 as unknown as string), { instanceOf: JobValidationError });
  t.is(error?.field, 'schedule');
  t.is(error?.value, 42);
});
