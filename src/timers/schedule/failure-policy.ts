import { DEFAULT_MIN_INTERVAL_MS, formatFloor } from '../../common/interval-floor.js';
import { parseDuration } from './duration.js';
import { JobValidationError } from '../errors.js';
import type { FailurePolicy, FailurePolicySpec } from './job.js';

/**
 * Failure policies, as in Dapr's Jobs API: `{ constant: { interval?, maxRetries? } }` or
 * `{ drop: {} }`.
 *
 * - No policy: constant, 1 s apart, 3 retries (4 attempts) — Dapr's documented default.
 * - `constant` without `interval`: 1 s. (Dapr's docs say it then retries immediately; we keep
 *   the default's spacing so a failing consumer is not hammered in a tight loop.)
 * - `constant` without `maxRetries`: retries forever. This is Dapr's behaviour: the Jobs API
 *   reference says "`nil` denotes unlimited retries, while `0` means the request will not be
 *   retried", and go-etcd-cron's FailurePolicyConstant says "If unset, the Job will be retried
 *   indefinitely".
 * - An interval below the floor (`minIntervalMs`, default 100 ms) is refused when the policy can
 *   retry at all (maxRetries other than 0): a `1ns` interval with unlimited retries would call a
 *   failing consumer as fast as etcd records each attempt.
 */

export const DEFAULT_RETRY_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_RETRIES = 3;

export const FAILURE_POLICY_ALLOWED =
  '{ constant: { interval?: <duration, default 1s>, maxRetries?: <integer >= 0, default unlimited> } } ' +
  'or { drop: {} }; omitted means constant 1s with 3 retries';

/** The policy callers see (in `get`) when they did not give one. */
export function defaultFailurePolicySpec(): FailurePolicySpec {
  return { constant: { interval: '1s', maxRetries: DEFAULT_MAX_RETRIES } };
}

export interface NormalizedFailurePolicy {
  policy: FailurePolicy;
  /** A copy of what the caller sent (the default when nothing was sent), for `get`. */
  original: FailurePolicySpec;
}

const FIELD = 'failurePolicy';

export function normalizeFailurePolicy(
  spec: unknown,
  minIntervalMs: number = DEFAULT_MIN_INTERVAL_MS,
): NormalizedFailurePolicy {
  if (spec === undefined || spec === null) {
    return {
      policy: { kind: 'constant', intervalMs: DEFAULT_RETRY_INTERVAL_MS, maxRetries: DEFAULT_MAX_RETRIES },
      original: defaultFailurePolicySpec(),
    };
  }
  if (!isPlainObject(spec)) throw bad(FIELD, spec, `${FIELD} must be an object`);
  const keys = Object.keys(spec);
  if (keys.length !== 1 || (keys[0] !== 'constant' && keys[0] !== 'drop')) {
    throw bad(
      FIELD,
      spec,
      `${FIELD} must have exactly one of the keys "constant" or "drop", got ${JSON.stringify(keys)}`,
    );
  }
  if (keys[0] === 'drop') {
    const drop = spec['drop'];
    if (!isPlainObject(drop) || Object.keys(drop).length !== 0) {
      throw bad(`${FIELD}.drop`, drop, `${FIELD}.drop must be an empty object {}`);
    }
    return { policy: { kind: 'drop' }, original: { drop: {} } };
  }
  return normalizeConstant(spec['constant'], minIntervalMs);
}

function normalizeConstant(constant: unknown, minIntervalMs: number): NormalizedFailurePolicy {
  const field = `${FIELD}.constant`;
  if (!isPlainObject(constant)) throw bad(field, constant, `${field} must be an object`);
  const unknown = Object.keys(constant).filter((k) => k !== 'interval' && k !== 'maxRetries');
  if (unknown.length > 0) {
    throw bad(
      field,
      constant,
      `${field} has unknown keys ${JSON.stringify(unknown)}; only interval and maxRetries`,
    );
  }
  const original: { interval?: string; maxRetries?: number } = {};
  let intervalMs = DEFAULT_RETRY_INTERVAL_MS;
  const interval = constant['interval'];
  if (interval !== undefined && interval !== null) {
    if (typeof interval !== 'string') {
      throw bad(`${field}.interval`, interval, `${field}.interval must be a duration string such as "5s"`);
    }
    intervalMs = parseDuration(interval, `${field}.interval`);
    original.interval = interval;
  }
  let maxRetries: number | undefined;
  const retries = constant['maxRetries'];
  if (retries !== undefined && retries !== null) {
    if (typeof retries !== 'number' || !Number.isSafeInteger(retries) || retries < 0) {
      throw bad(
        `${field}.maxRetries`,
        retries,
        `${field}.maxRetries must be an integer >= 0 (omit it to retry forever)`,
      );
    }
    maxRetries = retries;
    original.maxRetries = retries;
  }
  // The default interval (1 s) is never below the floor, which is at most 1 s.
  if (original.interval !== undefined && maxRetries !== 0 && intervalMs < minIntervalMs) {
    const floor = formatFloor(minIntervalMs);
    const allowed = `a duration of at least ${floor} (the floor for periods and retry intervals, minIntervalMs), or maxRetries: 0`;
    throw new JobValidationError(
      `${field}.interval`,
      original.interval,
      allowed,
      `${field}.interval ${JSON.stringify(original.interval)} is shorter than the ${floor} floor for retry intervals; allowed: ${allowed}`,
    );
  }
  return { policy: { kind: 'constant', intervalMs, maxRetries }, original: { constant: original } };
}

/**
 * Whether a tick that has now failed `failedAttempts` times (this failure included) is tried
 * again. `drop` never retries; `constant` retries until `maxRetries` retries have been spent.
 */
export function shouldRetry(policy: FailurePolicy, failedAttempts: number): boolean {
  if (policy.kind === 'drop') return false;
  return policy.maxRetries === undefined || failedAttempts <= policy.maxRetries;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function bad(field: string, value: unknown, reason: string): JobValidationError {
  return new JobValidationError(
    field,
    value,
    FAILURE_POLICY_ALLOWED,
    `${reason}; allowed: ${FAILURE_POLICY_ALLOWED}`,
  );
}
