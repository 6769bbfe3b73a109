/** Bounded waits for tests: await a condition or an event instead of sleeping. */

export interface WaitOptions {
  timeoutMs?: number;
  /** Poll interval for `waitFor`. */
  intervalMs?: number;
  /** Names what was awaited, in the timeout error. */
  what?: string;
}

/** Resolves once `condition` holds; rejects after `timeoutMs` (default 10 s). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Rejects with a clear message if `promise` has not settled within `timeoutMs` (default 10 s). */
export async function within<T>(promise: Promise<T>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, what = 'promise' } = options;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first emission of `event` satisfying `filter`, within the timeout. */
export function nextEvent<Args extends unknown[]>(
  emitter: {
    on(event: string, fn: (...args: Args) => void): unknown;
    off(event: string, fn: (...args: Args) => void): unknown;
  },
  event: string,
  options: WaitOptions & { filter?: (...args: Args) => boolean } = {},
): Promise<Args> {
  let listener: ((...args: Args) => void) | undefined;
  const seen = new Promise<Args>((resolve) => {
    listener = (...args: Args) => {
      if (options.filter && !options.filter(...args)) return;
      resolve(args);
    };
    emitter.on(event, listener);
  });
  return within(seen, { what: `event ${JSON.stringify(event)}`, ...options }).finally(() => {
    if (listener) emitter.off(event, listener);
  });
}
