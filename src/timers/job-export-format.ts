import { JobImportLineError } from './job-import-error.js';
import { JobValidationError } from './errors.js';
import type { FailurePolicySpec, JobProgress, JobRecord, JobSpec, JsonValue } from './schedule/job.js';
import { nextFire } from './schedule/next-fire.js';
import { normalizeJob } from './schedule/validate-job.js';

/**
 * The line format of `tickflow jobs export` / `import`: JSON lines, one job per line, each naming
 * its scope. Pure: no I/O, no clock (docs/backup-and-restore.md describes the format).
 *
 * A line holds what is *left* of a job, not its history: `dueTime` is the next tick that is due
 * (in the past if it is overdue), `repeats` the ticks left, `ttl` the absolute expiry. Imported,
 * such a job fires first at that tick and then on its schedule, exactly as the original would
 * have, with no way to fire a tick before it or to repeat the ticks already delivered: nothing
 * about earlier ticks is carried, so nothing about them can go wrong. A fixed-period schedule
 * keeps its phase, because its next tick is a whole number of periods from the old anchor.
 * `fired` (the ticks delivered before the export) is for people; import ignores it, and the
 * imported job counts its ticks from 0.
 */

/** The version of the line format; a line says it in `v`. */
export const JOB_EXPORT_VERSION = 1;

/**
 * The longest line accepted, in bytes (UTF-8): a job's data is at most 1 MiB of JSON by default
 * and etcd's requests at most 1.5 MiB, so a real job's line stays well under it.
 */
export const MAX_JOB_LINE_BYTES = 2 * 1024 * 1024;

/** The largest `data` an imported job may carry (the timer service's default `maxDataBytes`). */
export const MAX_IMPORT_DATA_BYTES = 1024 * 1024;

/** One line of an export. */
export interface ExportedJob {
  /** The format version, `JOB_EXPORT_VERSION`. */
  v: number;
  /** The scope the job belongs to. */
  namespace: string;
  appId: string;
  name: string;
  /** Which handler receives it: `app`, `actor-reminder`, `publish`, a workflow target, ... */
  target: string;
  /** Present only when it differs from the name. */
  partitionKey?: string;
  /** When the job was first scheduled (RFC3339). */
  createdAt: string;
  /** The schedule as stored (a cron without `CRON_TZ=` has its zone pinned). */
  schedule?: string;
  /** The next tick due (RFC3339), in the past if it is overdue. */
  dueTime: string;
  /** The ticks left, when the job has a limit. */
  repeats?: number;
  /** When the job expires (RFC3339). */
  ttl?: string;
  data?: JsonValue;
  failurePolicy: FailurePolicySpec;
  /** Ticks delivered (or dropped by the failure policy) before the export; not imported. */
  fired: number;
}

/** A parsed line, ready to store: the record and the scope it goes to. */
export interface ImportedJob {
  namespace: string;
  appId: string;
  record: JobRecord;
}

/** Options of `parseJobLine`. */
export interface ParseJobLineOptions {
  /** Import into this namespace instead of the line's. */
  namespace?: string;
  /** Import into this app id instead of the line's. */
  appId?: string;
  /** The floor of fixed periods and retry intervals, as `normalizeJob` takes it (default 100 ms). */
  minIntervalMs?: number;
}

const LINE_KEYS = [
  'v',
  'namespace',
  'appId',
  'name',
  'target',
  'partitionKey',
  'createdAt',
  'schedule',
  'dueTime',
  'repeats',
  'ttl',
  'data',
  'failurePolicy',
  'fired',
] as const;

/** The fields that make the job, as `normalizeJob` takes them. */
const SPEC_FIELDS = [
  'schedule',
  'dueTime',
  'repeats',
  'ttl',
  'data',
  'failurePolicy',
  'target',
  'partitionKey',
];

/** The rule of `scopeKeys` for namespaces and app ids. */
const SCOPE_SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;
const SEGMENT_ALLOWED = "1-128 characters of letters, digits, '.', '_' or '-'";
/** An instant, never a duration: a duration in a file would count from whenever it is imported. */
const RFC3339_START = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}/;
const INSTANT_ALLOWED = 'an RFC3339 timestamp, e.g. 2026-01-01T09:00:00.000Z';

/**
 * What is left of a stored job, as a line to export; undefined when nothing is left (its last
 * tick was delivered, or it expired) and the job is only waiting to be deleted.
 */
