import {
  DurationSyntaxError,
  GO_DURATION_SYNTAX,
  ISO_DURATION_SYNTAX,
  looksLikeIsoDuration,
  nanosToMs,
  parseGoDuration,
  parseIsoDuration,
  spanNanos,
} from '../../common/duration.js';
import { JobValidationError } from '../../timers/errors.js';
import type { JobSpec, JsonValue } from '../../timers/schedule/job.js';
import { toJsonData } from '../../timers/schedule/json-data.js';
import { resolveTimeSpec, TIME_SPEC_ALLOWED } from '../../timers/schedule/time-spec.js';
import { ActorReminderValidationError } from './actor-reminder-errors.js';
import { ACTOR_REMINDER_TARGET, reminderJobName, type ReminderKey } from './actor-reminder-names.js';

/**
 * The body of `POST|PUT /v1.0/actors/{type}/{id}/reminders/{name}`, as Dapr takes it. `null` and
 * `""` count as absent.
 */
export interface ReminderRequestBody {
  dueTime?: string | null;
  period?: string | null;
  ttl?: string | null;
  data?: unknown;
}

const optionalString = { type: ['string', 'null'] } as const;

/** Shape and types only; what the values mean is checked by `reminderJob`. */
export const REMINDER_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { dueTime: optionalString, period: optionalString, ttl: optionalString, data: {} },
} as const;

/** What a reminder job carries as its data: the reminder as it was sent, for GET and delivery. */
export interface StoredReminder extends ReminderKey {
  dueTime?: string;
  period?: string;
  ttl?: string;
  data?: JsonValue;
}

/** The answer of `GET .../reminders/{name}` (Dapr's fields; `ttl` only when one was given). */
export interface ReminderResponse {
  actorType: string;
  actorId: string;
  name: string;
  dueTime: string;
  period: string;
  ttl?: string;
  data?: JsonValue;
}

/** What `period` takes, in words (the `allowed` of its errors). */
export const PERIOD_ALLOWED =
  `a Go duration (${GO_DURATION_SYNTAX}), or an ISO 8601 duration without years or months ` +
  `(${ISO_DURATION_SYNTAX}), optionally with repetitions: R5/PT10S fires 5 times in all`;

/** A period and how many times the reminder fires in all (undefined: until deleted or its ttl). */
interface Period {
  ms: number;
  repeats: number | undefined;
}

const REPETITION = /^R(\d*)\/(.*)$/;

/** Parses `period` as Dapr does: Go duration, ISO 8601 duration, or `R{n}/{ISO duration}`. */
export function parsePeriod(text: string): Period {
  const repetition = REPETITION.exec(text);
  const span = repetition ? (repetition[2] ?? '') : text;
  let repeats: number | undefined;
  if (repetition) {
    const count = repetition[1] ?? '';
    repeats = count === '' ? undefined : Number(count);
    if (repeats !== undefined && (!Number.isSafeInteger(repeats) || repeats < 1)) {
      throw new ActorReminderValidationError(
        'period',
        text,
        PERIOD_ALLOWED,
        `period ${JSON.stringify(text)}: the repetition count must be at least 1; allowed: ${PERIOD_ALLOWED}`,
      );
    }
  }
  let nanos: bigint;
  try {
    nanos =
      repetition || looksLikeIsoDuration(span)
        ? spanNanos(parseIsoDuration(span), span)
        : parseGoDuration(span);
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error;
    const why =
      error.problem === 'calendar'
        ? 'years and months have no fixed length, so they cannot be a period'
        : `not a duration (${error.problem})`;
    throw new ActorReminderValidationError(
      'period',
      text,
      PERIOD_ALLOWED,
      `period ${JSON.stringify(text)}: ${why}; allowed: ${PERIOD_ALLOWED}`,
    );
  }
  if (nanos <= 0n) {
    throw new ActorReminderValidationError('period', text, `a positive duration: ${PERIOD_ALLOWED}`);
  }
  return { ms: nanosToMs(nanos), repeats };
}

