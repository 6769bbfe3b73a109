import {
  DurationSyntaxError,
  GO_DURATION_SYNTAX,
  looksLikeGoDuration,
  MAX_GO_DURATION,
  nanosToMs,
  parseGoDuration,
} from '../../common/duration.js';
import { JobValidationError } from '../errors.js';

/**
 * Durations as the Jobs API takes them (schedules, dueTime, ttl, failure-policy intervals): Go
 * `time.ParseDuration` syntax only, which is what Dapr's Jobs API accepts. The grammar is
 * common/duration.ts, shared with the workflow engine; this file is the Jobs API's policy (sign,
 * zero, rounding to milliseconds) and its wording of errors as `JobValidationError`.
 */

export const DURATION_ALLOWED = `a Go duration: ${GO_DURATION_SYNTAX}`;

export interface DurationOptions {
  /** A leading `-` is accepted only where a negative span means something. Default false. */
  allowNegative?: boolean;
  /** Default true. Schedules set it false: a zero period would fire forever at one instant. */
  allowZero?: boolean;
}

/** True when `text` has Go duration syntax; says nothing about sign or size. */
export function looksLikeDuration(text: string): boolean {
  return looksLikeGoDuration(text);
}

/**
 * Parses a Go duration into milliseconds. A remainder below one millisecond rounds the
 * magnitude up (`1ns` → 1 ms): a timer may fire late but never early.
 */
export function parseDuration(text: string, field: string, options: DurationOptions = {}): number {
  if (typeof text !== 'string') {
    throw new JobValidationError(field, text, DURATION_ALLOWED, `${field} must be a string duration`);
  }
  const allowNegative = options.allowNegative ?? false;
  const allowZero = options.allowZero ?? true;
  const ns = parseNanoseconds(text, field);
  if (ns < 0n && !allowNegative) {
    throw new JobValidationError(
      field,
      text,
      `a non-negative Go duration: ${GO_DURATION_SYNTAX}`,
      `${field} must not be negative: ${JSON.stringify(text)}`,
    );
  }
  if (ns === 0n && !allowZero) {
    throw new JobValidationError(
      field,
      text,
      `a positive Go duration: ${GO_DURATION_SYNTAX}`,
      `${field} must be longer than zero: ${JSON.stringify(text)}`,
    );
  }
  return nanosToMs(ns);
}

function parseNanoseconds(text: string, field: string): bigint {
  try {
    return parseGoDuration(text);
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error;
    if (error.problem === 'too-long') {
      throw new JobValidationError(
        field,
        text,
        `${DURATION_ALLOWED}; at most ${MAX_GO_DURATION}`,
        `${field} is too long: ${JSON.stringify(text)} exceeds the largest Go duration (about 292 years)`,
      );
    }
    throw new JobValidationError(field, text, DURATION_ALLOWED, syntaxMessage(text, field, error));
  }
}

function syntaxMessage(text: string, field: string, error: DurationSyntaxError): string {
  switch (error.problem) {
    case 'empty':
      return `${field} is empty; expected ${DURATION_ALLOWED}`;
    case 'no-unit':
      return `${field} ${JSON.stringify(text)} has no unit; expected ${DURATION_ALLOWED}`;
    case 'days':
      return `${field} ${JSON.stringify(text)} uses days, which Go durations do not have (use 24h); expected ${DURATION_ALLOWED}`;
    default:
      return `${field} ${JSON.stringify(text)} is not a duration; expected ${DURATION_ALLOWED}`;
  }
}
