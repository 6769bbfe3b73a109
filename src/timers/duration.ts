import { JobValidationError } from './errors.js';

/**
 * Go `time.ParseDuration` syntax, which is what Dapr accepts for schedules, dueTime, ttl and
 * retry intervals. Go counts in integer nanoseconds; we keep that arithmetic exact with BigInt
 * and only then convert to milliseconds, because every time in the timer service is an
 * epoch-millisecond integer.
 */

const DURATION_FORMAT =
  'one or more decimal numbers, each with a unit (ns, us, µs, ms, s, m, h), e.g. 300ms, 37m25s, 1.5h, 2h45m, 1h0m0s';
export const DURATION_ALLOWED = `a Go duration: ${DURATION_FORMAT}`;

export interface DurationOptions {
  /** A leading `-` is accepted only where a negative span means something. Default false. */
  allowNegative?: boolean;
  /** Default true. Schedules set it false: a zero period would fire forever at one instant. */
  allowZero?: boolean;
}

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu; Go accepts both spellings
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go rejects anything that does not fit in an int64 of nanoseconds (about 292 years). */
const MAX_NS = 2n ** 63n - 1n;
const NS_PER_MS = 1_000_000n;

const WHOLE = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;

/** True when `text` has Go duration syntax; says nothing about sign or size. */
export function looksLikeDuration(text: string): boolean {
  return text === '0' || WHOLE.test(text);
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
      `a non-negative Go duration: ${DURATION_FORMAT}`,
      `${field} must not be negative: ${JSON.stringify(text)}`,
    );
  }
  if (ns === 0n && !allowZero) {
    throw new JobValidationError(
      field,
      text,
      `a positive Go duration: ${DURATION_FORMAT}`,
      `${field} must be longer than zero: ${JSON.stringify(text)}`,
    );
  }
  const magnitude = ns < 0n ? -ns : ns;
  const ms = Number((magnitude + NS_PER_MS - 1n) / NS_PER_MS);
  return ns < 0n ? -ms : ms;
}

function parseNanoseconds(text: string, field: string): bigint {
  if (text === '0' || text === '+0' || text === '-0') return 0n;
  if (!WHOLE.test(text)) {
    throw new JobValidationError(field, text, DURATION_ALLOWED, badSyntaxMessage(text, field));
  }
  const negative = text.startsWith('-');
  let total = 0n;
  for (const match of text.matchAll(COMPONENT)) {
    const [, whole = '', fraction = '', unit = ''] = match;
    const perUnit = NS_PER_UNIT[unit];
    if (perUnit === undefined) {
      throw new JobValidationError(field, text, DURATION_ALLOWED, badSyntaxMessage(text, field));
    }
    total += BigInt(whole === '' ? '0' : whole) * perUnit;
    if (fraction !== '') {
      // Go truncates fractional nanoseconds; so do we.
      total += (BigInt(fraction) * perUnit) / 10n ** BigInt(fraction.length);
    }
    if (total > MAX_NS) {
      throw new JobValidationError(
        field,
        text,
        `${DURATION_ALLOWED}; at most 2562047h47m16.854775807s`,
        `${field} is too long: ${JSON.stringify(text)} exceeds the largest Go duration (about 292 years)`,
      );
    }
  }
  return negative ? -total : total;
}

function badSyntaxMessage(text: string, field: string): string {
  if (text.trim() === '') return `${field} is empty; expected ${DURATION_ALLOWED}`;
  if (/^[-+]?\d+(?:\.\d*)?$/.test(text)) {
    return `${field} ${JSON.stringify(text)} has no unit; expected ${DURATION_ALLOWED}`;
  }
  if (/\d+d\b/.test(text)) {
    return `${field} ${JSON.stringify(text)} uses days, which Go durations do not have (use 24h); expected ${DURATION_ALLOWED}`;
  }
  return `${field} ${JSON.stringify(text)} is not a duration; expected ${DURATION_ALLOWED}`;
}
