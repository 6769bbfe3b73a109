import { DEFAULT_MIN_INTERVAL_MS, formatFloor } from '../common/interval-floor.js';
import { durationToMs } from './duration.js';
import type { DurationInput } from './duration.js';
import { WorkflowArgumentError } from './errors.js';
import type { TaskFailedError } from './errors.js';

/**
 * How to retry a failed activity or child workflow. Every delay becomes a durable timer, so a
 * retry survives restarts. Each span is a number of **milliseconds**, as Dapr's
 * `firstRetryIntervalInMilliseconds`, or a duration string, Go (`'5s'`, `'1m30s'`) or ISO 8601
 * (`'PT5S'`, `'PT1M30S'`).
 */
export interface RetryPolicy {
  /** Total attempts including the first (a count); 1 means no retries. */
  maxAttempts: number;
  /** Delay before the second attempt: milliseconds or a duration string (at least the 100 ms floor). */
  firstRetryInterval: DurationInput;
  /** Each further delay is the previous one times this factor (no unit, >= 1); default 1 (constant). */
  backoffCoefficient?: number;
  /** Upper bound for any single delay: milliseconds or a duration string. */
  maxRetryInterval?: DurationInput;
  /**
   * No retry is started if it would begin later than this after the first attempt was scheduled:
   * milliseconds or a duration string.
   */
  retryTimeout?: DurationInput;
  /** Return false to give up on this failure (e.g. a validation error no retry can fix). */
  handle?: (failure: TaskFailedError) => boolean;
}

/** A validated policy with every interval in milliseconds. */
export interface ResolvedRetryPolicy {
  maxAttempts: number;
  firstRetryMs: number;
  backoffCoefficient: number;
  maxRetryMs: number;
  retryTimeoutMs: number;
  handle?: (failure: TaskFailedError) => boolean;
}

export interface ResolveRetryOptions {
  /**
   * The shortest retry interval accepted, in milliseconds (default 100, as for jobs; see
   * interval-floor.ts). Each retry is a durable timer and a workflow step, so a `1ns` interval
   * with many attempts would loop as fast as etcd commits.
   */
  minIntervalMs?: number;
}

/**
 * Validates a policy; throws `WorkflowArgumentError` naming the offending field. Intervals below
 * the floor are refused only when the policy retries at all (maxAttempts > 1), and only after
 * every field parsed, so a malformed field is reported as such rather than as too short.
 */
export function resolveRetryPolicy(
  policy: RetryPolicy,
  options: ResolveRetryOptions = {},
): ResolvedRetryPolicy {
  const { maxAttempts, backoffCoefficient = 1 } = policy;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new WorkflowArgumentError('retry.maxAttempts', maxAttempts, 'an integer >= 1');
  }
  if (
    typeof backoffCoefficient !== 'number' ||
    !Number.isFinite(backoffCoefficient) ||
    backoffCoefficient < 1
  ) {
    throw new WorkflowArgumentError('retry.backoffCoefficient', backoffCoefficient, 'a finite number >= 1');
  }
  if (policy.handle !== undefined && typeof policy.handle !== 'function') {
    throw new WorkflowArgumentError('retry.handle', policy.handle, 'a function (failure) => boolean');
  }
  const firstRetryMs = durationToMs(policy.firstRetryInterval, 'retry.firstRetryInterval');
  const maxRetryMs =
    policy.maxRetryInterval === undefined
      ? Number.POSITIVE_INFINITY
      : durationToMs(policy.maxRetryInterval, 'retry.maxRetryInterval');
  const retryTimeoutMs =
    policy.retryTimeout === undefined
      ? Number.POSITIVE_INFINITY
      : durationToMs(policy.retryTimeout, 'retry.retryTimeout');
  const floorMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  if (maxAttempts > 1) {
    const allowed = `a duration of at least ${formatFloor(floorMs)} (the floor for retry intervals)`;
    if (firstRetryMs < floorMs) {
      throw new WorkflowArgumentError('retry.firstRetryInterval', policy.firstRetryInterval, allowed);
    }
    if (maxRetryMs < floorMs) {
      throw new WorkflowArgumentError('retry.maxRetryInterval', policy.maxRetryInterval, allowed);
    }
  }
  return {
    maxAttempts,
    firstRetryMs,
    backoffCoefficient,
    maxRetryMs,
    retryTimeoutMs,
    ...(policy.handle && { handle: policy.handle }),
  };
}

/**
 * The delay before the next attempt, or undefined to give up.
 * @param failedAttempt 1-based number of the attempt that just failed
 * @param elapsedMs time from the first attempt's scheduling to now
 */
export function nextRetryDelay(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  failure: TaskFailedError,
  elapsedMs: number,
): number | undefined {
  if (failure.details.nonRetryable === true) return undefined;
  if (failedAttempt >= policy.maxAttempts) return undefined;
  if (policy.handle && !policy.handle(failure)) return undefined;
  const uncapped = policy.firstRetryMs * policy.backoffCoefficient ** (failedAttempt - 1);
  // Round up: a retry must never start earlier than the policy says.
  const delay = Math.ceil(Math.min(uncapped, policy.maxRetryMs));
  if (elapsedMs + delay > policy.retryTimeoutMs) return undefined;
  return delay;
}
