import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';
import { DURATION_ALLOWED, looksLikeDuration, parseDuration } from './duration.js';
import { JobValidationError } from './errors.js';

/**
 * The schedule grammar of the Dapr Jobs API (DESIGN.md §3), as a pure function of time.
 *
 * Fixed-period schedules (`@every d` and bare durations) tick on the lattice
 * `anchor + k·d` (k ≥ 0). The anchor is chosen by the caller — the timer service uses the
 * job's dueTime when it has one, else its creation time — so that every replica, and every
 * restart, derives the same ticks from the stored record instead of from "when it last ran".
 *
 * Cron with CRON_TZ follows cron-parser across DST changes (pinned by the unit tests): a local
 * time swallowed by the spring-forward gap fires once, an hour later in wall-clock terms, so a
 * daily job never loses a day; a local time repeated by fall-back fires once, at its first
 * occurrence. Steps over elapsed time (every 30 minutes) keep their real-time spacing.
 */
export interface Schedule {
  readonly kind: 'cron' | 'every';
  /**
   * The first tick strictly after `afterMs`, or undefined when there is none (a cron
   * expression with no occurrence left before the end of representable time).
   * `anchorMs` only matters for fixed-period schedules; cron ignores it.
   */
  next(afterMs: number, anchorMs: number): number | undefined;
}

export const SCHEDULE_ALLOWED =
  '6-field cron with seconds first ("0 30 * * * *"; month names jan-dec, weekday names sun-sat; ' +
  'ranges, steps and lists), optionally prefixed by "CRON_TZ=<IANA zone> "; ' +
  '"@every <duration>"; @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly; ' +
  `or a bare duration (every that long), where a duration is ${DURATION_ALLOWED}`;

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const FIELD = 'schedule';
const TZ_PREFIX = /^(?:CRON_TZ|TZ)=(\S*)(?:\s+|$)/;
const CRON_FIELD_NAMES = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'];

/** Parses a schedule; throws JobValidationError (field `schedule`) on anything else. */
export function parseSchedule(text: string): Schedule {
  if (typeof text !== 'string') {
    throw new JobValidationError(FIELD, text, SCHEDULE_ALLOWED, 'schedule must be a string');
  }
  let rest = text.trim();
  if (rest === '') {
    throw new JobValidationError(
      FIELD,
      text,
      SCHEDULE_ALLOWED,
      `schedule is empty; allowed: ${SCHEDULE_ALLOWED}`,
    );
  }
  let zone = 'UTC';
  const prefix = TZ_PREFIX.exec(rest);
  if (prefix) {
    zone = checkZone(prefix[1] ?? '', text);
    rest = rest.slice(prefix[0].length);
  }
  if (rest.startsWith('@every')) return everySchedule(rest.slice('@every'.length), text);
  if (rest.startsWith('@')) {
    const cron = DESCRIPTORS[rest];
    if (cron === undefined) {
      throw new JobValidationError(
        FIELD,
        text,
        SCHEDULE_ALLOWED,
        `schedule ${JSON.stringify(text)}: unknown descriptor ${JSON.stringify(rest)}; allowed: ${SCHEDULE_ALLOWED}`,
      );
    }
    return cronSchedule(cron, zone, text);
  }
  if (!/\s/.test(rest)) {
    if (prefix) {
      throw fail(text, 'a CRON_TZ= prefix must be followed by a cron expression or descriptor');
    }
    if (looksLikeDuration(rest)) return periodic(period(rest, text));
    throw fail(text, 'neither a cron expression nor a duration');
  }
  return cronSchedule(rest, zone, text);
}

function everySchedule(arg: string, text: string): Schedule {
  const duration = arg.trim();
  if (!/^\s/.test(arg) || duration === '') {
    throw fail(text, '@every needs a duration after a space, e.g. "@every 1h30m"');
  }
  return periodic(period(duration, text));
}

/** Re-raises duration errors against the whole schedule text, which is what the caller sent. */
function period(duration: string, text: string): number {
  try {
    return parseDuration(duration, FIELD, { allowZero: false });
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    throw fail(text, `the period ${JSON.stringify(duration)} is invalid (${error.message})`);
  }
}

function periodic(periodMs: number): Schedule {
  return {
    kind: 'every',
    next(afterMs, anchorMs) {
      if (afterMs < anchorMs) return anchorMs;
      return anchorMs + (Math.floor((afterMs - anchorMs) / periodMs) + 1) * periodMs;
    },
  };
}

function cronSchedule(expression: string, zone: string, text: string): Schedule {
  const fields = expression.split(/\s+/);
  if (fields.length !== 6) {
    const hint =
      fields.length === 5
        ? '5-field cron is not accepted: add the seconds field first (e.g. "0 */5 * * * *" for every 5 minutes)'
        : `cron needs exactly 6 fields (${CRON_FIELD_NAMES.join(', ')}), got ${fields.length}`;
    throw fail(text, hint);
  }
  const hashed = fields.findIndex((f) => /\bH\b/i.test(f));
  if (hashed !== -1) {
    // cron-parser would pick a random value per parse, so replicas would disagree on ticks.
    throw fail(
      text,
      `the ${CRON_FIELD_NAMES[hashed] ?? 'cron'} field uses H (hashed values), which is not supported`,
    );
  }
  let parsed: CronExpression;
  try {
    parsed = CronExpressionParser.parse(fields.join(' '), { tz: zone, currentDate: 0 });
  } catch (error) {
    throw fail(text, error instanceof Error ? error.message : String(error));
  }
  return new CronSchedule(parsed);
}

class CronSchedule implements Schedule {
  readonly kind = 'cron';
  readonly #expression: CronExpression;

  constructor(expression: CronExpression) {
    this.#expression = expression;
  }

  next(afterMs: number): number | undefined {
    if (!Number.isFinite(afterMs)) return undefined;
    // One parsed expression is reused: resetting its cursor is ~5x cheaper than re-parsing,
    // and the hot path is synchronous, so sharing the cursor is safe.
    this.#expression.reset(new Date(afterMs));
    try {
      return this.#expression.next().getTime();
    } catch {
      // cron-parser gives up (loop limit) when no occurrence is left in range.
      return undefined;
    }
  }
}

function checkZone(zone: string, text: string): string {
  if (zone === '') throw fail(text, 'CRON_TZ= needs a time zone name, e.g. CRON_TZ=Europe/Berlin');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw fail(text, `unknown time zone ${JSON.stringify(zone)} (use an IANA name such as Europe/Berlin)`);
  }
  return zone;
}

function fail(text: string, reason: string): JobValidationError {
  return new JobValidationError(
    FIELD,
    text,
    SCHEDULE_ALLOWED,
    `invalid schedule ${JSON.stringify(text)}: ${reason}; allowed: ${SCHEDULE_ALLOWED}`,
  );
}
