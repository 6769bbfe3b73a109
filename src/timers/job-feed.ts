import { asError } from '../common/as-error.js';
import { retryWithBackoff, type BackoffPolicy } from '../common/backoff.js';
import type { Clock } from '../common/clock.js';
import type { GroupCommit } from '../etcd/group-commit.js';
import type { KvEntry, KvEvent, KvStore, WatchHandle } from '../etcd/kv-store.js';
import { decodeProgress, decodeRecord } from './job-codec.js';
import type { JobProgress } from './schedule/job.js';
import type { ScopeKeys } from './job-keys.js';
import type { JobTable } from './job-table.js';
import type { JobWaker } from './job-waker.js';
import type { TriggerLoop } from './trigger-loop.js';

type PartitionFeed = { state: 'loading'; buffer: KvEvent[] } | { state: 'ready'; loadedRevision: number };

const PAGE = 2000;
/** Backoff between attempts to load a partition whose read failed. */
const LOAD_RETRY: BackoffPolicy = { firstMs: 250, maxMs: 10_000 };
/** Backoff between attempts to watch and re-read after the watch lost its place. */
const RESYNC_RETRY: BackoffPolicy = { firstMs: 500, maxMs: 10_000 };
/** How long a released partition waits for its in-flight triggers to settle. */
const RELEASE_DRAIN_MS = 10_000;

/**
 * Keeps the job table in step with etcd for the partitions this replica owns: one range read per
 * partition when it is acquired, and one watch over all jobs of the scope. Events at or below a
 * partition's load revision are already in the table; events that arrive while a partition loads
 * wait and are applied after. Applying an event twice is harmless (same revision = same job).
 * Each record is decoded once to find its next tick; the table keeps it only if that tick is
 * within the horizon, and the waker reads dormant ones back in time.
 */
export class JobFeed {
  readonly #kv: KvStore;
  readonly #keys: ScopeKeys;
  readonly #table: JobTable;
  readonly #loop: TriggerLoop;
  readonly #waker: JobWaker;
  readonly #clock: Clock;
  readonly #commit: GroupCommit;
  readonly #warn: (error: Error) => void;
  readonly #owned = new Map<number, PartitionFeed>();
  #watch: WatchHandle | undefined;
  #stopped = false;
  #resyncing: Promise<void> | undefined;

  constructor(o: {
    kv: KvStore;
    keys: ScopeKeys;
    table: JobTable;
    loop: TriggerLoop;
    waker: JobWaker;
    clock: Clock;
    commit: GroupCommit;
    /** Reports a warning (coalesced by the service). */
    warn: (error: Error) => void;
  }) {
    this.#kv = o.kv;
    this.#keys = o.keys;
    this.#table = o.table;
    this.#loop = o.loop;
    this.#waker = o.waker;
    this.#clock = o.clock;
    this.#commit = o.commit;
    this.#warn = o.warn;
  }

  ownedPartitions(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#startWatch();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const watch = this.#watch;
    this.#watch = undefined;
    await watch?.cancel();
    this.#owned.clear();
  }

  /**
   * Loads `partition`'s jobs. A failed load is retried here, with backoff, while the partition
   * stays this replica's: handing it back would only have it claimed and failed again at once.
   * The partition shows as loading meanwhile (`TimerService.loadingPartitions`), and each failure
   * is warned about. Returns when loaded, or when the partition was released or the feed stopped.
   */
  async acquire(partition: number): Promise<void> {
    let feed: PartitionFeed | undefined;
    const stillMine = (): boolean =>
      !this.#stopped && (feed === undefined || this.#owned.get(partition) === feed);
    await retryWithBackoff(
      async () => {
        // A fresh buffer per attempt: events before this attempt's read are in what it reads.
        feed = { state: 'loading', buffer: [] };
        this.#owned.set(partition, feed);
        await this.#load(partition);
      },
      {
        clock: this.#clock,
        policy: LOAD_RETRY,
        active: stillMine,
        onFailure: (error) => {
          if (!stillMine()) return false;
          this.#warn(asError(error));
        },
      },
    );
  }

  /** Stops firing `partition`: waits for its in-flight triggers, then forgets its jobs. */
  async release(partition: number): Promise<void> {
    this.#owned.delete(partition);
    for (const job of this.#table.jobsOf(partition)) {
      if (job.state !== 'inflight') this.#table.remove(partition, job.name);
    }
    // A handler that never settles must not hold the partition forever: after the bound its tick
    // is fired again by the next owner (at-least-once).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#loop.drain(partition),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, RELEASE_DRAIN_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    this.#table.removePartition(partition);
    this.#loop.wake();
  }

