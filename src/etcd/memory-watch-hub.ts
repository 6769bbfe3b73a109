import { WatchCompactedError } from './errors.js';
import type { KvEvent, WatchCallbacks, WatchHandle } from './kv-store.js';

interface LogEntry {
  revision: number;
  events: KvEvent[];
}

interface Watcher {
  prefix: string;
  nextRevision: number;
  callbacks: WatchCallbacks;
}

/**
 * The event history of a MemoryKv and the watchers reading it. Each watcher is a cursor into the
 * history, so a watcher that has not been flushed yet is "behind" exactly like a slow etcd watcher,
 * and compaction past its cursor resets it.
 */
export class MemoryWatchHub {
  /** One entry per revision, contiguous, oldest first. */
  #log: LogEntry[] = [];
  #compactRevision = 0;
  #currentRevision: number;
  #watchers = new Set<Watcher>();
  #flushScheduled = false;
  #idleWaiters: (() => void)[] = [];

  constructor(currentRevision: number) {
    this.#currentRevision = currentRevision;
  }

  get compactRevision(): number {
    return this.#compactRevision;
  }

  append(revision: number, events: KvEvent[]): void {
    this.#currentRevision = revision;
    this.#log.push({ revision, events });
    this.#scheduleFlush();
  }

  add(prefix: string, fromRevision: number, callbacks: WatchCallbacks): WatchHandle {
    const watcher: Watcher = {
      prefix,
      nextRevision: fromRevision > 0 ? fromRevision : this.#currentRevision + 1,
      callbacks,
    };
    this.#watchers.add(watcher);
    if (watcher.nextRevision < this.#compactRevision) {
      // Like etcd: the watch is created, then cancelled with the compact revision.
      this.#reset(watcher);
    } else {
      this.#scheduleFlush();
    }
    return {
      cancel: () => {
        this.#watchers.delete(watcher);
        return Promise.resolve();
      },
    };
  }

  /** Drops history before `revision`; watchers still needing it are reset. */
  compact(revision: number): void {
    this.#compactRevision = revision;
    const first = this.#log[0];
    if (first) this.#log.splice(0, Math.max(0, Math.min(this.#log.length, revision - first.revision)));
    for (const watcher of this.#watchers) {
      if (watcher.nextRevision < revision) this.#reset(watcher);
    }
  }

  /** Bounds memory: forgets history older than `keep` revisions that no live watcher still needs. */
  trim(keep: number): void {
    if (this.#log.length <= keep) return;
    let target = this.#currentRevision + 1 - keep;
    for (const watcher of this.#watchers) target = Math.min(target, watcher.nextRevision);
    if (target > this.#compactRevision) this.compact(target);
  }

  /** Resolves once every watcher has been handed every committed event. */
  async settled(): Promise<void> {
    while (this.#flushScheduled) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  closeAll(): void {
    this.#watchers.clear();
  }

  #reset(watcher: Watcher): void {
    this.#watchers.delete(watcher);
    const error = new WatchCompactedError(watcher.nextRevision, this.#compactRevision);
    setImmediate(() => deliver(() => watcher.callbacks.onReset(error)));
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    for (const watcher of [...this.#watchers]) {
      if (!this.#watchers.has(watcher)) continue;
      const events = this.#eventsFor(watcher);
      watcher.nextRevision = Math.max(watcher.nextRevision, this.#currentRevision + 1);
      const last = events[events.length - 1];
      if (last) deliver(() => watcher.callbacks.onEvents(events, last.modRevision));
    }
    if (!this.#flushScheduled) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #eventsFor(watcher: Watcher): KvEvent[] {
    const first = this.#log[0];
    if (!first) return [];
    const events: KvEvent[] = [];
    for (let i = Math.max(0, watcher.nextRevision - first.revision); i < this.#log.length; i++) {
      const entry = this.#log[i];
      if (!entry) break;
      for (const event of entry.events) {
        if (event.key.startsWith(watcher.prefix)) events.push(event);
      }
    }
    return events;
  }
}

/** A throwing consumer is a bug in the consumer: surface it, but keep serving other watchers. */
function deliver(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    setImmediate(() => {
      throw error;
    });
  }
}
