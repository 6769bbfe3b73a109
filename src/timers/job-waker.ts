import { EarliestAlarm } from '../common/earliest-alarm.js';
import type { Clock } from '../common/clock.js';
import type { KvStore } from '../etcd/kv-store.js';
import { READ_PAGE_BYTES } from '../etcd/store-limits.js';
import type { DormantJob } from './dormant-job.js';
import { decodeRecord } from './job-codec.js';
import type { ScopeKeys } from './job-keys.js';
import type { JobTable } from './job-table.js';

export interface JobWakerOptions {
  kv: KvStore;
  keys: ScopeKeys;
  table: JobTable;
  clock: Clock;
  /** Reports a warning (coalesced by the service). */
  warn: (error: Error) => void;
  /** Called after dormant jobs became live, so the trigger loop can re-arm for them. */
  onRevived(): void;
}

/** Dormant jobs read back per batched get (etcd answers it in transactions of 128 reads). */
const BATCH = 1024;
/**
 * Record bytes a batch aims to stay under: with 1 MiB job data a batch of 1024 would hold a
 * gigabyte. The batch shrinks to what the records read so far say fits.
 */
const BATCH_BYTES = 2 * READ_PAGE_BYTES;
/** Batches read at once: enough to keep etcd busy when a mass of jobs comes due together. */
const PARALLEL = 4;
/** After a failed read, how long the jobs wait before the next try. */
const RETRY_MS = 1_000;

/**
 * Reads dormant jobs back from etcd before they are due and hands them to the table as live jobs.
 *
 * The record read back must be the incarnation the dormant entry stands for (same mod revision).
 * When it is not (overwritten or deleted while dormant), the entry is left as it is, off the wake
 * queue: the change has a watch event that has not been applied yet (applying it would have
 * replaced the entry), and that event replaces or removes the entry in revision order, as for any
 * job. Applying the read here instead could put a newer incarnation in place before older events
 * of the same key arrive and undo it.
 */
export class JobWaker {
  readonly #o: JobWakerOptions;
  #running = false;
  readonly #alarm: EarliestAlarm;
  /** Jobs whose read is under way. */
  #reading = 0;
  #pass: Promise<void> | undefined;
  /** Set after a failed read: no new pass before this time. */
  #retryAt: number | undefined;
  /** The largest record read back lately (decays), to size batches in bytes. */
  #recordBytes = 0;

  constructor(options: JobWakerOptions) {
    this.#o = options;
    this.#alarm = new EarliestAlarm(options.clock, () => this.#startPass());
  }

  /** Dormant jobs being read back right now (time-skipping tests wait for 0, as for triggers). */
  get reading(): number {
    return this.#reading;
  }

  start(): void {
    this.#running = true;
    this.poke();
  }

  stop(): void {
    this.#running = false;
    this.#alarm.disarm();
  }

  /** Re-arms the clock for the earliest dormant job; call after jobs were put to sleep. */
  poke(): void {
    if (!this.#running || this.#pass) return; // a running pass re-arms when it ends
    let at = this.#o.table.nextWakeAt();
    if (at === undefined) {
      this.#alarm.disarm();
      return;
    }
    if (this.#retryAt !== undefined) at = Math.max(at, this.#retryAt);
    this.#alarm.arm(at);
  }

  #startPass(): void {
    if (!this.#running || this.#pass) return;
    this.#retryAt = undefined;
    this.#pass = Promise.all(Array.from({ length: PARALLEL }, () => this.#drain())).then(() => {
      this.#pass = undefined;
      this.poke();
    });
  }

  /** Reads batches of due dormant jobs until none is due or a read fails. */
  async #drain(): Promise<void> {
    while (this.#running && this.#retryAt === undefined) {
      const size = Math.max(1, Math.min(BATCH, Math.floor(BATCH_BYTES / Math.max(this.#recordBytes, 1))));
      const batch = this.#o.table.takeWaking(this.#o.clock.now(), size);
      if (batch.length === 0) return;
      this.#reading += batch.length;
      try {
        await this.#read(batch);
      } finally {
        this.#reading -= batch.length;
      }
    }
  }

  async #read(batch: DormantJob[]): Promise<void> {
    const { kv, keys, table, warn } = this.#o;
    let entries;
    try {
      entries = await kv.getMany(batch.map((job) => keys.jobKey(job.partition, job.name)));
    } catch (error) {
      for (const job of batch) table.sleep(job);
      if (this.#running) warn(error instanceof Error ? error : new Error(String(error)));
      this.#retryAt = this.#o.clock.now() + RETRY_MS;
      return;
    }
    let revived = 0;
    // Sized by the largest record rather than the average: one batch of large records must not
    // follow many small ones unchecked. Decays so a burst of large ones does not shrink batches for good.
    let largest = this.#recordBytes * 0.5;
    for (const entry of entries)
      if (entry) largest = Math.max(largest, entry.key.length + entry.value.length);
    this.#recordBytes = largest;
    batch.forEach((job, i) => {
      const entry = entries[i];
      if (!entry || entry.modRevision !== job.modRevision) return; // its watch event will follow
      const record = decodeRecord(entry.value);
      if (!record) {
        // It decoded when it was put to sleep; a store that changes a value without a new
        // revision is not etcd. Drop it as the feed drops unreadable records.
        warn(new Error(`ignoring unreadable job record at ${entry.key}`));
        if (table.isCurrent(job)) table.remove(job.partition, job.name);
        return;
      }
      if (table.revive(job, record)) revived++;
    });
    if (revived > 0) this.#o.onRevived();
  }
}
