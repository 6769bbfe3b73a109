import type { OrderTracker } from './tracker.js';

/** Counts as the live view shows them. */
export interface LiveCounts {
  elapsedMs: number;
  total: number;
  queued: number;
  running: number;
  awaiting: number;
  completed: number;
  cancelled: number;
  failed: number;
  compensated: number;
}

export function liveCounts(tracker: OrderTracker, elapsedMs: number): LiveCounts {
  return {
    elapsedMs,
    total: tracker.orders().length,
    queued: tracker.count('queued'),
    running: tracker.count('running'),
    awaiting: tracker.count('awaiting-approval'),
    completed: tracker.count('completed'),
    cancelled: tracker.count('rejected', 'approval-timeout'),
    failed: tracker.count('payment-failed', 'error'),
    compensated: tracker.count('compensated'),
  };
}

const BAR_WIDTH = 30;

/**
 * Live progress. On a terminal: a two-line block redrawn in place, with log lines printed above
 * it. Otherwise (CI, a pipe, a test): a plain line when something changed, at most every 2 s.
 */
export class ProgressView {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  #drawn = 0;
  #lastPlain = '';
  #lastPlainAt = 0;
  #last: LiveCounts | undefined;

  constructor(out: NodeJS.WriteStream = process.stdout) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  /** Prints a line above the live block (or just prints it). */
  log(line: string): void {
    this.#clear();
    this.#out.write(`${line}\n`);
    if (this.#tty && this.#last) this.render(this.#last, true);
  }

  render(counts: LiveCounts, force = false): void {
    this.#last = counts;
    const done = counts.completed + counts.cancelled + counts.failed + counts.compensated;
    const seconds = (counts.elapsedMs / 1000).toFixed(1).padStart(5);
    const states =
      `submitted ${counts.total - counts.queued} · running ${counts.running} · awaiting approval ${counts.awaiting} · ` +
      `completed ${counts.completed} · cancelled ${counts.cancelled} · failed ${counts.failed} · ` +
      `compensated ${counts.compensated}`;
    if (this.#tty) {
      const filled = Math.round((done / Math.max(1, counts.total)) * BAR_WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      // A wrapped line would break the redraw (it moves up by lines): keep each within the width.
      const width = Math.max(20, (this.#out.columns || 80) - 1);
      const compact =
        `run ${counts.running} · approval ${counts.awaiting} · ok ${counts.completed} · ` +
        `cancel ${counts.cancelled} · fail ${counts.failed} · comp ${counts.compensated}`;
      const second = (states.length <= width ? states : compact).slice(0, width);
      const first = `${seconds}s [${bar}] ${done}/${counts.total} orders done`.slice(0, width);
      this.#clear();
      this.#out.write(`${first}\n${second}\n`);
      this.#drawn = 2;
      return;
    }
    const line = `[${seconds}s] ${done}/${counts.total} done · ${states}`;
    const now = Date.now();
    if (force || (line !== this.#lastPlain && now - this.#lastPlainAt >= 2000)) {
      this.#out.write(`${line}\n`);
      this.#lastPlain = line;
      this.#lastPlainAt = now;
    }
  }

  /** Leaves the final state on screen. */
  finish(counts: LiveCounts): void {
    this.render(counts, true);
    this.#drawn = 0;
    this.#last = undefined;
  }

  #clear(): void {
    if (!this.#tty || this.#drawn === 0) return;
    // Up to the start of the block, then clear to the end of the screen.
    this.#out.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }
}
