import type { IdleProbe } from './idle-probe.js';
import type { SkippingClock } from './skipping-clock.js';

/** What to do when a skipping wait has nothing left to skip to. */
export interface SkipUntilOptions {
  /** Real milliseconds after which the wait gives up with `onTimeout()`. */
  timeoutMs: number;
  onTimeout(): Error | Promise<Error>;
  /** Every instance is idle and no timer is left: the condition can only come true from outside. */
  onStall(): Error | Promise<Error>;
}

/**
 * Moves the virtual clock of a time-skipping environment: only when every instance is idle, and
 * only to the next due callback, so timers fire in due order and each one's work (steps,
 * activities, the timers it creates) is done at its own virtual time before time moves again.
 * Moves are serialised: two concurrent waits never move the clock past each other's work.
 */
export class TimeSkipper {
  readonly #clock: SkippingClock;
  readonly #probe: IdleProbe;
  readonly #stallGraceMs: number;
  #lock: Promise<void> = Promise.resolve();

  constructor(clock: SkippingClock, probe: IdleProbe, stallGraceMs: number) {
    this.#clock = clock;
    this.#probe = probe;
    this.#stallGraceMs = stallGraceMs;
  }

  /** Waits until every instance is idle at the current virtual time. */
  settle(): Promise<void> {
    return this.#exclusive(() => this.#probe.settle());
  }

  /** Moves time to `targetMs`, firing every callback due on the way, each at its own time. */
  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      const moved = await this.#exclusive(async () => {
        await this.#probe.settle();
        const next = this.#clock.nextDue();
        if (next !== undefined && next <= targetMs) {
          this.#clock.advanceTo(next);
          return true;
        }
        this.#clock.advanceTo(Math.max(targetMs, this.#clock.now()));
        await this.#probe.settle();
        return false;
      });
      if (!moved) return;
    }
  }

  /**
   * Skips from one due callback to the next until `condition` holds (checked whenever everything
   * is idle). Rejects with `onStall()` when nothing is left to skip to, after a short real-time
   * grace for work started concurrently (an event raised right after the wait began).
   */
  async skipUntil(condition: () => Promise<boolean>, options: SkipUntilOptions): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw await options.onTimeout();
      const outcome = await this.#exclusive(async (): Promise<'done' | 'moved' | 'stalled'> => {
        await this.#probe.settle();
        if (await condition()) return 'done';
        // Someone (the test itself) started work while the condition was read: settle again.
        if (this.#probe.busy) return 'moved';
        const next = this.#clock.nextDue();
        if (next === undefined) return 'stalled';
        this.#clock.advanceTo(next);
        return 'moved';
      });
      if (outcome === 'done') return;
      if (outcome === 'stalled' && !(await this.#probe.nextSchedule(this.#stallGraceMs))) {
        throw await options.onStall();
      }
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
