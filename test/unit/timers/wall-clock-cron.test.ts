import test from 'ava';
import { CronExpressionParser } from 'cron-parser';
import { MS_PER_DAY, daysFromCivil } from '../../../src/timers/schedule/civil-time.js';
import { WallClockCron } from '../../../src/timers/schedule/wall-clock-cron.js';

const cron = (text: string): WallClockCron =>
  new WallClockCron(CronExpressionParser.parse(text, { tz: 'UTC', currentDate: 0 }).fields);

/** Wall-clock times are plain calendar numbers; ISO strings without a zone read them back. */
const wall = (iso: string): number => Date.parse(`${iso}Z`);
const show = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 19);

function walls(text: string, fromIso: string, n: number): (string | undefined)[] {
  const c = cron(text);
  const out: (string | undefined)[] = [];
  let cursor: number | undefined = wall(fromIso);
  for (let i = 0; i < n && cursor !== undefined; i++) {
    cursor = c.next(cursor);
    out.push(show(cursor));
  }
  return out;
}

test('strictly after, on whole seconds', (t) => {
  const c = cron('*/20 * * * * *');
  t.is(show(c.next(wall('2026-01-01T00:00:20'))), '2026-01-01T00:00:40');
  t.is(show(c.next(wall('2026-01-01T00:00:19.999'))), '2026-01-01T00:00:20');
  t.is(show(c.next(wall('2026-01-01T00:00:20.001'))), '2026-01-01T00:00:40');
  t.is(show(c.next(wall('2026-12-31T23:59:40'))), '2027-01-01T00:00:00');
});

test('L is the last day of the month, leap years included', (t) => {
  t.deepEqual(walls('0 0 12 L * *', '2028-01-31T12:00:00', 3), [
    '2028-02-29T12:00:00',
    '2028-03-31T12:00:00',
    '2028-04-30T12:00:00',
  ]);
});

test('5L is the last Friday, 1#2 the second Monday', (t) => {
  t.deepEqual(walls('0 0 0 * * 5L', '2026-01-01T00:00:00', 2), [
    '2026-01-30T00:00:00',
    '2026-02-27T00:00:00',
  ]);
  t.deepEqual(walls('0 0 0 * * 1#2', '2026-01-01T00:00:00', 2), [
    '2026-01-12T00:00:00',
    '2026-02-09T00:00:00',
  ]);
});

test('day of month and day of week both restricted: either one matches', (t) => {
  // Fridays and the 13th: 2026-01-02 and -09 are Fridays, the 13th a Tuesday.
  t.deepEqual(walls('0 0 0 13 * 5', '2026-01-01T00:00:00', 4), [
    '2026-01-02T00:00:00',
    '2026-01-09T00:00:00',
    '2026-01-13T00:00:00',
    '2026-01-16T00:00:00',
  ]);
});

test('every-hour flag: only when the hour field allows all 24 hours', (t) => {
  t.true(cron('0 0 * * * *').everyHour);
  t.true(cron('0 0 0-23 * * *').everyHour);
  t.true(cron('0 */30 * 1 * *').everyHour);
  t.false(cron('0 0 0-22 * * *').everyHour);
  t.false(cron('0 0 */2 * * *').everyHour);
});

test('sparse expressions search years ahead; years before 100 are not remapped', (t) => {
  t.deepEqual(walls('0 0 0 29 2 *', '2097-01-01T00:00:00', 1), ['2104-02-29T00:00:00']);
  const c = cron('0 0 0 1 1 *');
  t.is(c.next(daysFromCivil(49, 6, 1) * MS_PER_DAY), daysFromCivil(50, 1, 1) * MS_PER_DAY);
  t.is(c.next(daysFromCivil(-10, 6, 1) * MS_PER_DAY), daysFromCivil(-9, 1, 1) * MS_PER_DAY);
});

test('nothing after the last representable year', (t) => {
  t.is(cron('0 0 0 1 1 *').next(daysFromCivil(275_761, 6, 1) * MS_PER_DAY), undefined);
  t.is(cron('* * * * * *').next(daysFromCivil(275_761, 12, 31) * MS_PER_DAY + MS_PER_DAY - 1000), undefined);
});
