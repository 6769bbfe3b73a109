import { DormantJob } from './dormant-job.js';
import { DormantStore, type DormantFields } from './dormant-store.js';
import { DueQueue } from './due-queue.js';
import type { JobProgress, JobRecord } from './schedule/job.js';
import type { LiveJob } from './live-job.js';
import { nextFire } from './schedule/next-fire.js';

/** How far ahead of now a job's next tick may be for the job to be kept in full (live). */
export const DEFAULT_HORIZON_MS = 60_000;

/** A job of an owned partition: in full, or dormant until its tick comes within the horizon. */
export type TableJob = LiveJob | DormantJob;

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
 *
 * Memory: a job whose next tick is more than `horizonMs` ahead is kept dormant: no record, only
 * its name and a few numbers, in columns (DormantStore, which also finds them by partition and
 * name). Dormant jobs wait in their own queue, by tick, until they are half a horizon from due;
 * then `takeWaking` hands them out (as DormantJob snapshots) to be read again from etcd and
 * `revive` makes them live. The half-horizon gap means a job is dormant for at least that long, so no read is wasted on a job
 * that would have been due at once, and a read has that long to complete before the tick.
 */
export class JobTable {
  /** Live jobs per partition, by name. Dormant ones are in `#dormant` (never both for one name). */
  readonly #partitions = new Map<number, Map<string, LiveJob>>();
  readonly #queue = new DueQueue<QueueEntry>();
  readonly #dormant = new DormantStore();
  readonly #staged = new Map<string, Set<LiveJob>>();
  /**
   * Live jobs whose current tick was taken for delivery and is not complete yet: in flight,
   * waiting for a retry, staged, or whose outcome could not be recorded. Their tick is overdue
   * however far ahead a retry is queued, so `oldestOverdue` reads them here rather than from the
   * queue. Bounded by the in-flight cap plus retries and staged triggers.
   */
  readonly #started = new Set<LiveJob>();
  readonly #horizonMs: number;
  /** Targets whose jobs are never made dormant (see TimerServiceOptions.liveTargets). */
  readonly #liveTargets: ReadonlySet<string>;
  readonly #wakeLeadMs: number;
  #size = 0;
  #token = 0;

  constructor(options: { horizonMs?: number; liveTargets?: ReadonlySet<string> } = {}) {
    this.#horizonMs = options.horizonMs ?? DEFAULT_HORIZON_MS;
    this.#liveTargets = options.liveTargets ?? new Set();
    this.#wakeLeadMs = this.#horizonMs / 2;
  }

  /** Jobs in the table, live and dormant. */
  get size(): number {
    return this.#size;
  }

  /** Jobs kept dormant (waiting, being read back, or waiting for their watch event). */
  get dormantCount(): number {
    return this.#dormant.size;
  }

  /** The job; a dormant one as a fresh snapshot (see DormantJob). */
  get(partition: number, name: string): TableJob | undefined {
    const live = this.#partitions.get(partition)?.get(name);
    if (live) return live;
    const slot = this.#dormant.find(partition, name);
    return slot === undefined ? undefined : this.#snapshot(slot);
  }

