import type { Clock } from './clock.js';

/** How the pause between attempts grows. */
export interface BackoffPolicy {
  /** Pause after the first failure, in milliseconds. */
  firstMs: number;
  /** No pause is longer than this, in milliseconds. */
  maxMs: number;
  /** Growth per further failure. Default 2. */
  factor?: number;
  /**
   * Share of each pause drawn at random, 0-1: 0.5 waits between half and all of it. Default 0.
   * Jitter keeps the callers of one outage from coming back in step.
   */
  jitter?: number;
}

/** The pause after `failures` failures in a row (1 = the first). Pure: `random` is injected. */
export function backoffDelay(
  policy: BackoffPolicy,
  failures: number,
  random: () => number = Math.random,
): number {
  const { firstMs, maxMs, factor = 2, jitter = 0 } = policy;
  // Past 2^60 the cap has long applied; bounding the power keeps it finite (no Infinity * 0).
  const ceiling = Math.min(maxMs, firstMs * factor ** Math.min(Math.max(0, failures - 1), 60));
  return ceiling * (1 - jitter) + random() * ceiling * jitter;
}

/**
 * Resolves `ms` from now by `clock` (so the time-skipping environment and fake clocks drive it),
 * or as soon as `signal` aborts. Never rejects.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.schedule(clock.now() + ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Options of `retryWithBackoff`. */
export interface RetryOptions {
  clock: Clock;
  policy: BackoffPolicy;
  /**
   * Checked after every failure and after every pause (the first attempt always runs): once
   * false, the loop ends. Default always.
   */
  active?: () => boolean;
  /** Aborting it ends the current pause at once (then `active()` decides). */
  signal?: AbortSignal;
  /**
   * Told about every failure before the pause (to warn, count, log). Returning `false` ends the
   * loop and rethrows the error: for failures that another attempt cannot fix.
   */
  onFailure?: (error: unknown, failures: number, delayMs: number) => boolean | void;
  random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, pausing by `policy` between failures on the injected clock.
 * Resolves with its result, or with `undefined` once `active()` turns false (the caller stopped,
 * or the work is no longer its own). The one retry loop of the code base: every "try again
 * later" goes through it, so every such pause follows the injected clock.
 */
export async function retryWithBackoff<T>(
  attempt: (failures: number) => Promise<T>,
  options: RetryOptions,
): Promise<T | undefined> {
  const active = options.active ?? ((): boolean => true);
  for (let failures = 0; ;) {
    try {
      return await attempt(failures);
    } catch (error) {
      failures++;
      const delayMs = backoffDelay(options.policy, failures, options.random);
      if (options.onFailure?.(error, failures, delayMs) === false) throw error;
      if (!active()) return undefined;
      await sleep(options.clock, delayMs, options.signal);
      if (!active()) return undefined;
    }
  }
}