  async #startWatch(): Promise<void> {
    const { revision } = await this.#kv.range(this.#keys.jobsRoot, { limit: 1 });
    this.#watch = await this.#kv.watch(this.#keys.jobsRoot, revision + 1, {
      onEvents: (events) => this.#onEvents(events),
      onReset: (reason) => {
        this.#warn(reason);
        if (!this.#resyncing) this.#resyncing = this.#resync().finally(() => (this.#resyncing = undefined));
      },
    });
  }

  /** The watch lost its place: watch again from now and re-read every owned partition. */
  async #resync(): Promise<void> {
    await retryWithBackoff(
      async () => {
        for (const p of this.#owned.keys()) this.#owned.set(p, { state: 'loading', buffer: [] });
        await this.#startWatch();
        await Promise.all([...this.#owned.keys()].map((p) => this.#load(p)));
      },
      {
        clock: this.#clock,
        policy: RESYNC_RETRY,
        active: () => !this.#stopped,
        onFailure: (error) => void this.#warn(asError(error)),
      },
    );
  }

  #onEvents(events: KvEvent[]): void {
    for (const event of events) {
      const where = this.#keys.parseJobKey(event.key);
      if (!where) continue;
      const feed = this.#owned.get(where.partition);
      if (!feed) continue;
      if (feed.state === 'loading') feed.buffer.push(event);
      else if (event.modRevision > feed.loadedRevision) this.#apply(where.partition, where.name, event);
    }
    this.#loop.wake();
    this.#waker.poke();
  }

  #apply(partition: number, name: string, event: KvEvent): void {
    if (event.type === 'delete') {
      this.#table.remove(partition, name);
      return;
    }
    // A put that created the key (create == mod revision) follows a delete, which removed any
    // progress key too; a put over an existing job may have one.
    this.#upsert(partition, name, event, undefined, event.createRevision !== event.modRevision);
  }

  #upsert(
    partition: number,
    name: string,
    entry: Pick<KvEntry, 'key' | 'value' | 'modRevision'>,
    progress: JobProgress | undefined,
    progressStored: boolean,
  ): void {
    const record = decodeRecord(entry.value);
    if (!record) {
      this.#warn(new Error(`ignoring unreadable job record at ${entry.key}`));
      return;
    }
    let job;
    try {
      job = this.#table.upsert(
        name,
        partition,
        record,
        entry.modRevision,
        progress,
        progressStored,
        this.#clock.now(),
      );
    } catch (error) {
      // Its next tick could not be computed: not "no tick left", so it is not deleted. Left out of
      // the table (an exception here would abort the partition's load, or crash the watch), it is
      // tried again when the partition is loaded again or the job is written.
      const reason = error instanceof Error ? error.message : String(error);
      this.#warn(new Error(`cannot compute the next tick of the job at ${entry.key}: ${reason}`));
      return;
    }
    if (!job) {
      // Nothing left to fire (e.g. a crash between the last tick and its delete): finish the delete.
      void this.#commit
        .submit({
          guards: [{ key: entry.key, modRevision: entry.modRevision }],
          ops: [
            { op: 'delete', key: entry.key },
            { op: 'delete', key: this.#keys.progressKey(partition, name) },
          ],
        })
        .catch((error: unknown) => this.#warn(error as Error));
    }
  }

  async #load(partition: number): Promise<void> {
    const jobs = await rangeAll(this.#kv, this.#keys.jobsPrefix(partition));
    const progress = await rangeAll(this.#kv, this.#keys.progressPrefix(partition));
    const feed = this.#owned.get(partition);
    if (!feed || feed.state !== 'loading') return; // released while loading
    const progressByName = new Map<string, JobProgress | undefined>();
    const progressPrefix = this.#keys.progressPrefix(partition);
    for (const entry of progress.entries) {
      progressByName.set(entry.key.slice(progressPrefix.length), decodeProgress(entry.value));
    }
    const listed = new Set<string>();
    for (const entry of jobs.entries) {
      const where = this.#keys.parseJobKey(entry.key);
      if (!where) continue;
      listed.add(where.name);
      this.#upsert(
        partition,
        where.name,
        entry,
        progressByName.get(where.name),
        progressByName.has(where.name),
      );
    }
    for (const job of this.#table.jobsOf(partition)) {
      if (!listed.has(job.name) && job.state !== 'inflight') this.#table.remove(partition, job.name);
    }
    for (const event of feed.buffer) {
      const where = this.#keys.parseJobKey(event.key);
      if (where && event.modRevision > jobs.revision) this.#apply(partition, where.name, event);
    }
    this.#owned.set(partition, { state: 'ready', loadedRevision: jobs.revision });
    this.#loop.wake();
    this.#waker.poke();
  }
}

/** Reads a whole prefix in pages; the revision is the first page's (events after it are replayed). */
async function rangeAll(kv: KvStore, prefix: string): Promise<{ entries: KvEntry[]; revision: number }> {
  const first = await kv.range(prefix, { limit: PAGE });
  const entries = [...first.entries];
  let more = first.more;
  while (more) {
    const last = entries[entries.length - 1];
    if (!last) break;
    const page = await kv.range(prefix, { limit: PAGE, startAfter: last.key });
    entries.push(...page.entries);
    more = page.more;
  }
  return { entries, revision: first.revision };
}
