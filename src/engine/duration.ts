import { WorkflowArgumentError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_FORM = 'a duration such as "300ms", "5s", "1.5h" or "1h30m" (units ns, us, ms, s, m, h)';
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a Go-style duration (the grammar the timer service accepts for jobs) into
 * milliseconds. Fractions of a millisecond are kept; callers round toward "later".
 */
export function parseDuration(text: string, field = 'duration'): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    TERM.lastIndex = index;
    const match = TERM.exec(trimmed);
    if (!match) throw new WorkflowArgumentError(field, text, DURATION_FORM);
    const [, amount, unit] = match as unknown as [string, string, string];
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    index = TERM.lastIndex;
  }
  if (trimmed.length === 0 || !Number.isFinite(total))
    throw new WorkflowArgumentError(field, text, DURATION_FORM);
  return total;
}

/** A span of time: milliseconds, or a duration string. */
export type DurationInput = number | string;

/** Milliseconds for a `DurationInput`; numbers are taken as milliseconds. */
export function durationToMs(value: DurationInput, field: string): number {
  if (typeof value === 'string') return parseDuration(value, field);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new WorkflowArgumentError(
      field,
      value,
      `a non-negative number of milliseconds or ${DURATION_FORM}`,
    );
  }
  return value;
}

/** When a timer should fire: a Date, seconds from now, epoch milliseconds, or a duration string. */
export type TimerFireAt = Date | number | string;

/**
 * Numbers at or above this are epoch milliseconds (3 March 1973), below it seconds from now.
 * Dapr's SDK takes seconds, while code that computes deadlines from `getCurrentUtcDateTime()`
 * passes epoch milliseconds; no sensible delay in seconds is this large (3,000+ years), and no
 * real deadline is this early, so both forms work unambiguously.
 */
export const EPOCH_MS_THRESHOLD = 1e11;

const FIRE_AT_FORM = `a Date, seconds from now (a number below ${EPOCH_MS_THRESHOLD}), epoch milliseconds, or ${DURATION_FORM}`;

/** Resolves a timer's due time against the step's deterministic now. Never rounds earlier. */
export function resolveFireAt(value: TimerFireAt, now: Date, field = 'fireAt'): Date {
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new WorkflowArgumentError(field, value, FIRE_AT_FORM);
    ms = value >= EPOCH_MS_THRESHOLD ? value : now.getTime() + value * 1000;
  } else if (typeof value === 'string') {
    ms = now.getTime() + parseDuration(value, field);
  } else {
    throw new WorkflowArgumentError(field, value, FIRE_AT_FORM);
  }
  if (!Number.isFinite(ms)) throw new WorkflowArgumentError(field, value, FIRE_AT_FORM);
  return new Date(Math.ceil(ms));
}
