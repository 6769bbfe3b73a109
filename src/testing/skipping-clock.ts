import { FakeClock } from '../common/fake-clock.js';

/**
 * The virtual clock of a time-skipping environment. Time moves only when the environment moves
 * it, but a callback that is already due (a job due "now", a retry at the current instant) runs
 * on its own a moment later, as it would on a real clock: the system keeps working at a frozen
 * instant. Callbacks never run inside `schedule` itself, because callers (the trigger loop) keep
 * the returned cancel function and expect it to exist before their callback runs.
 */
export class SkippingClock extends FakeClock {
  #firing = false;
  #listeners = new Set<() => void>();

  override schedule(atMs: number, fn: () => void): () => void {
    const cancel = super.schedule(atMs, fn);
    if (atMs <= this.now()) this.#fireSoon();
    for (const listener of this.#listeners) listener();
    return cancel;
  }

  /** True when a callback is waiting for the current instant (or an earlier one). */
  hasDueNow(): boolean {
    const next = this.nextDue();
    return next !== undefined && next <= this.now();
  }

  /** Runs every callback due at the current instant; time does not move. */
  fireDue(): void {
    this.advanceTo(this.now());
  }

  /** Calls `listener` whenever something is scheduled; returns the function that stops it. */
  onSchedule(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #fireSoon(): void {
    if (this.#firing) return;
    this.#firing = true;
    setImmediate(() => {
      this.#firing = false;
      this.fireDue();
    });
  }
}
