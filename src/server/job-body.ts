import type { FailurePolicySpec, JobSpec, JsonValue } from '../timers/schedule/job.js';
import type { JobView } from '../timers/job-view.js';
import { JobValidationError } from '../timers/errors.js';
import { ApiError, ErrorCode } from './api-error.js';
import { targetFields, targetSpecFromBody, type ApiJobTarget } from './job-target-body.js';

/**
 * The body of `POST /v1.0-alpha1/jobs/{name}`. Dapr's HTTP API is protobuf JSON, which accepts
 * both lowerCamelCase and the proto's snake_case names, so both spellings are accepted here.
 * `null` counts as absent (as in protobuf JSON).
 */
export interface JobRequestBody {
  schedule?: string | null;
  dueTime?: string | null;
  due_time?: string | null;
  repeats?: number | null;
  ttl?: string | null;
  data?: unknown;
  overwrite?: boolean | null;
  failurePolicy?: Record<string, unknown> | null;
  failure_policy?: Record<string, unknown> | null;
  /** What a tick does: `{ app: {} }` (default), `{ workflow: ... }`, `{ raiseEvent: ... }`. */
  target?: Record<string, unknown> | null;
  /** Not allowed: the name comes from the URL. Declared so the error can say exactly that. */
  name?: unknown;
}

const optionalString = { type: ['string', 'null'] } as const;
const optionalObject = { type: ['object', 'null'] } as const;

/** Shape and types only; what the values mean is checked by the timer service's validator. */
export const JOB_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    schedule: optionalString,
    dueTime: optionalString,
    due_time: optionalString,
    repeats: { type: ['number', 'null'] },
    ttl: optionalString,
    data: {},
    overwrite: { type: ['boolean', 'null'] },
    failurePolicy: optionalObject,
    failure_policy: optionalObject,
    target: optionalObject,
    name: {},
  },
} as const;

const ALLOWED_KEYS = Object.keys(JOB_BODY_SCHEMA.properties).filter((k) => k !== 'name');

/** The allowed keys, for error messages. */
export const JOB_BODY_KEYS = ALLOWED_KEYS.join(', ');

/** Maps an HTTP job body onto the timer service's JobSpec (which rejects unknown keys). */
export function jobSpecFromBody(body: JobRequestBody): JobSpec {
  if (body.name !== undefined) {
    // Not a bad name but a bad body: the name is only ever the last segment of the URL.
    throw new ApiError(
      400,
      ErrorCode.jobInvalid,
      'the job name is taken from the URL; remove "name" from the body',
      {
        field: 'name',
        allowed: `the fields ${JOB_BODY_KEYS}`,
      },
    );
  }
  const spec: JobSpec = {};
  const schedule = present(body.schedule);
  if (schedule !== undefined) spec.schedule = schedule;
  const dueTime = oneOf(body, 'dueTime', 'due_time');
  if (dueTime !== undefined) spec.dueTime = dueTime;
  const repeats = present(body.repeats);
  if (repeats !== undefined) spec.repeats = repeats;
  const ttl = present(body.ttl);
  if (ttl !== undefined) spec.ttl = ttl;
  // The body came from JSON.parse, so `data` is JSON by construction.
  if (body.data !== undefined) spec.data = body.data as JsonValue;
  const overwrite = present(body.overwrite);
  if (overwrite !== undefined) spec.overwrite = overwrite;
  const policy = oneOf(body, 'failurePolicy', 'failure_policy');
  if (policy !== undefined) spec.failurePolicy = failurePolicyFromBody(policy);
  const target = present(body.target);
  if (target !== undefined) {
    const { data, ...rest } = spec;
    return { ...rest, ...targetSpecFromBody(target, data) };
  }
  return spec;
}

/** A job as `GET` returns it: the strings it was scheduled with, and its progress. */
export interface JobResponse {
  name: string;
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data?: JsonValue;
  /** A job that acts on workflows; absent for the app's jobs. */
  target?: ApiJobTarget;
  failurePolicy: FailurePolicySpec;
  /** Ticks delivered so far (absent in listings). */
  count?: number;
  nextFireAt?: string;
}

export function jobResponse(view: JobView): JobResponse {
  return {
    name: view.name,
    ...(view.schedule !== undefined && { schedule: view.schedule }),
    ...(view.dueTime !== undefined && { dueTime: view.dueTime }),
    ...(view.repeats !== undefined && { repeats: view.repeats }),
    ...(view.ttl !== undefined && { ttl: view.ttl }),
    ...targetFields(view),
    failurePolicy: view.failurePolicy,
    ...(view.count !== undefined && { count: view.count }),
    ...(view.nextFireAt !== undefined && { nextFireAt: view.nextFireAt.toISOString() }),
  };
}

/** `{ constant: { interval, max_retries } }` → `{ constant: { interval, maxRetries } }`. */
function failurePolicyFromBody(policy: Record<string, unknown>): FailurePolicySpec {
  const constant = policy['constant'];
  if (typeof constant !== 'object' || constant === null || Array.isArray(constant)) {
    // Not ours to judge: the validator reports the bad shape with the allowed forms.
    return policy as FailurePolicySpec;
  }
  const { max_retries: snake, ...rest } = constant as Record<string, unknown>;
  if (snake !== undefined && rest['maxRetries'] !== undefined) {
    throw both('failurePolicy.constant.maxRetries', 'failurePolicy.constant.max_retries');
  }
  const mapped = { ...rest, ...(snake !== undefined && { maxRetries: snake }) };
  return { ...policy, constant: mapped } as FailurePolicySpec;
}

function oneOf<K extends 'dueTime' | 'failurePolicy', S extends 'due_time' | 'failure_policy'>(
  body: JobRequestBody,
  camel: K,
  snake: S,
): NonNullable<JobRequestBody[K] | JobRequestBody[S]> | undefined {
  const a = present(body[camel]);
  const b = present(body[snake]);
  if (a !== undefined && b !== undefined) throw both(camel, snake);
  return (a ?? b) as NonNullable<JobRequestBody[K] | JobRequestBody[S]> | undefined;
}

function present<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

function both(camel: string, snake: string): JobValidationError {
  return new JobValidationError(
    camel,
    undefined,
    `either ${camel} or ${snake}, not both`,
    `both ${camel} and ${snake} were given; send one of them`,
  );
}