function given(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

/** Calls `fn`, turning the timer grammar's `JobValidationError` into one naming this API's field. */
function asReminderField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof JobValidationError) {
      throw new ActorReminderValidationError(field, error.value, error.allowed, error.message);
    }
    throw error;
  }
}

/**
 * The job a reminder is, checked before anything is stored (throws
 * `ActorReminderValidationError`). As in Dapr: without `dueTime` the reminder is due at once;
 * without `period` it fires once; `R5/PT10S` fires 5 times in all, 10 s apart; `ttl` (an instant
 * or a duration from now) ends it, and may not come before `dueTime`. A reminder of the same name
 * is replaced. Durations count from `nowMs`, resolved here so `dueTime` and `ttl` share one
 * "now"; the strings as sent are kept in the job's data for GET and for the delivery body.
 */
export function reminderJob(
  key: ReminderKey,
  body: ReminderRequestBody,
  nowMs: number,
): { name: string; spec: JobSpec; reminder: StoredReminder } {
  const name = reminderJobName(key);
  const dueTime = given(body.dueTime);
  const periodText = given(body.period);
  const ttl = given(body.ttl);
  const data =
    body.data === undefined || body.data === null
      ? undefined
      : asReminderField('data', () => toJsonData(body.data, 'data'));
  const dueAt = asReminderField('dueTime', () => resolveTimeSpec(dueTime ?? '0s', 'dueTime', nowMs));
  const period = periodText === undefined ? undefined : parsePeriod(periodText);
  const ttlAt =
    ttl === undefined ? undefined : asReminderField('ttl', () => resolveTimeSpec(ttl, 'ttl', nowMs));
  if (ttlAt !== undefined && ttlAt < dueAt) {
    throw new ActorReminderValidationError(
      'ttl',
      ttl,
      `an expiry not before the dueTime (${new Date(dueAt).toISOString()}): ${TIME_SPEC_ALLOWED}`,
    );
  }
  const reminder: StoredReminder = {
    ...key,
    ...(dueTime !== undefined && { dueTime }),
    ...(periodText !== undefined && { period: periodText }),
    ...(ttl !== undefined && { ttl }),
    ...(data !== undefined && { data }),
  };
  const spec: JobSpec = {
    target: ACTOR_REMINDER_TARGET,
    dueTime: new Date(dueAt),
    overwrite: true,
    data: reminder as unknown as JsonValue,
    ...(period && {
      schedule: `@every ${period.ms}ms`,
      ...(period.repeats !== undefined && { repeats: period.repeats }),
      // A one-shot ends after its fire; the timer service takes a ttl only with a schedule.
      ...(ttlAt !== undefined && { ttl: new Date(ttlAt) }),
    }),
  };
  return { name, spec, reminder };
}

/** The stored reminder in a job's data, or undefined when the data is not one. */
export function storedReminder(data: JsonValue | undefined): StoredReminder | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { actorType, actorId, name } = data;
  if (typeof actorType !== 'string' || typeof actorId !== 'string' || typeof name !== 'string')
    return undefined;
  return data as unknown as StoredReminder;
}

/** How GET shows a reminder: Dapr's `dueTime`, `period` and `data`, strings as sent. */
export function reminderResponse(reminder: StoredReminder): ReminderResponse {
  return {
    actorType: reminder.actorType,
    actorId: reminder.actorId,
    name: reminder.name,
    dueTime: reminder.dueTime ?? '',
    period: reminder.period ?? '',
    ...(reminder.ttl !== undefined && { ttl: reminder.ttl }),
    ...(reminder.data !== undefined && { data: reminder.data }),
  };
}

/** The body Dapr sends the actor at each tick: `{"data", "dueTime", "period"}`. */
export function remindBody(reminder: StoredReminder): JsonValue {
  return {
    ...(reminder.data !== undefined && { data: reminder.data }),
    dueTime: reminder.dueTime ?? '',
    period: reminder.period ?? '',
  };
}
