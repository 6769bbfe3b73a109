import type { Clock } from './clock.js';
import { WarningCoalescer, type WarningCoalescerOptions } from './warning-coalescer.js';

export interface CoalescedWarningsOptions extends WarningCoalescerOptions {
  clock: Clock;
  /** Where the warnings that survive coalescing go (a service's `warning` event). */
  emit: (error: Error) => void;
}

/**
 * The one way a service reports warnings: through a WarningCoalescer, with a timer on the
 * service's clock for the counts owed. The timer is armed only while something is held back, so
 * a quiet service schedules nothing.
 */
export class CoalescedWarnings {
  readonly #coalescer: WarningCoalescer;
  readonly #clock: Clock;
  readonly #emit: (error: Error) => void;
  #armedAt: number | undefined;
  #cancel: (() => void) | undefined;

  constructor(options: CoalescedWarningsOptions) {
    this.#coalescer = new WarningCoalescer(options);
    this.#clock = options.clock;
    this.#emit = options.emit;
  }

  report(error: Error): void {
    for (const warning of this.#coalescer.offer(error, this.#clock.now())) this.#emit(warning);
    this.#arm();
  }

  /** Reports every count still owed now and disarms the timer (when the service stops). */
  flush(): void {
    this.#disarm();
    for (const warning of this.#coalescer.drain(this.#clock.now())) this.#emit(warning);
  }

  #arm(): void {
    const at = this.#coalescer.nextFlushAt();
    if (at === this.#armedAt) return;
    this.#disarm();
    if (at === undefined) return;
    this.#armedAt = at;
    // A clock may call back at once for a time already past, and that call re-arms by itself: keep
    // the cancel function only if this arming is still the live one.
    let fired = false;
    const cancel = this.#clock.schedule(at, () => {
      fired = true;
      if (this.#armedAt === at) {
        this.#armedAt = undefined;
        this.#cancel = undefined;
      }
      for (const warning of this.#coalescer.flush(this.#clock.now())) this.#emit(warning);
      this.#arm();
    });
    if (!fired) this.#cancel = cancel;
  }

  #disarm(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#armedAt = undefined;
  }
}
