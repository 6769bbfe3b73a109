import type { Clock } from './clock.js';

interface Pending {
  atMs: number;
  seq: number;
  fn: () => void;
}

/**
 * A manual clock for tests and the time-skipping environment: time moves only when
 * `advance`/`advanceTo` is called, and due callbacks run in due order.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  /** A clock that reads `startMs` (epoch milliseconds; default 2026-01-01T00:00:00Z) until advanced. */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(atMs: number, fn: () => void): () => void {
    const entry: Pending = { atMs, seq: this.#seq++, fn };
    this.#pending.push(entry);
    this.#pending.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    return () => {
      this.#pending = this.#pending.filter((p) => p !== entry);
    };
  }

  /** The earliest time a callback is waiting for, if any. */
  nextDue(): number | undefined {
    return this.#pending[0]?.atMs;
  }

  /** Moves time forward by `ms` milliseconds, running due callbacks as `advanceTo` does. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `targetMs`, running each due callback with `now()` at its due time. */
  advanceTo(targetMs: number): void {
    for (;;) {
      const next = this.#pending[0];
      if (!next || next.atMs > targetMs) break;
      this.#pending.shift();
      this.#now = Math.max(this.#now, next.atMs);
      next.fn();
    }
    this.#now = Math.max(this.#now, targetMs);
  }
}
