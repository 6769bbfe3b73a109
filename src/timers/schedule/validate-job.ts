import { DEFAULT_MIN_INTERVAL_MS, formatFloor } from '../../common/interval-floor.js';
import { JobValidationError } from '../errors.js';
import { pinCronZone } from './cron-time-zone.js';
import { normalizeFailurePolicy } from './failure-policy.js';
import { DEFAULT_TARGET } from './job.js';
import type { JobRecord, JobSpec } from './job.js';
import { validateJobName } from './job-name.js';
import { toJsonData } from './json-data.js';
import { parseSchedule } from './schedule.js';
import { resolveTimeSpec, TIME_SPEC_ALLOWED } from './time-spec.js';

/**
 * Turns a caller's job into the record every replica fires from. Pure: `nowMs` is passed in.
 *
 * Checks run in a fixed order so a spec with several problems always reports the same one:
 * the name, the shape and type of each field (failurePolicy and data in full), then the
 * field rules of docs/jobs-api.md ("Jobs") in their listed order, then the format of schedule/dueTime/ttl, then
 * dueTime against ttl expiry.
 *
 * `null` counts as absent for optional fields, as it does for Dapr's JSON clients; `data: null`
 * is a value and is kept.
 *
 * Fixed periods and retry intervals below `minIntervalMs` (default 100 ms, see interval-floor.ts)
 * are refused here, when a job is scheduled, and not when a stored job is read back: a job
 * accepted under an older or lower floor keeps firing as it was scheduled.
 */

export interface NormalizeJobOptions {
  /** The shortest fixed period and retry interval accepted, in milliseconds. */
  minIntervalMs?: number;
  /**
   * The zone, resolved (`resolveCronTimeZone`), a cron schedule without `CRON_TZ=` runs in; it is
   * stored with the job (cron-time-zone.ts says why). Absent: UTC. `null`: there is no default
   * zone, and such a cron is refused.
   */
  cronTimeZone?: string | null;
}

const SPEC_KEYS = [
  'schedule',
  'dueTime',
  'repeats',
  'ttl',
  'data',
  'overwrite',
  'failurePolicy',
  'target',
  'partitionKey',
] as const satisfies readonly (keyof JobSpec)[];

export function normalizeJob(
  name: string,
  spec: JobSpec,
  nowMs: number,
  options: NormalizeJobOptions = {},
): JobRecord {
  const jobName = validateJobName(name);
  if (!Number.isFinite(nowMs))
    throw new RangeError(`normalizeJob: nowMs must be a finite number, got ${nowMs}`);
  const minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  const fields = readFields(spec);
  const failure = normalizeFailurePolicy(fields.failurePolicy, minIntervalMs);
  const data = fields.hasData ? toJsonData(fields.data, 'data') : undefined;

  const { schedule, dueTime, repeats, ttl } = fields;
  if (schedule === undefined && dueTime === undefined) {
    throw new JobValidationError(
      'schedule',
      undefined,
      'a schedule, a dueTime, or both',
      'a job needs a schedule, a dueTime, or both; neither was given',
    );
  }
  if (repeats !== undefined && repeats > 1 && schedule === undefined) {
    throw new JobValidationError(
      'repeats',
      repeats,
      'at most 1 for a job without a schedule',
      `repeats is ${repeats} but the job has no schedule, so it fires only once; add a schedule or omit repeats`,
    );
  }
  if (repeats !== undefined && (!Number.isSafeInteger(repeats) || repeats <= 0)) {
    throw new JobValidationError(
      'repeats',
      repeats,
      'a positive integer (omit it to repeat until the ttl expires)',
      `repeats must be a positive integer, got ${repeats}`,
    );
  }
  if (ttl !== undefined && schedule === undefined) {
    throw new JobValidationError(
      'ttl',
      ttl,
      'a ttl only together with a schedule',
      'ttl needs a schedule: a job with only a dueTime fires once and has nothing to expire',
    );
  }

  const parsed = schedule === undefined ? undefined : parseSchedule(schedule);
  if (schedule !== undefined && parsed !== undefined) checkPeriod(schedule, parsed.periodMs, minIntervalMs);
  const dueAt = dueTime === undefined ? undefined : resolveTimeSpec(dueTime, 'dueTime', nowMs);
  const expiresAt = ttl === undefined ? undefined : resolveTimeSpec(ttl, 'ttl', dueAt ?? nowMs);
  if (dueAt !== undefined && expiresAt !== undefined && dueAt > expiresAt) {
    throw new JobValidationError(
      'ttl',
      ttl,
      `an expiry at or after the dueTime ${new Date(dueAt).toISOString()}`,
      `ttl expires at ${new Date(expiresAt).toISOString()}, before the dueTime ` +
        `${new Date(dueAt).toISOString()}; the job would expire before its first fire`,
    );
  }

  const record: JobRecord = {
    name: jobName,
    target: fields.target ?? DEFAULT_TARGET,
    partitionKey: fields.partitionKey ?? jobName,
    createdAt: nowMs,
    failurePolicy: failure.policy,
    original: { failurePolicy: failure.original },
  };
  if (dueAt !== undefined) record.dueAt = dueAt;
  if (schedule !== undefined) {
    record.schedule =
      options.cronTimeZone === undefined || parsed === undefined
        ? schedule
        : pinCronZone(schedule, options.cronTimeZone ?? undefined, parsed.kind);
  }
  if (repeats !== undefined) record.repeats = repeats;
  if (expiresAt !== undefined) record.expiresAt = expiresAt;
  if (data !== undefined) record.data = data;
  if (schedule !== undefined) record.original.schedule = schedule;
  if (dueTime !== undefined) record.original.dueTime = asOriginal(dueTime);
  if (ttl !== undefined) record.original.ttl = asOriginal(ttl);
  if (repeats !== undefined) record.original.repeats = repeats;
  return record;
}

