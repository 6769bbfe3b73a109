import { Task } from './task.js';

/**
 * A durable timer. `cancel()` tells the runtime the timer is no longer needed (its
 * reminder-job is deleted) and fails the task with `TaskCanceledError`, so anything waiting on
 * it moves on instead of hanging.
 */
export class TimerTask extends Task<undefined> {
  /** The timer's sequence id. */
  readonly id: number;
  /** When the timer is due (resolved against the step's deterministic "now"). */
  readonly fireAt: Date;
  #cancel: () => void;
  #cancelled = false;

  constructor(id: number, fireAt: Date, cancel: () => void) {
    super();
    this.id = id;
    this.fireAt = fireAt;
    this.#cancel = cancel;
  }

  /** True once `cancel()` has cancelled the timer. */
  get isCancelled(): boolean {
    return this.#cancelled;
  }

  /** Cancels a pending timer; returns false if it had already fired or been cancelled. */
  cancel(): boolean {
    if (this.isComplete) return false;
    this.#cancelled = true;
    this.#cancel();
    return true;
  }
}
