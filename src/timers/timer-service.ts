import { EventEmitter } from 'eventemitter3';
import { clusterKeys } from '../cluster/cluster-keys.js';
import { ScopePartitions } from '../cluster/partition-count.js';
import { PartitionOwnership } from '../cluster/partition-ownership.js';
import { systemClock, type Clock } from '../common/clock.js';
import { CoalescedWarnings } from '../common/coalesced-warnings.js';
import { GroupCommit } from '../etcd/group-commit.js';
import type { KvStore } from '../etcd/kv-store.js';
import type { StoreOp } from '../etcd/store-op.js';
import { JobValidationError } from './errors.js';
import { JobFeed } from './job-feed.js';
import { scopeKeys, type ScopeKeys } from './job-keys.js';
import { DEFAULT_HORIZON_MS, JobTable } from './job-table.js';
import { JobWaker } from './job-waker.js';
import type { JobSpec, JsonValue, TriggerHandler } from './schedule/job.js';
import type { TimerServiceEvents } from './timer-events.js';
import { TriggerLoop } from './trigger-loop.js';
import type { JobView } from './job-view.js';
import type { JobPage, ListPageOptions } from './job-listing.js';
import { checkMinInterval, JobStore, type ScheduleResult } from './job-store.js';
import { localTimeZone } from './local-time-zone.js';
import { resolveCronTimeZone, type CronTimeZone } from './schedule/cron-time-zone.js';

export type { ScheduleResult } from './job-store.js';

/** Options of a `TimerService`: its store, scope, partitioning and limits. */
export interface TimerServiceOptions {
  /** Where jobs are stored: `connectEtcd(...)`, or a `MemoryKv` in tests. Not closed by the service. */
  kv: KvStore;
  /** Scope of the jobs, with `appId` (default `default`); replicas of one scope share the work. */
  namespace?: string;
  /** Scope of the jobs, with `namespace` (default `tickflow`). */
  appId?: string;
  /** Where time comes from (default the system clock). */
  clock?: Clock;
  /**
   * Number of partitions jobs hash to, fixed for the life of a scope. The first process of a scope
   * stores it in etcd (default 32); every later one adopts the stored count, so omit it anywhere
   * but where the scope is set up. A different count is a `PartitionCountMismatchError`.
   */
  partitions?: number;
  /** Lease TTL for membership and partition ownership, in seconds (default 10); a dead replica's jobs move after this. */
  leaseTtlSeconds?: number;
  /** This replica's id among the scope's replicas (default: host name, process id and a random suffix). */
  memberId?: string;
  /** Triggers in flight at once on this replica (default 2048). */
  maxInFlight?: number;
  /** Largest accepted `data`, as JSON bytes (default 1 MiB). */
  maxDataBytes?: number;
  /**
   * Memory bound (default 60,000 ms): a job whose next tick is further ahead than this is kept
   * dormant, as little more than its name and tick, and its record is read again from etcd half
   * this long before the tick. `Infinity` keeps every job in memory in full.
   */
  horizonMs?: number;
  /**
   * Targets whose jobs are always kept in full, however far ahead their tick, so that `expedite`
   * can see them (the workflow runtime's activity fallbacks). Only for targets whose jobs are few
   * and short-lived: each costs its whole record in memory. Default none.
   */
  liveTargets?: readonly string[];
  /**
   * The shortest fixed period (`@every`, bare durations) and constant retry interval a job may
   * have, in milliseconds: shorter ones are refused with `JobValidationError`. Default 100; 0 turns
   * the floor off; at most 1000 (cron's own resolution and the default retry interval).
   */
  minIntervalMs?: number;
  /**
   * The zone a cron schedule without `CRON_TZ=` runs in: `'local'` (default: this process's zone,
   * `$TZ` else the system's, as Dapr uses the server's), `'UTC'`, or an IANA name such as
   * `'Europe/Paris'`. Resolved when the service is created and stored with each job it schedules,
   * so a job keeps firing in the zone it was scheduled under wherever it is fired later. Anything
   * else is a `JobValidationError` (field `cronTimeZone`). When `'local'` has no IANA name (a
   * POSIX `TZ` such as `CET-1`), only cron jobs without `CRON_TZ=` are refused, when scheduled.
   */
  cronTimeZone?: CronTimeZone;
}

/** How overdue one owned partition is; see `TimerService.overdue`. */
export interface PartitionOverdue {
  partition: number;
  /** Milliseconds since its most overdue undelivered tick was due; 0 when nothing is overdue. */
  ageMs: number;
}

const DEFAULT_MAX_DATA_BYTES = 1024 * 1024;

