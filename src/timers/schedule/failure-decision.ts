import { shouldRetry } from './failure-policy.js';
import type { JobProgress, JobRecord } from './job.js';

/**
 * What happens after a delivery attempt failed. Retries repeat the *same* scheduled tick at
 * `now + interval`; they never move the schedule, so the tick after it is computed from the
 * tick itself (see nextFire), not from when the retries ended.
 */
export type FailureDecision =
  /** Deliver the same tick again at `retryAt`; the caller records one more failed attempt. */
  | { kind: 'retry'; retryAt: number }
  /** The policy is spent: count the tick as done (completeTick) and move on to the next one. */
  | { kind: 'give-up' };

/**
 * Applies the job's failure policy to a failure at `nowMs`. `progress.attempts` counts the
 * failures of this tick before this one (0 on the first failure).
 */
export function afterFailure(
  record: JobRecord,
  progress: Pick<JobProgress, 'attempts'> | undefined,
  nowMs: number,
): FailureDecision {
  const at = retryAt(record, progress, nowMs);
  return at === undefined ? { kind: 'give-up' } : { kind: 'retry', retryAt: at };
}

/** When to retry after a failure at `nowMs`, or undefined to give up. */
export function retryAt(
  record: JobRecord,
  progress: Pick<JobProgress, 'attempts'> | undefined,
  nowMs: number,
): number | undefined {
  const policy = record.failurePolicy;
  if (policy.kind !== 'constant' || !shouldRetry(policy, (progress?.attempts ?? 0) + 1)) return undefined;
  return nowMs + policy.intervalMs;
}
