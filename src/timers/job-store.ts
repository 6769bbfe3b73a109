import type { Clock } from '../common/clock.js';
import { partitionOf } from '../cluster/partition.js';
import type { ScopePartitions } from '../cluster/partition-count.js';
import { DEFAULT_MIN_INTERVAL_MS, MAX_MIN_INTERVAL_MS } from '../common/interval-floor.js';
import { createOnce, isUnknownOutcome } from '../etcd/create-once.js';
import type { GroupCommit } from '../etcd/group-commit.js';
import type { KvStore } from '../etcd/kv-store.js';
import type { StoreOp } from '../etcd/store-op.js';
import { txnBatches } from '../etcd/txn-batches.js';
import { JobAlreadyExistsError, JobNotFoundError, JobValidationError, TimerServiceError } from './errors.js';
import { decodeProgress, decodeRecord, encodeRecord } from './job-codec.js';
import type { ScopeKeys } from './job-keys.js';
import { listJobPage, MAX_LIST_PAGE, type JobPage, type ListPageOptions } from './job-listing.js';
import { toJobView, type JobView } from './job-view.js';
import { validateJobName } from './schedule/job-name.js';
import { currentProgress, type JobRecord, type JobSpec } from './schedule/job.js';
import { nextFire } from './schedule/next-fire.js';
import { normalizeJob } from './schedule/validate-job.js';

/** The outcome of one job of `scheduleMany`: stored, or refused with `error` (e.g. `JobAlreadyExistsError`). */
export type ScheduleResult = { name: string; ok: true } | { name: string; ok: false; error: Error };

export interface JobStoreOptions {
  kv: KvStore;
  keys: ScopeKeys;
  clock: Clock;
  partitions: ScopePartitions;
  commit: GroupCommit;
  maxDataBytes: number;
  minIntervalMs: number;
  /** The resolved zone of cron schedules without `CRON_TZ=`, stored with each job; `null`: none. */
  cronTimeZone: string | null;
}

/**
 * The jobs of one scope as stored in etcd: validating, writing, reading, listing and deleting
 * them, from any process (a replica or not). `TimerService` exposes these as its job methods;
 * firing them is the replica machinery's business, not this class's.
 */
export class JobStore {
  readonly #kv: KvStore;
  readonly #keys: ScopeKeys;
  readonly #clock: Clock;
  readonly #partitions: ScopePartitions;
  readonly #commit: GroupCommit;
  readonly #maxDataBytes: number;
  readonly #minIntervalMs: number;
  readonly #cronTimeZone: string | null;

  constructor(options: JobStoreOptions) {
    this.#kv = options.kv;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#partitions = options.partitions;
    this.#commit = options.commit;
    this.#maxDataBytes = options.maxDataBytes;
    this.#minIntervalMs = options.minIntervalMs;
    this.#cronTimeZone = options.cronTimeZone;
  }

  /** Agrees the scope's partition count (see `TimerService.ready`). */
  async ready(): Promise<void> {
    await this.#partitions.agreed();
  }

