import { describeValue } from '../common/invalid-input.js';
import {
  addDuration,
  DurationSyntaxError,
  GO_DURATION_SYNTAX,
  ISO_DURATION_SYNTAX,
  MAX_GO_DURATION,
  nanosToMs,
  parseDuration,
  spanNanos,
} from '../common/duration.js';
import type { ParsedDuration } from '../common/duration.js';
import { WorkflowArgumentError } from './errors.js';

/**
 * Times as the workflow API takes them. The grammar of duration strings is common/duration.ts,
 * shared with the timer service; this file is the workflow API's policy: what a number means
 * (Dapr's meaning: seconds for `createTimer`, milliseconds for retry intervals), which forms
 * are accepted where, and the wording of errors as `WorkflowArgumentError`.
 */

const DURATION_FORMS = `a Go duration (${GO_DURATION_SYNTAX}) or an ISO 8601 duration (${ISO_DURATION_SYNTAX})`;

/**
 * A span of time: a number of milliseconds (as Dapr's `...InMilliseconds` retry fields), or a
 * duration string, Go (`'1m30s'`, `'250ms'`) or ISO 8601 (`'PT1M30S'`, `'P1D'`; no years or
 * months, which have no fixed length).
 */
export type DurationInput = number | string;

/** Milliseconds for a `DurationInput`: numbers are milliseconds, strings durations; rounded up. */
export function durationToMs(value: DurationInput, field: string): number {
  const allowed = `a non-negative number of milliseconds, or ${DURATION_FORMS}, without years or months`;
  if (typeof value === 'string') {
    const ms = nanosToMs(mapSyntax(() => spanNanos(parseDuration(value), value), value, field, allowed));
    if (ms < 0) throw new WorkflowArgumentError(field, value, `a non-negative span: ${allowed}`);
    return ms;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new WorkflowArgumentError(field, value, allowed);
  }
  return value;
}

/**
 * When a timer should fire: a Date; a number of seconds from now (as in the Dapr JS SDK), or, from
 * `EPOCH_MS_THRESHOLD` up, epoch milliseconds; or a duration string from now, Go (`'5s'`,
 * `'1h30m'`) or ISO 8601 (`'PT5S'`, `'P1D'`, `'P1M'`: years and months are calendar units in UTC).
 */
export type TimerFireAt = Date | number | string;

/**
 * Numbers at or above this are epoch milliseconds (3 March 1973), below it seconds from now.
 * Dapr's SDK takes seconds, while code that computes deadlines from `getCurrentUtcDateTime()`
 * passes epoch milliseconds; no sensible delay in seconds is this large (3,000+ years), and no
 * real deadline is this early, so both forms work unambiguously.
 */
export const EPOCH_MS_THRESHOLD = 1e11;

const FIRE_AT_ALLOWED =
  'a Date, seconds from now (a number below 1e11), epoch milliseconds (from 1e11 up), ' +
  `or a non-negative duration from now: ${DURATION_FORMS}`;

/** Resolves a timer's due time against the step's deterministic now. Never rounds earlier. */
export function resolveFireAt(value: TimerFireAt, now: Date, field = 'fireAt'): Date {
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new WorkflowArgumentError(field, value, FIRE_AT_ALLOWED);
    ms = value >= EPOCH_MS_THRESHOLD ? value : now.getTime() + value * 1000;
  } else if (typeof value === 'string') {
    const duration = parseText(value, field, FIRE_AT_ALLOWED);
    // A past instant must be written as one (a Date); a negative span is more likely a bug.
    if (duration.nanos < 0n) throw new WorkflowArgumentError(field, value, FIRE_AT_ALLOWED);
    ms = mapSyntax(() => addDuration(now.getTime(), duration, value), value, field, FIRE_AT_ALLOWED);
  } else {
    throw new WorkflowArgumentError(field, value, FIRE_AT_ALLOWED);
  }
  if (!Number.isFinite(ms)) throw new WorkflowArgumentError(field, value, FIRE_AT_ALLOWED);
  return new Date(Math.ceil(ms));
}

function parseText(text: string, field: string, allowed: string): ParsedDuration {
  return mapSyntax(() => parseDuration(text), text, field, allowed);
}

/** Runs `parse`, turning a `DurationSyntaxError` into a `WorkflowArgumentError` that says why. */
function mapSyntax<T>(parse: () => T, text: string, field: string, allowed: string): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error;
    throw new WorkflowArgumentError(
      field,
      text,
      allowed,
      `invalid ${field}: ${describeValue(text)} ${HINTS[error.problem]}; allowed: ${allowed}`,
    );
  }
}

const HINTS: Readonly<Record<DurationSyntaxError['problem'], string>> = {
  empty: 'is empty',
  'no-unit': "has no unit: Go durations need one on every number (e.g. '5s')",
  days: "uses days, which Go durations do not have: use '24h' or the ISO 8601 'P1D'",
  'too-long': `is too long: at most ${MAX_GO_DURATION} (about 292 years)`,
  repetition: 'is an ISO 8601 repetition, which describes a schedule, not a span',
  calendar: "has years or months, which have no fixed length: use days (e.g. 'P30D')",
  syntax: 'is not a duration',
};
