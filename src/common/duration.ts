import { TickflowError } from './tickflow-error.js';
/**
 * The one duration grammar of tickflow: Go durations (`300ms`, `1h30m`, `1.5h`, `-5s`), which is
 * what Dapr's Jobs API takes for schedules, dueTime, ttl and retry intervals, and ISO 8601
 * durations (`PT10S`, `P1DT2H`, `P2W`), which Dapr takes for actor reminders and which workflow
 * code may use too. Pure: it parses text and adds a parsed duration to an instant, nothing else.
 *
 * Which layer accepts which form, and what a number means, is each layer's policy (the Jobs API
 * takes Go durations only, as Dapr does; the workflow API takes both). A syntax error here is a
 * `DurationSyntaxError`, which each layer maps to its own typed error naming the field.
 */

/** Go's syntax in words, for the `allowed` part of error messages. */
export const GO_DURATION_SYNTAX =
  'one or more decimal numbers, each with a unit (ns, us, µs, ms, s, m, h), e.g. 300ms, 37m25s, 1.5h, 2h45m, 1h0m0s';

/** The ISO 8601 forms accepted, in words. */
export const ISO_DURATION_SYNTAX =
  'P[nY][nM][nW][nD][T[nH][nM][nS]] with whole numbers, e.g. PT10S, PT1H30M, P1DT2H, P2W';

/** The largest Go duration, as Go prints it (the int64 nanosecond limit, about 292 years). */
export const MAX_GO_DURATION = '2562047h47m16.854775807s';

/** Why a text is not a duration; each layer words its own message from this. */
export type DurationProblem =
  /** Empty or blank. */
  | 'empty'
  /** A bare number such as `5`: Go durations need a unit on every number. */
  | 'no-unit'
  /** `1d`: Go has no day unit. */
  | 'days'
  /** Longer than an int64 of nanoseconds (or, with years and months, than a Date can hold). */
  | 'too-long'
  /** `R5/PT1M`: an ISO 8601 repetition, which is a schedule rather than a span. */
  | 'repetition'
  /** An ISO 8601 duration with years or months where a fixed span is needed. */
  | 'calendar'
  /** Anything else. */
  | 'syntax';

/** A text that is not a duration of the form asked for. Layers catch it and rethrow their own error. */
export class DurationSyntaxError extends TickflowError {
  override name = 'DurationSyntaxError';
  /** The text that was refused. */
  readonly text: string;
  /** What is wrong with it. */
  readonly problem: DurationProblem;

  constructor(text: string, problem: DurationProblem) {
    super(`${JSON.stringify(text)} is not a valid duration (${problem})`);
    this.text = text;
    this.problem = problem;
  }
}

/**
 * A parsed duration. `nanos` is the fixed part (signed: Go durations may be negative); ISO 8601
 * years and months have no fixed length, so they are kept apart and only resolved against an
 * instant by `addDuration`.
 */
