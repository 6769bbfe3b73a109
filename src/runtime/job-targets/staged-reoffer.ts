import type { Clock } from '../../common/clock.js';

/** The first wait before staged ticks are offered again, and the cap it doubles up to. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/**
 * Offers the staged ticks of a target again after a pause that doubles while they keep being
 * staged (500 ms up to 10 s), and starts from 500 ms after one succeeds. A tick is staged when the
 * store cannot be reached: no retry of its failure policy is spent on an outage, and nothing
 * else would offer it again (no handler is missing). One timer per target at most.
 */
export class StagedReoffer {
  readonly #clock: Clock;
  readonly #retryStaged: (target: string) => void;
  readonly #armed = new Map<string, () => void>();
  readonly #delays = new Map<string, number>();
  #stopped = false;

  constructor(clock: Clock, retryStaged: (target: string) => void) {
    this.#clock = clock;
    this.#retryStaged = retryStaged;
  }

  /** A tick of `target` was staged: offer the target's staged ticks again after the pause. */
  staged(target: string): void {
    if (this.#stopped || this.#armed.has(target)) return;
    const delay = this.#delays.get(target) ?? FIRST_DELAY_MS;
    this.#delays.set(target, Math.min(delay * 2, MAX_DELAY_MS));
    let fired = false;
    const cancel = this.#clock.schedule(this.#clock.now() + delay, () => {
      fired = true;
      this.#armed.delete(target);
      this.#retryStaged(target);
    });
    // A clock may run a callback at once; then there is nothing left to cancel.
    if (!fired) this.#armed.set(target, cancel);
  }

  /** A tick of `target` acted: the next outage starts again from the first pause. */
  succeeded(target: string): void {
    this.#delays.delete(target);
  }

  /** Cancels the pending offers (the runtime stops; its partitions' ticks go to other replicas). */
  stop(): void {
    this.#stopped = true;
    for (const cancel of this.#armed.values()) cancel();
    this.#armed.clear();
  }
}
