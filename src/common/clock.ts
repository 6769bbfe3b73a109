/**
 * The only source of "now" for pure cores and timer loops. Production uses the wall clock;
 * tests and the time-skipping environment inject their own so nothing depends on real time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Calls `fn` once, at or after `atMs` by this clock. Returns a function that cancels it.
   * Implementations must never call `fn` before `now() >= atMs`.
   */
  schedule(atMs: number, fn: () => void): () => void;
}

/** Node's timers cap delays at 2^31-1 ms; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The wall clock (`Date.now()` and Node timers), the default everywhere. Its timers do not keep
 * the process alive.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(atMs, fn) {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const wait = atMs - Date.now();
      if (wait <= 0) {
        // setTimeout may wake a millisecond early relative to Date.now(); re-check before firing.
        fn();
        return;
      }
      handle = setTimeout(
        () => {
          if (!cancelled) arm();
        },
        Math.min(wait, MAX_TIMEOUT_MS),
      );
      handle.unref?.();
    };
    arm();
    return () => {
      cancelled = true;
      if (handle) clearTimeout(handle);
    };
  },
};
