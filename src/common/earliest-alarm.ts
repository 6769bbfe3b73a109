import type { Clock } from './clock.js';

/**
 * One pending wake-up on a clock, kept at the earliest time asked for: asking for a later time
 * than the armed one changes nothing, an earlier one re-arms. Loops that sleep until their next
 * piece of work (the trigger loop, the dormant-job waker) share it.
 */
export class EarliestAlarm {
  readonly #clock: Clock;
  readonly #onAlarm: () => void;
  #cancel: (() => void) | undefined;
  #at: number | undefined;

  constructor(clock: Clock, onAlarm: () => void) {
    this.#clock = clock;
    this.#onAlarm = onAlarm;
  }

  /** Calls back at `at` unless the alarm is already set for that time or earlier. */
  arm(at: number): void {
    if (this.#at !== undefined && this.#at <= at) return;
    this.disarm();
    this.#at = at;
    // A clock may call back synchronously for a time already past, and the callback may arm the
    // alarm again: keep the returned cancel only if this arming is still the live one.
    let fired = false;
    const cancel = this.#clock.schedule(at, () => {
      fired = true;
      if (this.#at === at) {
        this.#cancel = undefined;
        this.#at = undefined;
      }
      this.#onAlarm();
    });
    if (!fired) this.#cancel = cancel;
  }

  disarm(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#at = undefined;
  }
}
