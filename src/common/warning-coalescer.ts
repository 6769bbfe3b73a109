import { invalidInputMessage } from './invalid-input.js';
import { TickflowError } from './tickflow-error.js';

/**
 * Stands for warnings held back because one like them was reported shortly before; `cause` is the
 * latest of them.
 */
export class RepeatedWarning extends TickflowError {
  override name = 'RepeatedWarning';
  /** How many were held back. */
  readonly repeated: number;
  /** Over how long, in milliseconds. */
  readonly periodMs: number;

  constructor(latest: Error, repeated: number, periodMs: number) {
    const seconds = Math.max(1, Math.round(periodMs / 1000));
    const times = repeated === 1 ? 'once' : `${repeated} times`;
    super(`${latest.message} (repeated ${times} in the last ${seconds} s)`, { cause: latest });
    this.repeated = repeated;
    this.periodMs = periodMs;
  }
}

export interface WarningCoalescerOptions {
  /** At most one report per kind of warning in this long. Default 5000. */
  intervalMs?: number;
  /** Kinds tracked at once; past this, new kinds pass through uncounted. Default 100. */
  maxKinds?: number;
}

interface Window {
  openedAt: number;
  until: number;
  held: number;
  latest: Error;
}

/**
 * Decides which warnings to report so that a fault repeated by many callers (every in-flight
 * trigger retrying its commit while etcd is away) reads as one line plus a count instead of
 * thousands. The first warning of a kind is reported at once; others like it within `intervalMs`
 * are held back and counted, and when the interval ends a single RepeatedWarning reports the count.
 * While they keep coming, one RepeatedWarning per interval follows.
 *
 * Two warnings are of one kind when their names match and so do their messages with numbers
 * ignored: timings, ports and revisions differ between otherwise identical errors.
 *
 * Pure: time comes in as arguments; the caller arms a timer for `nextFlushAt()` and calls `flush`.
 */
export class WarningCoalescer {
  readonly #intervalMs: number;
  readonly #maxKinds: number;
  readonly #windows = new Map<string, Window>();

  constructor(options: WarningCoalescerOptions = {}) {
    const { intervalMs = 5_000, maxKinds = 100 } = options;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(invalidInputMessage('intervalMs', intervalMs, 'a number of milliseconds > 0'));
    }
    if (!Number.isSafeInteger(maxKinds) || maxKinds < 1) {
      throw new RangeError(invalidInputMessage('maxKinds', maxKinds, 'an integer >= 1'));
    }
    this.#intervalMs = intervalMs;
    this.#maxKinds = maxKinds;
  }

  /** The warnings to report now for `error` (none when it is held back). */
  offer(error: Error, now: number): Error[] {
    const kind = kindOf(error);
    const window = this.#windows.get(kind);
    if (window && now < window.until) {
      window.held++;
      window.latest = error;
      return [];
    }
    if (window && window.held > 0) {
      // The flush is overdue (a late timer): report the count, and count this one in a new window.
      const summary = this.#summary(window, now);
      this.#windows.set(kind, { openedAt: now, until: now + this.#intervalMs, held: 1, latest: error });
      return [summary];
    }
    if (!window && this.#windows.size >= this.#maxKinds) {
      this.#dropQuiet(now);
      if (this.#windows.size >= this.#maxKinds) return [error];
    }
    this.#windows.set(kind, { openedAt: now, until: now + this.#intervalMs, held: 0, latest: error });
    return [error];
  }

  /** When the next count is owed, if any warning is held back. */
  nextFlushAt(): number | undefined {
    let next: number | undefined;
    for (const window of this.#windows.values()) {
      if (window.held > 0 && (next === undefined || window.until < next)) next = window.until;
    }
    return next;
  }

  /**
   * The counts owed by `now`. A kind that was held back stays watched for another interval, so a
   * fault that goes on yields one count per interval rather than a fresh first report each time.
   */
  flush(now: number): RepeatedWarning[] {
    const out: RepeatedWarning[] = [];
    for (const [kind, window] of this.#windows) {
      if (now < window.until) continue;
      if (window.held === 0) {
        this.#windows.delete(kind);
        continue;
      }
      out.push(this.#summary(window, now));
      this.#windows.set(kind, {
        openedAt: now,
        until: now + this.#intervalMs,
        held: 0,
        latest: window.latest,
      });
    }
    return out;
  }

  /** Every count still owed, whatever the time (e.g. when the reporter stops); forgets every kind. */
  drain(now: number): RepeatedWarning[] {
    const out: RepeatedWarning[] = [];
    for (const window of this.#windows.values()) if (window.held > 0) out.push(this.#summary(window, now));
    this.#windows.clear();
    return out;
  }

  #summary(window: Window, now: number): RepeatedWarning {
    return new RepeatedWarning(window.latest, window.held, Math.max(0, now - window.openedAt));
  }

  /** Forgets kinds whose window ended with nothing held back. */
  #dropQuiet(now: number): void {
    for (const [kind, window] of this.#windows) {
      if (window.held === 0 && now >= window.until) this.#windows.delete(kind);
    }
  }
}

function kindOf(error: Error): string {
  return `${error.name}\0${error.message.replace(/\d+(\.\d+)?/g, '#')}`;
}
