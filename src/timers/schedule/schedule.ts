import { CronExpressionParser } from 'cron-parser';
import type { CronFieldCollection } from 'cron-parser';
import { CRON_FIELDS, cronFieldProblem, cronFieldSyntax, failingCronField } from './cron-fields.js';
import { DURATION_ALLOWED, looksLikeDuration, parseDuration } from './duration.js';
import { JobValidationError } from '../errors.js';
import { WallClockCron } from './wall-clock-cron.js';
import { MAX_INSTANT, zoneOffsets } from './zone-offsets.js';
import type { ZoneOffsets } from './zone-offsets.js';
import { nextZonedTick } from './zoned-cron.js';

/**
 * The schedule grammar of the Dapr Jobs API (docs/jobs-api.md, "Jobs"), as a pure function of time.
 *
 * Fixed-period schedules (`@every d` and bare durations) tick on the lattice
 * `anchor + k·d` (k ≥ 0). The anchor is chosen by the caller — the timer service uses the
 * job's dueTime when it has one, else its creation time — so that every replica, and every
 * restart, derives the same ticks from the stored record instead of from "when it last ran".
 *
 * Cron is matched on the wall clock of its zone (UTC unless CRON_TZ says otherwise; the timer service
 * stores a job's cron with a CRON_TZ= of its default zone, see cron-time-zone.ts) and mapped to
 * instants by zoned-cron.ts, pinned by the unit tests across DST changes: a local time swallowed by
 * the spring-forward gap fires once, shifted by the gap (02:30 in a one-hour gap fires at 03:30), so
 * a daily job never loses a day; a local time repeated by fall-back fires once, at its first
 * occurrence, unless the hour field allows every hour: then steps over elapsed time (every 30
 * minutes) keep their real-time spacing and fire in both passes.
 */
export interface Schedule {
  readonly kind: 'cron' | 'every';
  /** The fixed period of an `every` schedule, in milliseconds (checked against the interval floor). */
  readonly periodMs?: number;
  /**
   * The first tick strictly after `afterMs`, or undefined when there is none (a cron
   * expression with no occurrence left before the end of representable time, or a non-finite
   * `afterMs`). Anything else that goes wrong throws: undefined means the job is over.
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

/** Whether the schedule names its own zone (`CRON_TZ=` or `TZ=` prefix). */
export function hasZonePrefix(text: string): boolean {
  return TZ_PREFIX.test(text.trim());
}

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
  /** Undefined for UTC, where wall clock and instant are the same number. */
  let zone: ZoneOffsets | undefined;
  const prefix = TZ_PREFIX.exec(rest);
  if (prefix) {
    const offsets = checkZone(prefix[1] ?? '', text);
    if (offsets.zone !== 'UTC') zone = offsets;
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
    periodMs,
    next(afterMs, anchorMs) {
      if (afterMs < anchorMs) return anchorMs;
      return anchorMs + (Math.floor((afterMs - anchorMs) / periodMs) + 1) * periodMs;
    },
  };
}

function cronSchedule(expression: string, zone: ZoneOffsets | undefined, text: string): Schedule {
  const fields = expression.split(/\s+/);
  if (fields.length !== 6) {
    const hint =
      fields.length === 5
        ? '5-field cron is not accepted: add the seconds field first (e.g. "0 */5 * * * *" for every 5 minutes)'
        : `cron needs exactly 6 fields (${CRON_FIELDS.map((f) => f.name).join(', ')}), got ${fields.length}`;
    throw cronFail(text, hint);
  }
  const hashed = fields.findIndex((f) => /\bH\b/i.test(f));
  if (hashed !== -1) {
    // cron-parser would pick a random value per parse, so replicas would disagree on ticks.
    throw cronFail(
      text,
      `the ${CRON_FIELDS[hashed]?.name ?? 'cron'} field uses H (hashed values), which is not supported`,
    );
  }
  const problem = cronFieldProblem(fields);
  if (problem !== undefined) throw cronFail(text, problem);
  let parsed: CronFieldCollection;
  try {
    parsed = parseCron(fields.join(' '));
  } catch (error) {
    throw cronFail(text, explainCronError(fields, error));
  }
  return new CronSchedule(new WallClockCron(parsed), zone);
}

/**
 * cron-parser only parses and validates (it refuses impossible days such as Feb 30); the zone does
 * not matter for that, and its own stepping is far slower than WallClockCron.
 */
function parseCron(expression: string): CronFieldCollection {
  return CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: 0 }).fields;
}

/** A parser error that cronFieldProblem did not foresee, told as the field it comes from. */
function explainCronError(fields: readonly string[], error: unknown): string {
  const failing = failingCronField(fields, (expression) => {
    try {
      parseCron(expression);
      return true;
    } catch {
      return false;
    }
  });
  if (failing !== -1) return cronFieldSyntax(failing, fields[failing] ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (/day of month/i.test(message)) {
    return `day of month ${fields[3] ?? ''} never occurs in month ${fields[4] ?? ''}`;
  }
  return message;
}

class CronSchedule implements Schedule {
  readonly kind = 'cron';
  readonly #cron: WallClockCron;
  /** Undefined for UTC, where wall clock and instant are the same number. */
  readonly #zone: ZoneOffsets | undefined;

  constructor(cron: WallClockCron, zone: ZoneOffsets | undefined) {
    this.#cron = cron;
    this.#zone = zone;
  }

  next(afterMs: number): number | undefined {
    if (!Number.isFinite(afterMs)) return undefined;
    if (this.#zone !== undefined) return nextZonedTick(this.#cron, this.#zone, afterMs);
    const tick = this.#cron.next(afterMs);
    return tick !== undefined && tick <= MAX_INSTANT ? tick : undefined;
  }
}

function checkZone(zone: string, text: string): ZoneOffsets {
  if (zone === '') throw fail(text, 'CRON_TZ= needs a time zone name, e.g. CRON_TZ=Europe/Berlin');
  try {
    return zoneOffsets(zone);
  } catch {
    throw fail(text, `unknown time zone ${JSON.stringify(zone)} (use an IANA name such as Europe/Berlin)`);
  }
}

/**
 * A cron expression that does not parse: the message names the field and its range, not the whole
 * grammar (`allowed` still carries that).
 */
function cronFail(text: string, reason: string): JobValidationError {
  return new JobValidationError(
    FIELD,
    text,
    SCHEDULE_ALLOWED,
    `invalid schedule ${JSON.stringify(text)}: ${reason}`,
  );
}

function fail(text: string, reason: string): JobValidationError {
  return new JobValidationError(
    FIELD,
    text,
    SCHEDULE_ALLOWED,
    `invalid schedule ${JSON.stringify(text)}: ${reason}; allowed: ${SCHEDULE_ALLOWED}`,
  );
}
