import type { EventEmitter } from 'eventemitter3';

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

/** Resolves with the arguments of the first `event` satisfying `filter`, within the timeout. */
export function nextEvent<
  Events extends EventEmitter.ValidEventTypes,
  K extends EventEmitter.EventNames<Events>,
>(
  emitter: EventEmitter<Events>,
  event: K,
  options: WaitOptions & { filter?: (...args: EventEmitter.EventArgs<Events, K>) => boolean } = {},
): Promise<EventEmitter.EventArgs<Events, K>> {
  let listener: ((...args: EventEmitter.EventArgs<Events, K>) => void) | undefined;
  const seen = new Promise<EventEmitter.EventArgs<Events, K>>((resolve) => {
    listener = (...args: EventEmitter.EventArgs<Events, K>) => {
      if (options.filter && !options.filter(...args)) return;
      resolve(args);
    };
    emitter.on(event, listener as EventEmitter.EventListener<Events, K>);
  });
  return within(seen, { what: `event ${String(event)}`, ...options }).finally(() => {
    emitter.off(event, listener as EventEmitter.EventListener<Events, K>);
  });
}