export interface ParsedDuration {
  /** The fixed part in nanoseconds (ISO weeks and days count as 7 × 24 h and 24 h, as in UTC). */
  readonly nanos: bigint;
  /** ISO 8601 years (calendar years, resolved in UTC). */
  readonly years: number;
  /** ISO 8601 months (calendar months, resolved in UTC). */
  readonly months: number;
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
const NS_PER_MS = 1_000_000n;
const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MINUTE = 60n * NS_PER_SECOND;
const NS_PER_HOUR = 60n * NS_PER_MINUTE;
const NS_PER_DAY = 24n * NS_PER_HOUR;

/** Go rejects anything that does not fit in an int64 of nanoseconds (about 292 years). */
const MAX_NS = 2n ** 63n - 1n;
/** The ECMAScript Date range; beyond it epoch milliseconds stop meaning anything. */
const MAX_EPOCH_MS = 8.64e15;

const GO_WHOLE = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;
/** The standard order; every part optional, but `T` needs a time part after it (checked below). */
const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const ISO_REPETITION = /^R\d*\//;

/** True when `text` has Go duration syntax; says nothing about sign or size. */
export function looksLikeGoDuration(text: string): boolean {
  return text === '0' || GO_WHOLE.test(text);
}

/** True when `text` is meant as an ISO 8601 duration (starts with `P`, or `R` for a repetition). */
export function looksLikeIsoDuration(text: string): boolean {
  return text.startsWith('P') || ISO_REPETITION.test(text);
}

/**
 * Parses a Go duration (Go's `time.ParseDuration`) into signed nanoseconds. Go counts in integer
 * nanoseconds; BigInt keeps that exact, so `0.1s` is 100 ms and not a float approximation.
 * Fractions finer than a nanosecond are truncated, as Go does.
 */
export function parseGoDuration(text: string): bigint {
  if (text === '0' || text === '+0' || text === '-0') return 0n;
  if (!GO_WHOLE.test(text)) throw new DurationSyntaxError(text, goProblem(text));
  let total = 0n;
  for (const match of text.matchAll(GO_COMPONENT)) {
    const [, whole = '', fraction = '', unit = ''] = match;
    const perUnit = NS_PER_UNIT[unit];
    if (perUnit === undefined) throw new DurationSyntaxError(text, 'syntax');
    total += BigInt(whole === '' ? '0' : whole) * perUnit;
    if (fraction !== '') total += (BigInt(fraction) * perUnit) / 10n ** BigInt(fraction.length);
    if (total > MAX_NS) throw new DurationSyntaxError(text, 'too-long');
  }
  return text.startsWith('-') ? -total : total;
}

/** Tells a bare number or a day count apart from other junk, so the message can say what to do. */
function goProblem(text: string): DurationProblem {
  if (text.trim() === '') return 'empty';
  if (/^[-+]?\d+(?:\.\d*)?$/.test(text)) return 'no-unit';
  if (/\d+d\b/.test(text)) return 'days';
  return 'syntax';
}

/**
 * Parses an ISO 8601 duration as Dapr does for reminders (dapr/kit's ParseISO8601Duration):
 * whole numbers; years and months are calendar units; weeks and days are 7 and 1 days.
 * Stricter than Dapr on form, which it accepts in any order and with signs: here the parts come
 * in the standard order, unsigned, and `P` or `PT` alone is refused. Repetitions (`R5/PT1M`)
 * are refused: they describe a schedule, not a span.
 */
export function parseIsoDuration(text: string): ParsedDuration {
  if (text.trim() === '') throw new DurationSyntaxError(text, 'empty');
  if (ISO_REPETITION.test(text)) throw new DurationSyntaxError(text, 'repetition');
  const match = ISO.exec(text);
  const [, years, months, weeks, days, hours, minutes, seconds] = match ?? [];
  const parts = [years, months, weeks, days, hours, minutes, seconds];
  const hasTime = hours !== undefined || minutes !== undefined || seconds !== undefined;
  if (!match || parts.every((part) => part === undefined) || (text.includes('T') && !hasTime)) {
    throw new DurationSyntaxError(text, 'syntax');
  }
  const nanos =
    big(weeks) * 7n * NS_PER_DAY +
    big(days) * NS_PER_DAY +
    big(hours) * NS_PER_HOUR +
    big(minutes) * NS_PER_MINUTE +
    big(seconds) * NS_PER_SECOND;
  if (nanos > MAX_NS) throw new DurationSyntaxError(text, 'too-long');
  const calendar = { years: Number(years ?? 0), months: Number(months ?? 0) };
  // A year count past the Date range can only end in an Invalid Date.
  if (calendar.years > 300_000 || calendar.months > 3_600_000) {
    throw new DurationSyntaxError(text, 'too-long');
  }
  return { nanos, ...calendar };
}

function big(digits: string | undefined): bigint {
  return digits === undefined ? 0n : BigInt(digits);
}

/** Parses either form: ISO 8601 when the text starts with `P` (or `R`), a Go duration otherwise. */
export function parseDuration(text: string): ParsedDuration {
  if (looksLikeIsoDuration(text)) return parseIsoDuration(text);
  return { nanos: parseGoDuration(text), years: 0, months: 0 };
}

/**
 * The fixed length of a duration in nanoseconds; years and months have none (a month is 28 to 31
 * days), so a duration with them is refused with problem `calendar`.
 */
export function spanNanos(duration: ParsedDuration, text: string): bigint {
  if (duration.years !== 0 || duration.months !== 0) throw new DurationSyntaxError(text, 'calendar');
  return duration.nanos;
}

/**
 * Nanoseconds as milliseconds, the magnitude rounded up (`1ns` is 1 ms, `-1ns` is -1 ms): every
 * time in tickflow is an integer of epoch milliseconds, and a timer may fire late but never early.
 */
export function nanosToMs(nanos: bigint): number {
  const magnitude = nanos < 0n ? -nanos : nanos;
  const ms = Number((magnitude + NS_PER_MS - 1n) / NS_PER_MS);
  return nanos < 0n ? -ms : ms;
}

/**
 * The instant `duration` after `baseMs` (epoch ms): calendar years and months first, in UTC (as
 * Go's `AddDate`, so 31 January plus one month is 3 March), then the fixed part, rounded up to
 * whole milliseconds. Throws `DurationSyntaxError` (`too-long`) past the Date range.
 */
export function addDuration(baseMs: number, duration: ParsedDuration, text: string): number {
  let at = baseMs;
  if (duration.years !== 0 || duration.months !== 0) {
    const date = new Date(baseMs);
    date.setUTCFullYear(date.getUTCFullYear() + duration.years, date.getUTCMonth() + duration.months);
    at = date.getTime();
  }
  at += nanosToMs(duration.nanos);
  if (!Number.isFinite(at) || Math.abs(at) > MAX_EPOCH_MS) throw new DurationSyntaxError(text, 'too-long');
  return at;
}
