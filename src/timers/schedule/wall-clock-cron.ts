import { MS_PER_DAY, civilFromDays, daysFromCivil, daysInMonth, weekdayOfDays } from './civil-time.js';

/** The parts of a parsed cron field this module reads (cron-parser's field classes have them). */
export interface CronFieldValues {
  readonly values: readonly (number | string)[];
  readonly isWildcard: boolean;
  readonly hasLastChar: boolean;
}

/** cron-parser's CronFieldCollection, as far as the matcher needs it. */
export interface CronFields {
  readonly second: CronFieldValues;
  readonly minute: CronFieldValues;
  readonly hour: CronFieldValues;
  readonly dayOfMonth: CronFieldValues;
  readonly month: CronFieldValues;
  readonly dayOfWeek: CronFieldValues & { readonly nthDay: number };
}

/** The last wall-clock year searched: past it no instant is representable (Date ends in 275760). */
const LAST_YEAR = 275_761;

/**
 * A 6-field cron expression stepped over wall-clock time: times of a calendar with no zone and no
 * DST, written as milliseconds since 1970-01-01T00:00 of that calendar. cron-parser parses and
 * validates the text; this does the matching, because cron-parser's own stepping goes through
 * luxon date objects and costs tens of microseconds per tick.
 *
 * Day matching follows cron-parser exactly (pinned by a property test against it in UTC): with
 * both day-of-month and day-of-week restricted either may match; `L` in day-of-month is the
 * month's last day; `5L` is the month's last Friday; `1#2` the second Monday.
 */
export class WallClockCron {
  /** Whether the hour field allows every hour; then a repeated hour (DST fall-back) fires twice. */
  readonly everyHour: boolean;
  readonly #nextSecond: Int8Array;
  readonly #nextMinute: Int8Array;
  readonly #nextHour: Int8Array;
  readonly #months: boolean[];
  readonly #domDays: boolean[];
  readonly #domLast: boolean;
  readonly #domRestricted: boolean;
  readonly #dowDays: boolean[];
  readonly #dowLastDays: boolean[];
  readonly #dowLast: boolean;
  readonly #dowRestricted: boolean;
  readonly #nth: number;

  constructor(fields: CronFields) {
    this.#nextSecond = nextAllowed(fields.second.values, 60);
    this.#nextMinute = nextAllowed(fields.minute.values, 60);
    this.#nextHour = nextAllowed(fields.hour.values, 24);
    this.everyHour = this.#nextHour.every((h, i) => h === i);
    this.#months = flags(fields.month.values, 13);
    this.#domDays = flags(fields.dayOfMonth.values, 32);
    this.#domLast = fields.dayOfMonth.hasLastChar;
    this.#domRestricted = !fields.dayOfMonth.isWildcard;
    // A plain 7 (Sunday) arrives as 0 but a range like 0-7 keeps its 7, which never matches a day.
    this.#dowDays = flags(fields.dayOfWeek.values, 7);
    this.#dowLast = fields.dayOfWeek.hasLastChar;
    // cron-parser reads the weekday of an "nL" value from its first character, and applies the
    // last-week rule to every value of a field that has one.
    this.#dowLastDays = new Array<boolean>(7).fill(false);
    for (const v of fields.dayOfWeek.values) {
      const day = Number.parseInt(String(v).charAt(0), 10);
      if (Number.isInteger(day)) this.#dowLastDays[day % 7] = true;
    }
    this.#dowRestricted = !fields.dayOfWeek.isWildcard;
    this.#nth = fields.dayOfWeek.nthDay;
  }

  /**
   * The first matching wall-clock time strictly after `afterMs` (whole seconds), or undefined
   * when none is left before the end of representable time.
   */
  next(afterMs: number): number | undefined {
    const start = Math.floor(afterMs / 1000) + 1;
    let days = Math.floor(start / 86_400);
    const startOfDay = start - days * 86_400;
    let { year, month, day } = civilFromDays(days);
    let hour = Math.floor(startOfDay / 3600);
    let minute = Math.floor((startOfDay % 3600) / 60);
    let second = startOfDay % 60;
    // Each pass either returns or moves the cursor forward to the next candidate it can skip to:
    // the next allowed month, day, hour, minute or second, resetting the smaller units.
    for (;;) {
      if (year > LAST_YEAR) return undefined;
      if (!this.#months[month]) {
        month++;
        if (month > 12) {
          month = 1;
          year++;
        }
        day = 1;
        days = daysFromCivil(year, month, 1);
        hour = minute = second = 0;
        continue;
      }
      const monthLength = daysInMonth(year, month);
      const h = hour < 24 ? (this.#nextHour[hour] ?? -1) : -1;
      if (h < 0 || !this.#dayMatches(day, weekdayOfDays(days), monthLength)) {
        day++;
        days++;
        if (day > monthLength) {
          day = 1;
          month++;
          if (month > 12) {
            month = 1;
            year++;
          }
        }
        hour = minute = second = 0;
        continue;
      }
      if (h !== hour) {
        hour = h;
        minute = second = 0;
      }
      const m = minute < 60 ? (this.#nextMinute[minute] ?? -1) : -1;
      if (m < 0) {
        hour++;
        minute = second = 0;
        continue;
      }
      if (m !== minute) {
        minute = m;
        second = 0;
      }
      const s = this.#nextSecond[second] ?? -1;
      if (s < 0) {
        minute++;
        second = 0;
        continue;
      }
      return days * MS_PER_DAY + (hour * 3600 + minute * 60 + s) * 1000;
    }
  }

  /** cron-parser's three rules for day-of-month against day-of-week. */
  #dayMatches(day: number, weekday: number, monthLength: number): boolean {
    const domMatch = this.#domDays[day] === true || (this.#domLast && day === monthLength);
    const dowMatch =
      (this.#dowDays[weekday] === true && (this.#nth <= 0 || Math.ceil(day / 7) === this.#nth)) ||
      (this.#dowLast && day > monthLength - 7 && this.#dowLastDays[weekday] === true);
    if (this.#domRestricted && this.#dowRestricted) return domMatch || dowMatch;
    if (!this.#dowRestricted) return domMatch;
    return !this.#domRestricted && dowMatch;
  }
}

/** Numeric values of a field as membership flags over 0..size-1 (L forms are handled apart). */
function flags(values: readonly (number | string)[], size: number): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const v of values) if (typeof v === 'number' && v >= 0 && v < size) out[v] = true;
  return out;
}

/** For each v in 0..size-1 the smallest allowed value >= v, or -1 when none is left. */
function nextAllowed(values: readonly (number | string)[], size: number): Int8Array {
  const allowed = flags(values, size);
  const out = new Int8Array(size);
  let next = -1;
  for (let v = size - 1; v >= 0; v--) {
    if (allowed[v]) next = v;
    out[v] = next;
  }
  return out;
}