export function exportedJob(
  scope: { namespace: string; appId: string },
  record: JobRecord,
  progress: JobProgress | undefined,
): ExportedJob | undefined {
  const next = nextFire(record, progress);
  if (next === undefined) return undefined;
  const fired = progress?.count ?? 0;
  // Built in the order people read a job in; JSON keeps insertion order.
  const job: ExportedJob = {
    v: JOB_EXPORT_VERSION,
    namespace: scope.namespace,
    appId: scope.appId,
    name: record.name,
    target: record.target,
  } as ExportedJob;
  if (record.partitionKey !== record.name) job.partitionKey = record.partitionKey;
  if (record.schedule !== undefined) job.schedule = record.schedule;
  job.dueTime = new Date(next).toISOString();
  if (record.schedule !== undefined && record.repeats !== undefined) job.repeats = record.repeats - fired;
  if (record.expiresAt !== undefined) job.ttl = new Date(record.expiresAt).toISOString();
  if (record.data !== undefined) job.data = record.data;
  job.failurePolicy = record.original.failurePolicy;
  job.createdAt = new Date(record.createdAt).toISOString();
  job.fired = fired;
  return job;
}

/** The line of `job` (without the newline). */
export function formatJobLine(job: ExportedJob): string {
  return JSON.stringify(job);
}

/**
 * Parses and validates line `line` (1-based) of an export. Throws `JobImportLineError` naming the
 * line, the field, the value and what is allowed; the job is validated as a scheduled one would
 * be (`normalizeJob`), with its times taken as absolute instants.
 */
export function parseJobLine(text: string, line: number, options: ParseJobLineOptions = {}): ImportedJob {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_JOB_LINE_BYTES) {
    throw new JobImportLineError(line, 'line', `${bytes} bytes`, `at most ${MAX_JOB_LINE_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JobImportLineError(
      line,
      'line',
      text,
      'one JSON object per line',
      error instanceof Error ? error.message : String(error),
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new JobImportLineError(line, 'line', parsed, 'one JSON object per line');
  }
  const input = parsed as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(LINE_KEYS as readonly string[]).includes(key)) {
      throw new JobImportLineError(line, key, input[key], `only the fields ${LINE_KEYS.join(', ')}`);
    }
  }
  if (input['v'] !== JOB_EXPORT_VERSION) {
    throw new JobImportLineError(line, 'v', input['v'], `${JOB_EXPORT_VERSION} (the format version)`);
  }
  const namespace = options.namespace ?? segment(input, 'namespace', line);
  const appId = options.appId ?? segment(input, 'appId', line);
  const name = input['name'];
  if (typeof name !== 'string') throw new JobImportLineError(line, 'name', name, 'a job name (a string)');
  const createdAt = instant(input, 'createdAt', line);
  if (createdAt === undefined) throw new JobImportLineError(line, 'createdAt', undefined, INSTANT_ALLOWED);
  const dueTime = input['dueTime'];
  if (instant(input, 'dueTime', line) === undefined) {
    throw new JobImportLineError(line, 'dueTime', dueTime, `${INSTANT_ALLOWED} (the next tick due)`);
  }
  instant(input, 'ttl', line);
  const fired = input['fired'];
  if (fired !== undefined && !(Number.isSafeInteger(fired) && (fired as number) >= 0)) {
    throw new JobImportLineError(line, 'fired', fired, 'a non-negative integer');
  }
  let record: JobRecord;
  try {
    // normalizeJob checks each field's type itself.
    const spec = pick(input, SPEC_FIELDS) as JobSpec;
    record = normalizeJob(name, spec, createdAt, {
      ...(options.minIntervalMs !== undefined && { minIntervalMs: options.minIntervalMs }),
    });
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    throw new JobImportLineError(line, error.field, error.value, error.allowed);
  }
  if (record.data !== undefined) {
    const dataBytes = Buffer.byteLength(JSON.stringify(record.data));
    if (dataBytes > MAX_IMPORT_DATA_BYTES) {
      throw new JobImportLineError(
        line,
        'data',
        `${dataBytes} bytes`,
        `at most ${MAX_IMPORT_DATA_BYTES} bytes of JSON`,
      );
    }
  }
  return { namespace, appId, record };
}

function segment(input: Record<string, unknown>, field: 'namespace' | 'appId', line: number): string {
  const value = input[field];
  if (typeof value !== 'string' || !SCOPE_SEGMENT.test(value)) {
    throw new JobImportLineError(line, field, value, SEGMENT_ALLOWED);
  }
  return value;
}

/** The field as epoch milliseconds, undefined when absent; throws unless it is an RFC3339 instant. */
function instant(input: Record<string, unknown>, field: string, line: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' && RFC3339_START.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new JobImportLineError(line, field, value, INSTANT_ALLOWED);
  return ms;
}

function pick(input: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key];
  return out;
}
