import { EarliestAlarm } from '../common/earliest-alarm.js';
import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../common/clock.js';
import type { CommitItem, GroupCommit } from '../etcd/group-commit.js';
import type { StoreOp } from '../etcd/store-op.js';
import { afterFailure } from './schedule/failure-decision.js';
import type { JobProgress, JobTrigger, TriggerHandler, TriggerResult } from './schedule/job.js';
import type { ScopeKeys } from './job-keys.js';
import type { JobTable } from './job-table.js';
import type { LiveJob } from './live-job.js';
import { nextFire } from './schedule/next-fire.js';
import type { TimerServiceEvents } from './timer-events.js';
import { asError } from '../common/as-error.js';
import { retryWithBackoff, type BackoffPolicy } from '../common/backoff.js';

export interface TriggerLoopOptions {
  table: JobTable;
  clock: Clock;
  commit: GroupCommit;
  keys: ScopeKeys;
  events: EventEmitter<TimerServiceEvents>;
  /** Reports a warning (coalesced by the service, so a retry loop cannot flood). */
  warn: (error: Error) => void;
  namespace: string;
  appId: string;
  /** Triggers handed to handlers and not yet settled, across all jobs. */
  maxInFlight: number;
  /** Called after a completed tick put its job to sleep (next tick beyond the horizon). */
  onSleep(): void;
}

const COMMIT_RETRY: BackoffPolicy = { firstMs: 250, maxMs: 250 };
/** How long a job whose next tick could not be computed waits before it is computed again. */
const NEXT_FIRE_RETRY_MS = 1_000;

/**
 * Fires due jobs of the owned partitions and records the outcome. A job's ticks go out one at a
 * time: the next tick is queued only after the previous one's progress is durable, so a crash
 * can repeat a tick (at-least-once) but never reorder ticks.
 */
export class TriggerLoop {
  readonly #o: TriggerLoopOptions;
  readonly #handlers = new Map<string, TriggerHandler>();
  readonly #inFlight = new Set<LiveJob>();
  readonly #alarm: EarliestAlarm;
  #running = false;
  /** Set when the replica begins to stop: no new triggers, and commits stop retrying. */
  #stopping = false;
  /** Commits sleeping before a retry; stopping aborts their pause so they can give up at once. */
  #stopSignal = new AbortController();
  /** Cancels for pending recomputations of a next tick that threw. */
  readonly #advanceRetries = new Set<() => void>();
  #idleWaiters: Array<() => void> = [];

  constructor(options: TriggerLoopOptions) {
    this.#o = options;
    this.#alarm = new EarliestAlarm(options.clock, () => this.#fireDue());
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#running = true;
    this.#stopping = false;
    this.#stopSignal = new AbortController();
    this.wake();
  }

  /**
   * First phase of stopping: fire nothing new and let commits that wait for etcd give up, so
   * handing partitions back cannot hang on an unreachable etcd. A tick whose completion was not
   * recorded fires again on its next owner (at-least-once).
   */
  beginStop(): void {
    this.#stopping = true;
    this.#stopSignal.abort();
  }