/**
 * The jobs service of one (namespace, appId) scope. Any process can schedule, read and delete jobs;
 * a started instance is also a replica that owns some partitions and fires their jobs.
 */
export class TimerService extends EventEmitter<TimerServiceEvents> {
  /** The scope's namespace (default `default`). */
  readonly namespace: string;
  /** The scope's app id (default `tickflow`). */
  readonly appId: string;
  /** @internal The scope's etcd key layout (the workflow runtime writes reminder-jobs with it). */
  readonly keys: ScopeKeys;
  /**
   * The IANA zone the `cronTimeZone` option resolved to (`'UTC'` for UTC and its aliases): what
   * this instance stores with the cron jobs it schedules without `CRON_TZ=`. Undefined when the
   * option is `'local'` and this process's zone has no IANA name: such jobs are then refused.
   */
  readonly cronTimeZone: string | undefined;
  readonly #kv: KvStore;
  readonly #clock: Clock;
  readonly #partitions: ScopePartitions;
  readonly #jobs: JobStore;
  readonly #commit: GroupCommit;
  readonly #table: JobTable;
  readonly #loop: TriggerLoop;
  readonly #waker: JobWaker;
  readonly #feed: JobFeed;
  readonly #ownership: PartitionOwnership;
  readonly #warnings: CoalescedWarnings;
  /**
   * Owned partitions whose jobs are in the table: acquired and loaded. The feed lists a partition
   * as owned from the start of its load, so owned-but-not-here means "still loading" (or a load
   * that failed and is being retried), which `loadingPartitions` reports.
   */
  readonly #loaded = new Set<number>();
  #started = false;

