import test from 'ava';
import {
  MS_PER_DAY,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  isLeapYear,
  weekdayOfDays,
} from '../../../src/timers/schedule/civil-time.js';

test('day counts agree with Date for every day from 1600 to 2400', (t) => {
  const first = Date.UTC(1600, 0, 1) / MS_PER_DAY;
  const last = Date.UTC(2400, 11, 31) / MS_PER_DAY;
  let mismatches = 0;
  for (let days = first; days <= last; days++) {
    const date = new Date(days * MS_PER_DAY);
    const civil = civilFromDays(days);
    const expected = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    if (
      civil.year !== expected.year ||
      civil.month !== expected.month ||
      civil.day !== expected.day ||
      daysFromCivil(expected.year, expected.month, expected.day) !== days ||
      weekdayOfDays(days) !== date.getUTCDay()
    ) {
      mismatches++;
    }
  }
  t.is(mismatches, 0);
});

test('years 0-99 and before 0 are themselves (Date.UTC would map 0-99 to 1900-1999)', (t) => {
  const year50 = new Date(0);
  year50.setUTCFullYear(50, 0, 1);
  t.is(daysFromCivil(50, 1, 1) * MS_PER_DAY, year50.getTime());
  t.deepEqual(civilFromDays(daysFromCivil(0, 2, 29)), { year: 0, month: 2, day: 29 });
  t.deepEqual(civilFromDays(daysFromCivil(-1, 12, 31) + 1), { year: 0, month: 1, day: 1 });
  t.is(weekdayOfDays(0), 4, '1970-01-01 was a Thursday');
  t.is(weekdayOfDays(-1), 3);
});

test('leap years and month lengths', (t) => {
  t.true(isLeapYear(2000));
  t.false(isLeapYear(1900));
  t.true(isLeapYear(2028));
  t.false(isLeapYear(2026));
  t.is(daysInMonth(2028, 2), 29);
  t.is(daysInMonth(2026, 2), 28);
  t.is(daysInMonth(2026, 4), 30);
  t.is(daysInMonth(2026, 12), 31);
});
