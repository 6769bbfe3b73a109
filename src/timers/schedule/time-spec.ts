import {
  addDuration,
  DurationSyntaxError,
  ISO_DURATION_SYNTAX,
  looksLikeIsoDuration,
  parseIsoDuration,
} from '../../common/duration.js';
import { DURATION_ALLOWED, looksLikeDuration, parseDuration } from './duration.js';
import { JobValidationError } from '../errors.js';

/**
 * dueTime and ttl: an instant (RFC3339 string or Date), or a Go duration or a non-repeating
 * ISO 8601 duration from a base time, as Dapr's Jobs API takes them.
 *
 * Only full RFC3339 date-times are instants. Date-only strings ("2026-01-01"), offset-less
 * local times, and free text ("tomorrow") are rejected: each would need a guess about the
 * zone or the time of day, and a guess that differs between replicas fires at different times.
 */

export const TIME_SPEC_ALLOWED =
  'an RFC3339 timestamp with a time and an offset (e.g. 2026-01-01T09:00:00Z, ' +
  '2026-01-01T10:00:00.250+01:00), a valid Date, or a non-negative duration from now ' +
  `(${DURATION_ALLOWED}; or a non-repeating ISO 8601 duration: ${ISO_DURATION_SYNTAX})`;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;
/** The ECMAScript Date range; beyond it epoch milliseconds stop meaning anything. */
const MAX_EPOCH_MS = 8.64e15;

/**
 * Resolves a dueTime/ttl to epoch milliseconds. Durations count from `baseMs` and may not be
 * negative (a past instant is only expressible as an explicit timestamp).
 */
export function resolveTimeSpec(value: unknown, field: string, baseMs: number): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) {
      throw new JobValidationError(field, value, TIME_SPEC_ALLOWED, `${field} is an Invalid Date`);
    }
    return ms;
  }
  if (typeof value !== 'string') {
    throw new JobValidationError(
      field,
      value,
      TIME_SPEC_ALLOWED,
      `${field} must be a string or a Date, got ${typeof value}; allowed: ${TIME_SPEC_ALLOWED}`,
    );
  }
  if (DATE_LIKE.test(value)) return parseRfc3339(value, field);
  if (looksLikeIsoDuration(value)) return resolveIsoDuration(value, field, baseMs);
  // A bare number goes to the duration parser too, whose error says the unit is missing.
  if (looksLikeDuration(value) || /^[-+]?[\d.]+$/.test(value)) {
    const at = baseMs + parseDuration(value, field);
    if (at > MAX_EPOCH_MS) {
      throw new JobValidationError(
        field,
        value,
        TIME_SPEC_ALLOWED,
        `${field} ${JSON.stringify(value)} is too far ahead`,
      );
    }
    return at;
  }
  throw new JobValidationError(
    field,
    value,
    TIME_SPEC_ALLOWED,
    `${field} ${JSON.stringify(value)} is neither an RFC3339 timestamp nor a duration; allowed: ${TIME_SPEC_ALLOWED}`,
  );
}

/**
 * `P1DT2H` from `baseMs`: years and months are calendar units in UTC (as Dapr resolves them). A
 * repetition (`R5/PT10S`) is refused: it describes a schedule, and a job's repeats go in
 * `schedule` and `repeats`.
 */
function resolveIsoDuration(value: string, field: string, baseMs: number): number {
  try {
    return addDuration(baseMs, parseIsoDuration(value), value);
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error;
    const why =
      error.problem === 'repetition'
        ? 'is a repetition; a job repeats by its schedule and repeats, so only a non-repeating ISO 8601 duration is taken here'
        : error.problem === 'too-long'
          ? 'is too far ahead'
          : `is not an ISO 8601 duration (${ISO_DURATION_SYNTAX})`;
    throw new JobValidationError(field, value, TIME_SPEC_ALLOWED, `${field} ${JSON.stringify(value)} ${why}`);
  }
}

/**
 * Parses an RFC3339 date-time to epoch milliseconds, honouring its offset. Fractional seconds
 * finer than a millisecond round up, so an instant is never moved earlier.
 */
export function parseRfc3339(text: string, field: string): number {
  const match = RFC3339.exec(text);
  if (!match) {
    throw new JobValidationError(
      field,
      text,
      TIME_SPEC_ALLOWED,
      `${field} ${JSON.stringify(text)} is not an RFC3339 date-time: a date, "T", a time and an offset ` +
        `(Z or ±hh:mm) are all required, e.g. 2026-01-01T09:00:00Z`,
    );
  }
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, oh = '0', om = '0'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  const outOfRange = (what: string): JobValidationError =>
    new JobValidationError(
      field,
      text,
      TIME_SPEC_ALLOWED,
      `${field} ${JSON.stringify(text)}: ${what} is out of range`,
    );
  if (month < 1 || month > 12) throw outOfRange('month');
  if (day < 1 || day > daysInMonth(year, month)) throw outOfRange('day');
  if (hour > 23) throw outOfRange('hour');
  if (minute > 59) throw outOfRange('minute');
  // RFC3339 allows a leap second (60) but epoch milliseconds cannot represent one; Go rejects it too.
  if (second > 59) throw outOfRange('second');
  if (zulu === undefined && (offsetHours > 23 || offsetMinutes > 59)) throw outOfRange('offset');

  const utc = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not remap years 0-99 to 1900-1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, fractionToMs(fraction));
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return utc.getTime() - (zulu === undefined ? offsetMs : 0);
}

function fractionToMs(fraction: string): number {
  if (fraction === '') return 0;
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  return /[1-9]/.test(fraction.slice(3)) ? ms + 1 : ms;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