  /**
   * Creates the service; it fires nothing until `start()`. Throws `JobValidationError` for a
   * `horizonMs` below 1000, a `minIntervalMs` outside 0-1000 or an unknown `cronTimeZone`.
   */
  constructor(options: TimerServiceOptions) {
    super();
    this.namespace = options.namespace ?? 'default';
    this.appId = options.appId ?? 'tickflow';
    this.keys = scopeKeys(this.namespace, this.appId);
    this.cronTimeZone = resolveCronTimeZone(options.cronTimeZone, localTimeZone);
    this.#kv = options.kv;
    this.#clock = options.clock ?? systemClock;
    this.#partitions = new ScopePartitions(
      this.#kv,
      clusterKeys(this.keys.clusterPrefix).partitionCount,
      options.partitions,
    );
    this.#commit = new GroupCommit(this.#kv, { onTxn: (event) => this.emit('storeCommit', event) });
    // Every warning goes through one coalescer: an outage repeats the same error in every retry loop.
    this.#warnings = new CoalescedWarnings({
      clock: this.#clock,
      emit: (error) => this.emit('warning', error),
    });
    const warn = (error: Error): void => this.#warnings.report(error);
    const horizonMs = options.horizonMs ?? DEFAULT_HORIZON_MS;
    // Below a second, reads of dormant jobs would race their ticks and keep etcd busy for little.
    if (!(horizonMs >= 1_000)) {
      throw new JobValidationError('horizonMs', horizonMs, 'a number of milliseconds >= 1000, or Infinity');
    }
    this.#jobs = new JobStore({
      kv: this.#kv,
      keys: this.keys,
      clock: this.#clock,
      partitions: this.#partitions,
      commit: this.#commit,
      maxDataBytes: options.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES,
      minIntervalMs: checkMinInterval(options.minIntervalMs),
      cronTimeZone: this.cronTimeZone ?? null,
    });
    this.#table = new JobTable({ horizonMs, liveTargets: new Set(options.liveTargets ?? []) });
    this.#waker = new JobWaker({
      kv: this.#kv,
      keys: this.keys,
      table: this.#table,
      clock: this.#clock,
      warn,
      onRevived: () => this.#loop.wake(),
    });
    this.#loop = new TriggerLoop({
      table: this.#table,
      clock: this.#clock,
      commit: this.#commit,
      keys: this.keys,
      events: this,
      warn,
      namespace: this.namespace,
      appId: this.appId,
      maxInFlight: options.maxInFlight ?? 2048,
      onSleep: () => this.#waker.poke(),
    });
    this.#feed = new JobFeed({
      kv: this.#kv,
      keys: this.keys,
      table: this.#table,
      loop: this.#loop,
      waker: this.#waker,
      clock: this.#clock,
      commit: this.#commit,
      warn,
    });
    this.#ownership = new PartitionOwnership({
      kv: this.#kv,
      prefix: this.keys.clusterPrefix,
      ...(options.partitions !== undefined && { partitions: options.partitions }),
      clock: this.#clock,
      ...(options.memberId !== undefined ? { memberId: options.memberId } : {}),
      ...(options.leaseTtlSeconds !== undefined ? { leaseTtlSeconds: options.leaseTtlSeconds } : {}),
      onAcquire: async (p) => {
        await this.#feed.acquire(p);
        this.#loaded.add(p);
        this.emit('partitionsChanged', this.#feed.ownedPartitions());
      },
      onRelease: async (p) => {
        this.#loaded.delete(p);
        await this.#feed.release(p);
        this.emit('partitionsChanged', this.#feed.ownedPartitions());
      },
    });
    // Ownership reports failures it retries by itself (a partition load that failed, a lost
    // watch, a claim that etcd refused): without a listener they would vanish unlogged.
    this.#ownership.on('error', warn);
    this.#ownership.on('membersChanged', (members) => this.emit('membersChanged', members));
  }

  /** This replica's id among the scope's replicas. */
  get memberId(): string {
    return this.#ownership.memberId;
  }

  /** The ids of the scope's live replicas (this one included once started), sorted. */
  members(): readonly string[] {
    return this.#ownership.members();
  }

  /**
   * Brings forward to now the one-shot jobs of `target` in this replica's partitions (or in
   * `partitions` of them) whose tick is within the horizon (any tick, for `liveTargets`) and for
   * which `pick(data)` holds: each fires once, now, with `scheduledAt` now. The stored jobs do not
   * change, so should a partition be handed over first, its next owner fires them at their stored
   * time. Returns how many. The workflow runtime uses it to run at once the activities of a
   * replica that is gone, rather than when their fallback reminders come due.
   */
  expedite(
    target: string,
    pick: (data: JsonValue | undefined) => boolean,
    partitions?: Iterable<number>,
  ): number {
    const n = this.#table.expedite(target, pick, this.#clock.now(), partitions);
    if (n > 0) this.#loop.wake();
    return n;
  }

  /**
   * Calls `listener` with every owned partition when the live replicas change, and with the
   * partitions just taken over (loaded) when this replica acquires some. Returns the unsubscribe.
   */
  onClusterChange(listener: (partitions: readonly number[]) => void): () => void {
    // The loaded ones: a partition listed as owned may still be loading, its jobs not in memory.
    let seen = new Set(this.#loaded);
    const onMembers = (): void => listener([...this.#loaded]);
    const onPartitions = (): void => {
      const acquired = [...this.#loaded].filter((p) => !seen.has(p));
      seen = new Set(this.#loaded);
      if (acquired.length > 0) listener(acquired);
    };
    this.on('membersChanged', onMembers);
    this.on('partitionsChanged', onPartitions);
    return () => {
      this.off('membersChanged', onMembers);
      this.off('partitionsChanged', onPartitions);
    };
  }

  /** Partitions this replica fires, in order. */
  ownedPartitions(): number[] {
    return this.#feed.ownedPartitions();
  }

  /**
   * For each owned partition, how long its most overdue tick has been due and not delivered
   * (waiting, in flight, retrying, staged, or dormant and not read back), measured from the tick
   * itself; 0 when none is. A stall shows as an age that keeps growing. A partition still loading
   * has no jobs in memory yet and reads 0: see `loadingPartitions`.
   */
  overdue(): PartitionOverdue[] {
    const now = this.#clock.now();
    const oldest = this.#table.oldestOverdue(now);
    return this.#feed.ownedPartitions().map((partition) => {
      const tick = oldest.get(partition);
      return { partition, ageMs: tick === undefined ? 0 : now - tick };
    });
  }

  /** Owned partitions whose jobs are not loaded yet (a load in progress, or failing and retried). */
  loadingPartitions(): number[] {
    return this.#feed.ownedPartitions().filter((p) => !this.#loaded.has(p));
  }

  /**
   * Triggers handed to handlers and not yet settled (progress written, next tick queued), plus
   * dormant jobs being read back. The time-skipping test environment moves its clock only while
   * this is 0.
   */
  get inFlight(): number {
    return this.#loop.inFlight + this.#waker.reading;
  }

  /** Transactions sent by group commit (for benchmarks). */
  get txnCount(): number {
    return this.#commit.txnCount;
  }

  /**
   * Reads the scope's partition count from etcd, storing `partitions` (or 32) there first if this
   * is the scope's first process. `start()` and every method that reads or writes jobs call it;
   * call it yourself before `putJobOps`, `deleteJobOps` or `deleteJobPrefixOps`, which are
   * synchronous. Throws `PartitionCountMismatchError` when `partitions` differs from the stored count.
   */
  ready(): Promise<void> {
    return this.#jobs.ready();
  }

  /** The scope's partition count; undefined until `ready()` (or any job method) has read it. */
  get partitionCount(): number | undefined {
    return this.#partitions.count;
  }

  /** Starts firing: joins the replica group and takes over this replica's share of partitions. */
  async start(): Promise<void> {
    if (this.#started) return;
    await this.ready();
    this.#started = true;
    await this.#feed.start();
    this.#loop.start();
    this.#waker.start();
    await this.#ownership.start();
  }

  /** Hands this replica's partitions back (after their in-flight triggers settle) and stops. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#loop.beginStop();
    this.#waker.stop();
    await this.#ownership.stop();
    this.#loop.stop();
    await this.#feed.stop();
    this.#loaded.clear();
    this.#table.clear();
    this.#warnings.flush();
  }

  /** Registers the handler for jobs whose target is `target`; staged triggers for it fire now. */
  onTrigger(target: string, handler: TriggerHandler): () => void {
    this.#loop.setHandler(target, handler);
    return () => this.#loop.setHandler(target, undefined);
  }

  /** Offers staged triggers of `target` again (e.g. its app answers again). */
  retryStaged(target: string): void {
    this.#loop.retryStaged(target);
  }

  /**
   * Triggers staged on this replica: due, but their target has no `onTrigger` handler or the
   * handler answered `'undeliverable'`. They fire when a handler is registered or on `retryStaged`.
   */
  stagedCount(): number {
    return this.#table.stagedCount();
  }

  /**
   * Stores job `name`; a started replica that owns its partition fires it. Throws
   * `JobValidationError` for an invalid name or spec (or `data` over `maxDataBytes`) and
   * `JobAlreadyExistsError` when the name is taken and `spec.overwrite` is not set; with
   * `overwrite`, the job replaces the old one and starts afresh.
   */
  schedule(name: string, spec: JobSpec): Promise<void> {
    return this.#jobs.schedule(name, spec);
  }

  /**
   * Schedules many jobs in batched transactions. Every job is validated first: if any is invalid,
   * nothing is stored and the first error is thrown. Existing names without overwrite are reported
   * per job.
   */
  scheduleMany(jobs: ReadonlyArray<{ name: string; spec: JobSpec }>): Promise<ScheduleResult[]> {
    return this.#jobs.scheduleMany(jobs);
  }

  /**
   * The job with its delivered count and next fire time. Pass the `partitionKey` the job was
   * scheduled with, if any. Throws `JobNotFoundError` when there is no such job and
   * `JobValidationError` for an invalid name.
   */
  get(name: string, options: { partitionKey?: string } = {}): Promise<JobView> {
    return this.#jobs.get(name, options);
  }

  /** Deletes a job; resolves whether it existed. */
  delete(name: string, options: { partitionKey?: string } = {}): Promise<boolean> {
    return this.#jobs.delete(name, options);
  }

  /**
   * Jobs of this scope whose names start with `prefix`, in name order, each with its delivered
   * count and next fire time (as `get` returns them). Reads every page; use `listPage` to bound a
   * listing of many jobs.
   */
  list(options: { prefix?: string } = {}): Promise<JobView[]> {
    return this.#jobs.list(options);
  }

  /**
   * One page of `list`: at most `limit` jobs (default 100, at most 10,000) whose names start with
   * `prefix` and sort after `after`, in name order. Pass `next` as `after` for the following page.
   */
  listPage(options: ListPageOptions = {}): Promise<JobPage> {
    return this.#jobs.listPage(options);
  }

  /** Deletes every job whose name starts with `prefix` in one transaction; resolves how many there were. */
  deletePrefix(prefix: string): Promise<number> {
    return this.#jobs.deletePrefix(prefix);
  }

  // --- Operations for callers that commit jobs inside their own transactions (the workflow runtime).

  /** Validates a job and returns the write that creates (or replaces) it. */
  putJobOps(name: string, spec: JobSpec): StoreOp[] {
    return this.#jobs.putJobOps(name, spec);
  }

  /**
   * The writes that delete job `name` (and its progress counter), to commit inside your own
   * `KvStore.txn`. `partitionKey` defaults to the name, as in `schedule`.
   */
  deleteJobOps(name: string, partitionKey: string = name): StoreOp[] {
    return this.#jobs.deleteJobOps(name, partitionKey);
  }

  /** Deletes every job whose name starts with `namePrefix` within the partition of `partitionKey`. */
  deleteJobPrefixOps(namePrefix: string, partitionKey: string): StoreOp[] {
    return this.#jobs.deleteJobPrefixOps(namePrefix, partitionKey);
  }
}
