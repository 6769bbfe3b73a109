import type { DormantJob } from './dormant-job.js';
import { DueQueue } from './due-queue.js';

/** Below this many stale entries, a sweep is not worth it. */
const MIN_SWEEP = 1024;

/**
 * The dormant jobs of a JobTable by tick, for waking them. Entries are not removed in place: a job
 * the table replaced or removed stays queued until it reaches the top (and is skipped there) or a
 * sweep drops it. Far-future jobs that are overwritten or deleted often would pile up until their
 * tick, so once stale entries may outnumber current ones the queue is rebuilt without them.
 */
export class DormantQueue {
  readonly #queue = new DueQueue<DormantJob>();
  readonly #isCurrent: (job: DormantJob) => boolean;
  #count = 0;
  /** Entries that went stale since the last sweep (an upper bound: some may have been taken). */
  #stale = 0;

  constructor(isCurrent: (job: DormantJob) => boolean) {
    this.#isCurrent = isCurrent;
  }

  /** Dormant jobs in the table (queued, being read back, or waiting for their watch event). */
  get count(): number {
    return this.#count;
  }

  /** A new dormant job of the table. */
  add(job: DormantJob): void {
    this.#count++;
    this.#queue.push(job);
  }

  /** A dormant job left the table (replaced, removed or revived). */
  forget(): void {
    this.#count--;
    this.#stale++;
    if (this.#stale >= MIN_SWEEP && this.#stale >= this.#count) {
      this.#queue.retain(this.#isCurrent);
      this.#stale = 0;
    }
  }

  /** Queues a job taken earlier again (its read failed), if it is still the table's. */
  putBack(job: DormantJob): void {
    if (this.#isCurrent(job)) this.#queue.push(job);
  }

  /** The current job with the earliest tick, dropping stale entries on the way. */
  peek(): DormantJob | undefined {
    for (;;) {
      const top = this.#queue.peek();
      if (!top || this.#isCurrent(top)) return top;
      this.#queue.pop();
      this.#stale = Math.max(0, this.#stale - 1);
    }
  }

  /** Removes and returns the current job with the earliest tick. */
  take(): DormantJob | undefined {
    const top = this.peek();
    if (top) this.#queue.pop();
    return top;
  }

  clear(): void {
    this.#queue.clear();
    this.#count = 0;
    this.#stale = 0;
  }
}
