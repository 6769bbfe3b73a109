import { backoffDelay } from '../../common/backoff.js';
import { DEFAULT_MIN_INTERVAL_MS } from '../../common/interval-floor.js';
import type { FailureDetails } from '../../history/failure-details.js';
import type { StallRecord } from '../instances/instance-record.js';

/** How a stalled step is retried (the runtime option `stallRetry`). */
export interface StallRetryOptions {
  /** Seconds before the second attempt (default 1); each later wait doubles. */
  firstIntervalSeconds?: number;
  /**
   * The longest wait between two attempts, in seconds (default 300). It is also the longest a
   * replica started with fixed code waits before it picks up a stalled instance.
   */
  maxIntervalSeconds?: number;
}

/** A validated `StallRetryOptions`, in milliseconds. */
export interface StallBackoff {
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_STALL_BACKOFF: StallBackoff = { firstMs: 1_000, maxMs: 300_000 };

/**
 * Checks the options; `invalid(field, value, allowed)` makes the error thrown for a bad one.
 * Intervals are held to the floor of every retry loop (100 ms, see interval-floor.ts): each
 * attempt replays the instance and writes to etcd.
 */
export function resolveStallBackoff(
  options: StallRetryOptions | undefined,
  invalid: (field: string, value: unknown, allowed: string) => Error,
): StallBackoff {
  if (options === undefined) return DEFAULT_STALL_BACKOFF;
  const seconds = (field: keyof StallRetryOptions, fallbackMs: number): number => {
    const value = options[field];
    if (value === undefined) return fallbackMs;
    const floor = DEFAULT_MIN_INTERVAL_MS / 1000;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < floor) {
      throw invalid(`stallRetry.${field}`, value, `a number of seconds >= ${floor}`);
    }
    return Math.round(value * 1000);
  };
  const firstMs = seconds('firstIntervalSeconds', DEFAULT_STALL_BACKOFF.firstMs);
  const maxMs = seconds('maxIntervalSeconds', Math.max(DEFAULT_STALL_BACKOFF.maxMs, firstMs));
  if (maxMs < firstMs) {
    throw invalid(
      'stallRetry.maxIntervalSeconds',
      options.maxIntervalSeconds,
      `a number of seconds >= stallRetry.firstIntervalSeconds (${firstMs / 1000})`,
    );
  }
  return { firstMs, maxMs };
}

/** The wait after the `attempts`-th stalled attempt in a row: first, doubling, capped at max. */
export function stallDelayMs(backoff: StallBackoff, attempts: number): number {
  return backoffDelay(backoff, Math.max(attempts, 1));
}

/** The stall record after one more attempt stalled at `now` with `failure`. */
export function nextStallRecord(
  previous: StallRecord | undefined,
  failure: FailureDetails,
  now: number,
  backoff: StallBackoff,
): StallRecord {
  const attempts = (previous?.attempts ?? 0) + 1;
  return {
    failure,
    attempts,
    firstStalledAt: previous?.firstStalledAt ?? now,
    lastStalledAt: now,
    nextRetryAt: now + stallDelayMs(backoff, attempts),
  };
}