  stop(): void {
    this.#running = false;
    for (const cancel of this.#advanceRetries) cancel();
    this.#advanceRetries.clear();
    this.#alarm.disarm();
  }

  setHandler(target: string, handler: TriggerHandler | undefined): void {
    if (handler) {
      this.#handlers.set(target, handler);
      this.#o.table.releaseStaged(target);
      this.wake();
    } else {
      this.#handlers.delete(target);
    }
  }

  /** Re-offers staged triggers of `target` (e.g. once an app answers again). */
  retryStaged(target: string): void {
    if (this.#o.table.releaseStaged(target) > 0) this.wake();
  }

  /** Resolves once no trigger of `partition` (or of any partition) is in flight. */
  async drain(partition?: number): Promise<void> {
    const busy = (): boolean =>
      [...this.#inFlight].some((j) => partition === undefined || j.partition === partition);
    while (busy()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Re-arms the clock for the earliest due job; call after the table changes. */
  wake(): void {
    if (!this.#running) return;
    const at = this.#o.table.nextDueAt();
    if (at === undefined) this.#alarm.disarm();
    else this.#alarm.arm(at);
  }

  #fireDue(): void {
    if (!this.#running || this.#stopping) return;
    const now = this.#o.clock.now();
    while (this.#inFlight.size < this.#o.maxInFlight) {
      const job = this.#o.table.takeDue(now);
      if (!job) break;
      this.#dispatch(job, now);
    }
    // At the in-flight cap, the next settle calls wake() again.
    if (this.#inFlight.size < this.#o.maxInFlight) this.wake();
  }

  #dispatch(job: LiveJob, now: number): void {
    const handler = this.#handlers.get(job.record.target);
    if (!handler) {
      this.#stage(job);
      return;
    }
    job.state = 'inflight';
    this.#inFlight.add(job);
    const trigger: JobTrigger = {
      name: job.name,
      namespace: this.#o.namespace,
      appId: this.#o.appId,
      target: job.record.target,
      data: job.record.data,
      scheduledAt: new Date(job.tick),
      attempt: job.progress.attempts + 1,
      count: job.progress.count,
      jobRevision: job.modRevision,
    };
    // Plain callbacks rather than an async closure: this runs once per trigger, and at burst rates
    // every promise hop and closure shows up in GC time.
    let answer: TriggerResult | Promise<TriggerResult>;
    try {
      answer = handler(trigger);
    } catch (error) {
      this.#o.warn(asError(error));
      answer = 'failed';
    }
    if (typeof answer === 'string') {
      this.#finish(job, job.tick, trigger.attempt, now, answer);
      return;
    }
    const tick = job.tick;
    Promise.resolve(answer).then(
      (result) => this.#finish(job, tick, trigger.attempt, now, result),
      (error: unknown) => {
        this.#o.warn(asError(error));
        this.#finish(job, tick, trigger.attempt, now, 'failed');
      },
    );
  }

  /** Reports a delivery and records its outcome; the job leaves the in-flight set once durable. */
  #finish(job: LiveJob, tick: number, attempt: number, firedAt: number, result: TriggerResult): void {
    // Built only when someone listens (the server's metrics): at burst rates each object counts.
    if (this.#o.events.listenerCount('triggered') > 0) {
      this.#o.events.emit('triggered', {
        name: job.name,
        target: job.record.target,
        partition: job.partition,
        scheduledAt: tick,
        firedAt,
        attempt,
        result,
      });
    }
    const done = (): void => {
      this.#inFlight.delete(job);
      this.#notifyIdle();
      this.wake();
    };
    let settling: Promise<void> | undefined;
    try {
      settling = this.#settle(job, result);
    } catch (error) {
      this.#o.warn(asError(error));
    }
    if (settling === undefined) done();
    else
      settling.then(done, (error: unknown) => {
        this.#o.warn(asError(error));
        done();
      });
  }

  #stage(job: LiveJob): void {
    this.#o.table.stage(job);
    this.#o.events.emit('staged', job.name, job.record.target);
  }

  /**
   * Records the outcome of a delivery; undefined when nothing is left to wait for. Plain promise
   * chains rather than async functions: this runs once per trigger, and what a trigger allocates
   * stays alive for its commit's round trip, so at burst rates every layer is paid in GC time.
   */
  #settle(job: LiveJob, result: TriggerResult): Promise<void> | undefined {
    if (!this.#o.table.isCurrent(job)) return undefined; // overwritten, deleted or handed over meanwhile
    if (result === 'undeliverable') {
      this.#stage(job);
      return undefined;
    }
    if (result === 'failed') {
      const decision = afterFailure(job.record, job.progress, this.#o.clock.now());
      if ('retryAt' in decision) {
        const progress: JobProgress = { ...job.progress, attempts: job.progress.attempts + 1 };
        // Losing this write only costs a retry count after failover; the retry itself is in memory.
        return this.#writeProgress(job, progress).then((ok) => {
          if (ok && this.#o.table.isCurrent(job)) {
            job.progress = progress;
            this.#o.table.enqueue(job, decision.retryAt);
          }
        });
      }
    }
    return this.#advance(job, {
      jobRevision: job.modRevision,
      count: job.progress.count + 1,
      lastTick: job.tick,
      attempts: 0,
    });
  }

  /** Records a finished tick and queues the next one, or deletes the job when none is left. */
  #advance(job: LiveJob, progress: JobProgress): Promise<void> | undefined {
    let next: number | undefined;
    try {
      next = nextFire(job.record, progress);
    } catch (error) {
      // Not "no tick left": keep the job (not queued, its tick not recorded) and compute again
      // later. If this replica stops first, the next owner repeats the tick (at least once).
      this.#o.warn(asError(error));
      this.#retryAdvance(job, progress);
      return undefined;
    }
    if (next === undefined) {
      const key = this.#o.keys.jobKey(job.partition, job.name);
      const ops: StoreOp[] = [{ op: 'delete', key }];
      if (job.progressStored)
        ops.push({ op: 'delete', key: this.#o.keys.progressKey(job.partition, job.name) });
      return this.#commitUntilDone(job, ops, key).then((ok) => {
        if (!ok) return;
        // Our own delete may already have come back through the watch and removed it.
        if (this.#o.table.isCurrent(job)) this.#o.table.remove(job.partition, job.name);
        this.#o.events.emit('jobEnded', job.name);
      });
    }
    const tick = next;
    return this.#writeProgress(job, progress).then((ok) => {
      if (!ok || !this.#o.table.isCurrent(job)) return;
      job.progress = progress;
      job.tick = tick;
      if (this.#o.table.requeue(job, this.#o.clock.now())) this.#o.onSleep();
    });
  }

  #retryAdvance(job: LiveJob, progress: JobProgress): void {
    const cancel = this.#o.clock.schedule(this.#o.clock.now() + NEXT_FIRE_RETRY_MS, () => {
      this.#advanceRetries.delete(cancel);
      if (!this.#running || this.#stopping || !this.#o.table.isCurrent(job)) return;
      Promise.resolve(this.#advance(job, progress)).then(
        () => this.wake(),
        (error: unknown) => this.#o.warn(asError(error)),
      );
    });
    this.#advanceRetries.add(cancel);
  }

  #writeProgress(job: LiveJob, progress: JobProgress): Promise<boolean> {
    // Set before the write: if it is lost in flight, the key may still exist.
    job.progressStored = true;
    return this.#commitUntilDone(job, [
      { op: 'put', key: this.#o.keys.progressKey(job.partition, job.name), value: JSON.stringify(progress) },
    ]);
  }

  /**
   * Commits `ops` guarded by the job's incarnation, retrying while etcd is unavailable. Resolves
   * false when the job changed underneath (overwritten or deleted), or this replica stopped or lost
   * the partition while etcd was away: then the stored job is the truth and its owner fires it again.
   *
   * The first attempt goes out directly and only a failure enters the retry loop: nearly every
   * commit succeeds at once, and the loop's closures would otherwise live through every round trip.
   */
  #commitUntilDone(
    job: LiveJob,
    ops: StoreOp[],
    jobKey = this.#o.keys.jobKey(job.partition, job.name),
  ): Promise<boolean> {
    const item = { guards: [{ key: jobKey, modRevision: job.modRevision }], ops };
    return this.#o.commit.submit(item).then(
      (outcome) => outcome.succeeded,
      (error: unknown) => this.#retryCommit(job, item, error),
    );
  }

  /** `#commitUntilDone` after its first attempt failed with `firstError`. */
  async #retryCommit(job: LiveJob, item: CommitItem, firstError: unknown): Promise<boolean> {
    const committed = await retryWithBackoff(
      // Attempt 0 is the one already made: its failure goes through the same warning and pause.
      async (failures) => {
        if (failures === 0) throw firstError;
        return (await this.#o.commit.submit(item)).succeeded;
      },
      {
        clock: this.#o.clock,
        policy: COMMIT_RETRY,
        signal: this.#stopSignal.signal,
        active: () => this.#running && !this.#stopping && this.#o.table.isCurrent(job),
        onFailure: (error) => void this.#o.warn(asError(error)),
      },
    );
    return committed ?? false;
  }

  #notifyIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