  /**
   * Stores job `name`; a started replica that owns its partition fires it. Throws
   * `JobValidationError` for an invalid name or spec (or `data` over `maxDataBytes`) and
   * `JobAlreadyExistsError` when the name is taken and `spec.overwrite` is not set; with
   * `overwrite`, the job replaces the old one and starts afresh.
   */
  async schedule(name: string, spec: JobSpec): Promise<void> {
    const record = this.#validate(name, spec);
    await this.ready();
    const key = this.#jobKey(record.partitionKey, record.name);
    const value = encodeRecord(record);
    if (spec.overwrite === true) {
      // Not re-sent after a lost answer: a replacement that landed may have fired since, and a
      // second one would restart the job. The caller sees `outcomeUnknown` and decides.
      await this.#kv.txn([], [{ op: 'put', key, value }]);
      return;
    }
    if (!(await createOnce(this.#kv, key, value))) throw new JobAlreadyExistsError(record.name);
  }

  /**
   * Schedules many jobs in batched transactions. Every job is validated first: if any is invalid,
   * nothing is stored and the first error is thrown. Existing names without overwrite are reported
   * per job.
   */
  async scheduleMany(jobs: ReadonlyArray<{ name: string; spec: JobSpec }>): Promise<ScheduleResult[]> {
    const records = jobs.map((j) => this.#validate(j.name, j.spec));
    await this.ready();
    return Promise.all(
      records.map((record, i): Promise<ScheduleResult> => {
        const key = this.#jobKey(record.partitionKey, record.name);
        const name = record.name;
        const value = encodeRecord(record);
        return this.#commit
          .submit({
            guards: jobs[i]?.spec.overwrite === true ? [] : [{ key, modRevision: 0 }],
            ops: [{ op: 'put', key, value }],
          })
          .then(
            ({ succeeded }): ScheduleResult =>
              succeeded ? { name, ok: true } : { name, ok: false, error: new JobAlreadyExistsError(name) },
            async (error: unknown): Promise<ScheduleResult> => {
              try {
                // The batch's answer was lost: settle this job's create on its own (see createOnce).
                if (!isUnknownOutcome(error) || jobs[i]?.spec.overwrite === true) throw error;
                const created = await createOnce(this.#kv, key, value, { sentBefore: true });
                return created
                  ? { name, ok: true }
                  : { name, ok: false, error: new JobAlreadyExistsError(name) };
              } catch (failure) {
                return {
                  name,
                  ok: false,
                  error: failure instanceof Error ? failure : new Error(String(failure)),
                };
              }
            },
          );
      }),
    );
  }

  /**
   * The job with its delivered count and next fire time. Pass the `partitionKey` the job was
   * scheduled with, if any. Throws `JobNotFoundError` when there is no such job and
   * `JobValidationError` for an invalid name.
   */
  async get(name: string, options: { partitionKey?: string } = {}): Promise<JobView> {
    validateJobName(name);
    await this.ready();
    const partition = this.#partitionOf(options.partitionKey ?? name);
    // One read for both keys: one round trip, and the progress read at the job's own revision.
    const [entry, progressEntry] = await this.#kv.getMany([
      this.#keys.jobKey(partition, name),
      this.#keys.progressKey(partition, name),
    ]);
    const record = entry && decodeRecord(entry.value);
    if (!entry || !record) throw new JobNotFoundError(name);
    const stored = progressEntry && decodeProgress(progressEntry.value);
    const progress = currentProgress(stored, entry.modRevision);
    return toJobView(record, progress, nextFire(record, progress));
  }

  /** Deletes a job; resolves whether it existed. */
  async delete(name: string, options: { partitionKey?: string } = {}): Promise<boolean> {
    validateJobName(name);
    await this.ready();
    const partition = this.#partitionOf(options.partitionKey ?? name);
    const key = this.#keys.jobKey(partition, name);
    const existed = (await this.#kv.get(key)) !== undefined;
    await this.#kv.txn(
      [],
      [
        { op: 'delete', key },
        { op: 'delete', key: this.#keys.progressKey(partition, name) },
      ],
    );
    return existed;
  }

  /**
   * Jobs of this scope whose names start with `prefix`, in name order, each with its delivered
   * count and next fire time (as `get` returns them). Reads every page; use `listPage` to bound a
   * listing of many jobs.
   */
  async list(options: { prefix?: string } = {}): Promise<JobView[]> {
    const views: JobView[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.listPage({
        limit: MAX_LIST_PAGE,
        ...(options.prefix !== undefined && { prefix: options.prefix }),
        ...(after !== undefined && { after }),
      });
      views.push(...page.jobs);
      if (page.next === undefined) return views;
      after = page.next;
    }
  }

  /**
   * One page of `list`: at most `limit` jobs (default 100, at most 10,000) whose names start with
   * `prefix` and sort after `after`, in name order. Pass `next` as `after` for the following page.
   */
  async listPage(options: ListPageOptions = {}): Promise<JobPage> {
    const partitions = await this.#partitions.agreed();
    return listJobPage({ kv: this.#kv, keys: this.#keys, partitions }, options);
  }

  /** Deletes every job whose name starts with `prefix` in one transaction; resolves how many there were. */
  async deletePrefix(prefix: string): Promise<number> {
    const partitions = await this.#partitions.agreed();
    // Counted before the delete, by keys only: the answer is what existed, not what decoded.
    const perPartition = await Promise.all(
      Array.from({ length: partitions }, (_, p) => this.#countKeys(this.#keys.jobsPrefix(p) + prefix)),
    );
    const count = perPartition.reduce((a, b) => a + b, 0);
    const ops: StoreOp[] = [];
    for (let p = 0; p < partitions; p++) {
      ops.push({ op: 'deletePrefix', prefix: this.#keys.jobsPrefix(p) + prefix });
      ops.push({ op: 'deletePrefix', prefix: this.#keys.progressPrefix(p) + prefix });
    }
    for (const batch of txnBatches(ops)) await this.#kv.txn([], batch);
    return count;
  }

  /** How many keys start with `prefix` (read in pages; nothing is decoded). */
  async #countKeys(prefix: string): Promise<number> {
    let count = 0;
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.#kv.range(prefix, {
        limit: 1_000,
        ...(startAfter !== undefined && { startAfter }),
      });
      count += page.entries.length;
      const last = page.entries[page.entries.length - 1];
      if (!page.more || !last) return count;
      startAfter = last.key;
    }
  }

  // --- Operations for callers that commit jobs inside their own transactions (the workflow runtime).

  /** Validates a job and returns the write that creates (or replaces) it. */
  putJobOps(name: string, spec: JobSpec): StoreOp[] {
    const record = this.#validate(name, spec);
    return [{ op: 'put', key: this.#jobKey(record.partitionKey, record.name), value: encodeRecord(record) }];
  }

  /**
   * The writes that delete job `name` (and its progress counter), to commit inside your own
   * `KvStore.txn`. `partitionKey` defaults to the name, as in `schedule`.
   */
  deleteJobOps(name: string, partitionKey: string = name): StoreOp[] {
    const partition = this.#partitionOf(partitionKey);
    return [
      { op: 'delete', key: this.#keys.jobKey(partition, name) },
      { op: 'delete', key: this.#keys.progressKey(partition, name) },
    ];
  }

  /** Deletes every job whose name starts with `namePrefix` within the partition of `partitionKey`. */
  deleteJobPrefixOps(namePrefix: string, partitionKey: string): StoreOp[] {
    const partition = this.#partitionOf(partitionKey);
    return [
      { op: 'deletePrefix', prefix: this.#keys.jobsPrefix(partition) + namePrefix },
      { op: 'deletePrefix', prefix: this.#keys.progressPrefix(partition) + namePrefix },
    ];
  }

  #validate(name: string, spec: JobSpec): JobRecord {
    const record = normalizeJob(name, spec, this.#clock.now(), {
      minIntervalMs: this.#minIntervalMs,
      cronTimeZone: this.#cronTimeZone,
    });
    if (record.data !== undefined) {
      const bytes = Buffer.byteLength(JSON.stringify(record.data));
      if (bytes > this.#maxDataBytes) {
        throw new JobValidationError('data', `${bytes} bytes`, `at most ${this.#maxDataBytes} bytes of JSON`);
      }
    }
    return record;
  }

  #partitionOf(partitionKey: string): number {
    const count = this.#partitions.count;
    if (count === undefined) {
      throw new TimerServiceError(
        "the scope's partition count is not known yet: await timers.ready() (or start()) before building job writes",
      );
    }
    return partitionOf(partitionKey, count);
  }

  #jobKey(partitionKey: string, name: string): string {
    return this.#keys.jobKey(this.#partitionOf(partitionKey), name);
  }
}

/** Validates the `minIntervalMs` option (default 100 ms, at most 1000). */
export function checkMinInterval(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MIN_INTERVAL_MS;
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_MIN_INTERVAL_MS)) {
    throw new JobValidationError(
      'minIntervalMs',
      value,
      `a number of milliseconds from 0 to ${MAX_MIN_INTERVAL_MS}`,
    );
  }
  return value;
}