  /**
   * Adds or replaces a job incarnation. Returns the job (live, or dormant when its tick is more
   * than the horizon after `nowMs`), or undefined when the job has no tick left (its owner should
   * delete it). An unchanged incarnation keeps its in-memory state, so re-listing never re-fires a
   * trigger already in flight. `progressStored` says whether a progress key may exist for the name
   * (see LiveJob.progressStored); when unsure, pass true.
   */
  upsert(
    name: string,
    partition: number,
    record: JobRecord,
    modRevision: number,
    stored: JobProgress | undefined,
    progressStored: boolean,
    nowMs: number,
  ): TableJob | undefined {
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
    // The record's copy of the name is a string of its own; the key's may be a slice that keeps
    // the whole key alive.
    const own = record.name === name ? record.name : name;
    if (this.#beyondHorizon(tick, progress, nowMs, record.target)) {
      return this.#addDormant({
        name: own,
        partition,
        modRevision,
        tick,
        count: progress.count,
        lastTick: progress.lastTick,
        progressStored,
      });
    }
    return this.#addLive(own, partition, record, modRevision, progress, progressStored, tick);
  }

  /** Whether `job` is still the current incarnation of its name. */
  isCurrent(job: TableJob): boolean {
    // A slot keeps its generation while it holds the same job, so that is the whole check.
    if (job.state === 'dormant') return this.#dormant.has(job.slot, job.generation);
    return job.token !== -1 && this.#partitions.get(job.partition)?.get(job.name) === job;
  }

  remove(partition: number, name: string): TableJob | undefined {
    const jobs = this.#partitions.get(partition);
    const job = jobs?.get(name);
    if (!jobs || !job) {
      const slot = this.#dormant.find(partition, name);
      if (slot === undefined) return undefined;
      const snapshot = this.#snapshot(slot);
      this.#dormant.free(slot);
      this.#size--;
      return snapshot;
    }
    jobs.delete(name);
    this.#size--;
    this.#started.delete(job);
    job.token = -1;
    if (job.state === 'staged') this.#staged.get(job.record.target)?.delete(job);
    job.state = 'done';
    return job;
  }

  /** Removes every job of `partition`; returns them (some may still be in flight). */
  removePartition(partition: number): TableJob[] {
    const removed = this.jobsOf(partition);
    for (const job of removed) this.remove(partition, job.name);
    this.#partitions.delete(partition);
    return removed;
  }

  /** The jobs of `partition`; dormant ones as snapshots. */
  jobsOf(partition: number): TableJob[] {
    const out: TableJob[] = [...(this.#partitions.get(partition)?.values() ?? [])];
    for (const slot of this.#dormant.slotsOf(partition)) out.push(this.#snapshot(slot));
    return out;
  }

  /**
   * Queues the next tick of a live job whose previous tick just completed (`job.tick` and
   * `job.progress` already updated), or, when that tick is beyond the horizon, puts the job to
   * sleep: the dormant entry replaces it. Returns true when the job went dormant.
   */
  requeue(job: LiveJob, nowMs: number): boolean {
    this.#started.delete(job); // its tick moved on: the new one has not been taken
    if (!this.#beyondHorizon(job.tick, job.progress, nowMs, job.record.target)) {
      this.enqueue(job, job.tick);
      return false;
    }
    const { name, partition } = job;
    this.remove(partition, name);
    const p = job.progress;
    this.#addDormant({
      name,
      partition,
      modRevision: job.modRevision,
      tick: job.tick,
      count: p.count,
      lastTick: p.lastTick,
      progressStored: job.progressStored,
    });
    return true;
  }

  /** When the earliest dormant job should be read back. */
  nextWakeAt(): number | undefined {
    const tick = this.#dormant.firstTick();
    return tick === undefined ? undefined : tick - this.#wakeLeadMs;
  }

  /**
   * Takes up to `max` dormant jobs due to be read back at `nowMs`. They stay in the table, dormant,
   * until `revive` (or a watch event) replaces them; one that cannot be read goes back with `sleep`.
   */
  takeWaking(nowMs: number, max: number): DormantJob[] {
    const out: DormantJob[] = [];
    while (out.length < max) {
      const at = this.nextWakeAt();
      if (at === undefined || at > nowMs) break;
      const slot = this.#dormant.takeFirst();
      if (slot === undefined) break;
      out.push(new DormantJob(this.#dormant.fields(slot), slot, this.#dormant.generation(slot)));
    }
    return out;
  }

  /** Puts back a dormant job taken by `takeWaking` (its read failed), if it is still current. */
  sleep(job: DormantJob): void {
    if (this.isCurrent(job)) this.#dormant.putBack(job.slot);
  }

  /**
   * Makes a dormant job live again from its record, read back at the same mod revision. Returns
   * undefined when the dormant entry is no longer current (a watch event replaced or removed it
   * while the record was read, or the partition was released).
   */
  revive(dormant: DormantJob, record: JobRecord): LiveJob | undefined {
    if (!this.isCurrent(dormant)) return undefined;
    this.remove(dormant.partition, dormant.name);
    const progress: JobProgress = {
      jobRevision: dormant.modRevision,
      count: dormant.count,
      attempts: 0,
    };
    if (dormant.lastTick !== undefined) progress.lastTick = dormant.lastTick;
    const { name, partition, modRevision, progressStored, tick } = dormant;
    return this.#addLive(name, partition, record, modRevision, progress, progressStored, tick);
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
    const job = this.#queue.pop()?.job;
    if (job) this.#started.add(job);
    return job;
  }

  /**
   * For each partition with a tick due at or before `nowMs` that is not delivered yet, the
   * earliest such tick (the job's scheduled tick, not a retry time): waiting for a free in-flight
   * slot, in flight, between retries, staged, or dormant and not yet read back. A partition absent
   * from the map has nothing overdue. A stall (etcd failing, a callback failing for good, a
   * read-back that keeps failing) shows as a tick that keeps getting older.
   *
   * Cost: the overdue entries of the due-queue, plus the started and waking sets. Only when a
   * dormant job is already past its tick (read-backs are normally done half a horizon early) are
   * all jobs scanned, since the dormant queue cannot be walked by tick.
   */
  oldestOverdue(nowMs: number): Map<number, number> {
    const oldest = new Map<number, number>();
    const note = (partition: number, tick: number): void => {
      if (tick > nowMs) return;
      const seen = oldest.get(partition);
      if (seen === undefined || tick < seen) oldest.set(partition, tick);
    };
    this.#queue.visitUpTo(nowMs, ({ job, token }) => {
      if (job.token === token && job.state === 'waiting') note(job.partition, job.tick);
    });
    for (const job of this.#started) note(job.partition, job.tick);
    const dormant = this.#dormant;
    for (const slot of dormant.waking()) note(dormant.partitionOf(slot), dormant.tickOf(slot));
    const first = dormant.firstTick();
    if (first !== undefined && first <= nowMs) dormant.forEach(note);
    return oldest;
  }

  /**
   * Brings forward to `nowMs` the live one-shot jobs with `target` (in `partitions`, or in every
   * partition) that wait for a later tick and for which `pick` holds: each fires once, now, as if
   * that were its tick. Recurring jobs keep their schedule, and dormant jobs (more than a horizon
   * ahead) their time. Only memory changes: a job handed over first fires at its stored time.
   * Returns how many were brought forward. Cost: the live jobs of those partitions.
   */
  expedite(
    target: string,
    pick: (data: JobRecord['data']) => boolean,
    nowMs: number,
    partitions?: Iterable<number>,
  ): number {
    let n = 0;
    for (const p of partitions ?? [...this.#partitions.keys()]) {
      for (const job of this.#partitions.get(p)?.values() ?? []) {
        const { record } = job;
        if (job.state !== 'waiting' || job.dueAt <= nowMs || record.target !== target) continue;
        if (record.schedule !== undefined || !pick(record.data)) continue;
        job.tick = nowMs;
        this.enqueue(job, nowMs);
        n++;
      }
    }
    return n;
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
    this.#dormant.clear();
    this.#size = 0;
    this.#staged.clear();
    this.#started.clear();
  }

  /**
   * Retries are never put to sleep: their time is not derivable from the record and progress, and
   * a tick only fails once it is due, so a retried tick is never far ahead anyway.
   */
  #beyondHorizon(tick: number, progress: JobProgress, nowMs: number, target: string): boolean {
    return tick - nowMs > this.#horizonMs && progress.attempts === 0 && !this.#liveTargets.has(target);
  }

  #snapshot(slot: number): DormantJob {
    return new DormantJob(this.#dormant.fields(slot), slot, this.#dormant.generation(slot));
  }

  #addLive(
    name: string,
    partition: number,
    record: JobRecord,
    modRevision: number,
    progress: JobProgress,
    progressStored: boolean,
    tick: number,
  ): LiveJob {
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

  #addDormant(fields: DormantFields): DormantJob {
    const slot = this.#dormant.add(fields);
    this.#size++;
    return new DormantJob(fields, slot, this.#dormant.generation(slot));
  }
}