/** A fixed period below the floor would fire one job as fast as etcd can record its ticks. */
function checkPeriod(schedule: string, periodMs: number | undefined, minIntervalMs: number): void {
  if (periodMs === undefined || periodMs >= minIntervalMs) return;
  const floor = formatFloor(minIntervalMs);
  const allowed = `a period of at least ${floor} (the floor for periods and retry intervals, minIntervalMs), or a cron expression`;
  throw new JobValidationError(
    'schedule',
    schedule,
    allowed,
    `schedule ${JSON.stringify(schedule)} repeats more often than the ${floor} floor; allowed: ${allowed}`,
  );
}

interface SpecFields {
  schedule?: string;
  dueTime?: string | Date;
  repeats?: number;
  ttl?: string | Date;
  hasData: boolean;
  data: unknown;
  failurePolicy: unknown;
  target?: string;
  partitionKey?: string;
}

/** Shape and type checks only; meaning (formats, rules) is checked by the caller. */
function readFields(spec: unknown): SpecFields {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new JobValidationError(
      'spec',
      spec,
      `an object with the keys ${SPEC_KEYS.join(', ')}`,
      'job spec must be an object',
    );
  }
  const input = spec as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      throw new JobValidationError(
        key,
        input[key],
        `one of the keys ${SPEC_KEYS.join(', ')}`,
        `unknown job field ${JSON.stringify(key)}; allowed fields: ${SPEC_KEYS.join(', ')}`,
      );
    }
  }
  const overwrite = present(input['overwrite']);
  if (overwrite !== undefined && typeof overwrite !== 'boolean') {
    throw typeError('overwrite', overwrite, 'true or false');
  }
  return {
    schedule: optionalString(input, 'schedule', 'a schedule string'),
    dueTime: optionalTime(input, 'dueTime'),
    repeats: optionalNumber(input, 'repeats'),
    ttl: optionalTime(input, 'ttl'),
    hasData: input['data'] !== undefined,
    data: input['data'],
    failurePolicy: input['failurePolicy'],
    target: optionalString(input, 'target', 'a non-empty string naming an onTrigger handler'),
    partitionKey: optionalString(input, 'partitionKey', 'a non-empty string'),
  };
}

function present(value: unknown): unknown {
  return value === null ? undefined : value;
}

function optionalString(input: Record<string, unknown>, field: string, allowed: string): string | undefined {
  const value = present(input[field]);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw typeError(field, value, allowed);
  if (value === '') {
    throw new JobValidationError(field, value, allowed, `${field} is an empty string; allowed: ${allowed}`);
  }
  return value;
}

function optionalTime(input: Record<string, unknown>, field: string): string | Date | undefined {
  const value = present(input[field]);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && !(value instanceof Date)) throw typeError(field, value, TIME_SPEC_ALLOWED);
  return value;
}

function optionalNumber(input: Record<string, unknown>, field: string): number | undefined {
  const value = present(input[field]);
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw typeError(field, value, 'a positive integer');
  return value;
}

function typeError(field: string, value: unknown, allowed: string): JobValidationError {
  const got = Array.isArray(value) ? 'an array' : typeof value;
  return new JobValidationError(
    field,
    value,
    allowed,
    `${field} has the wrong type (${got}); allowed: ${allowed}`,
  );
}

function asOriginal(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}
