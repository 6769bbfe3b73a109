import { DueQueue } from './due-queue.js';
import type { JobProgress, JobRecord } from './job.js';
import { nextFire } from './next-fire.js';

export type LiveJobState = 'waiting' | 'inflight' | 'staged' | 'done';

/** One job of an owned partition, as its owner tracks it between etcd reads. */
export interface LiveJob {
  readonly name: string;
  readonly partition: number;
  readonly record: JobRecord;
  /** The job record's mod revision: the incarnation this object stands for. */
  readonly modRevision: number;
  progress: JobProgress;
  /**
   * Whether a progress key may exist in etcd for this name. Every delete removes a job's progress
   * key with it, so a freshly created job has none: its last tick then deletes one key, not two.
   */
  progressStored: boolean;
  /** The scheduled tick the next delivery is for. */
  tick: number;
  /** When the next delivery may start: the tick, or a retry time after a failure. */
  dueAt: number;
  state: LiveJobState;
  token: number;
}

interface QueueEntry {
  at: number;
  job: LiveJob;
  token: number;
}

/**
 * The owner's in-memory view of its partitions: jobs by partition and name, a due-queue, and the
 * staged triggers per target. Pure bookkeeping; the trigger loop does the I/O.
 *
 * Jobs are keyed by (partition, name), as in etcd: with caller-chosen partition keys one name can
 * exist in two partitions, and those are two jobs.
 */
export class JobTable {
  readonly #partitions = new Map<number, Map<string, LiveJob>>();
  readonly #queue = new DueQueue<QueueEntry>();
  readonly #staged = new Map<string, Set<LiveJob>>();
  #size = 0;
  #token = 0;

  get size(): number {
    return this.#size;
  }

  get(partition: number, name: string): LiveJob | undefined {
    return this.#partitions.get(partition)?.get(name);
  }

  /**
   * Adds or replaces a job incarnation. Returns the live job, or undefined when the job has no tick
   * left (its owner should delete it). An unchanged incarnation keeps its in-memory state, so
   * re-listing never re-fires a trigger already in flight. `progressStored` says whether a progress
   * key may exist for the name (see LiveJob.progressStored); when unsure, pass true.
   */
  upsert(
    name: string,
    partition: number,
    record: JobRecord,
    modRevision: number,
    stored: JobProgress | undefined,
    progressStored = true,
  ): LiveJob | undefined {
    const existing = this.get(partition, name);
    if (existing && existing.modRevision === modRevision) return existing;
    if (existing) this.remove(partition, name);
    // A progress record from an older incarnation (before an overwrite) does not count.
    const progress: JobProgress =
      stored && stored.jobRevision === modRevision
        ? stored
        : { jobRevision: modRevision, count: 0, attempts: 0 };
    // While a tick is being retried its count and lastTick stay put, so this is that same tick.
    const tick = nextFire(record, progress);
    if (tick === undefined) return undefined;
    const job: LiveJob = {
      name,
      partition,
      record,
      modRevision,
      progress,
      progressStored,
      tick,
      dueAt: tick,
      state: 'waiting',
      token: 0,
    };
    let jobs = this.#partitions.get(partition);
    if (!jobs) this.#partitions.set(partition, (jobs = new Map()));
    jobs.set(name, job);
    this.#size++;
    this.enqueue(job, tick);
    return job;
  }

  /** Whether `job` is still the current incarnation of its name. */
  isCurrent(job: LiveJob): boolean {
    return job.token !== -1 && this.get(job.partition, job.name) === job;
  }

  remove(partition: number, name: string): LiveJob | undefined {
    const jobs = this.#partitions.get(partition);
    const job = jobs?.get(name);
    if (!jobs || !job) return undefined;
    jobs.delete(name);
    this.#size--;
    job.token = -1;
    if (job.state === 'staged') this.#staged.get(job.record.target)?.delete(job);
    job.state = 'done';
    return job;
  }

  /** Removes every job of `partition`; returns them (some may still be in flight). */
  removePartition(partition: number): LiveJob[] {
    const removed = this.jobsOf(partition);
    for (const job of removed) this.remove(partition, job.name);
    this.#partitions.delete(partition);
    return removed;
  }

  jobsOf(partition: number): LiveJob[] {
    return [...(this.#partitions.get(partition)?.values() ?? [])];
  }

  enqueue(job: LiveJob, dueAt: number): void {
    job.dueAt = dueAt;
    job.state = 'waiting';
    job.token = ++this.#token;
    this.#queue.push({ at: dueAt, job, token: job.token });
  }

  /** The earliest time a waiting job is due, skipping stale queue entries. */
  nextDueAt(): number | undefined {
    for (;;) {
      const top = this.#queue.peek();
      if (!top) return undefined;
      // A removed job's token is -1 and every re-enqueue or staging takes a new one.
      if (top.job.token === top.token && top.job.state === 'waiting') return top.at;
      this.#queue.pop();
    }
  }

  /** Takes the next job due at or before `nowMs`, if any. */
  takeDue(nowMs: number): LiveJob | undefined {
    const at = this.nextDueAt();
    if (at === undefined || at > nowMs) return undefined;
    return this.#queue.pop()?.job;
  }

  stage(job: LiveJob): void {
    job.state = 'staged';
    job.token = ++this.#token;
    let set = this.#staged.get(job.record.target);
    if (!set) this.#staged.set(job.record.target, (set = new Set()));
    set.add(job);
  }

  /** Un-stages every trigger waiting for `target`, due again at once. Returns how many. */
  releaseStaged(target: string): number {
    const set = this.#staged.get(target);
    if (!set) return 0;
    this.#staged.delete(target);
    let n = 0;
    for (const job of set) {
      if (this.isCurrent(job) && job.state === 'staged') {
        this.enqueue(job, job.dueAt);
        n++;
      }
    }
    return n;
  }

  stagedCount(): number {
    let n = 0;
    for (const set of this.#staged.values()) n += set.size;
    return n;
  }

  clear(): void {
    for (const partition of [...this.#partitions.keys()]) this.removePartition(partition);
    this.#queue.clear();
    this.#staged.clear();
  }
}
