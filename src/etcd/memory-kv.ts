import { systemClock, type Clock } from '../common/clock.js';
import { CompactionError, LeaseNotFoundError, StoreClosedError, StoreRequestError } from './errors.js';
import { compareKeys } from './key-order.js';
import type {
  KvEntry,
  KvEvent,
  KvStore,
  RangeResult,
  TxnResult,
  WatchCallbacks,
  WatchHandle,
} from './kv-store.js';
import { MemoryLease } from './memory-lease.js';
import { MemoryWatchHub } from './memory-watch-hub.js';
import { guardTarget, type StoreGuard, type StoreOp } from './store-op.js';
import { READ_PAGE_BYTES } from './store-limits.js';
import { checkTxn } from './txn-check.js';

/** Options of a `MemoryKv`. */
export interface MemoryKvOptions {
  /** Lease expiry is measured on this clock (a FakeClock lets tests expire leases). */
  clock?: Clock;
  /** Revisions of watch history kept before older ones are compacted automatically (default 10,000). */
  historyLimit?: number;
  /** A range page ends once its keys and values reach this many bytes, as on etcd (default 2 MiB). */
  readPageBytes?: number;
}

interface Stored {
  value: string;
  createRevision: number;
  modRevision: number;
  lease: string | undefined;
}

/**
 * An in-process KvStore with etcd's semantics: one global revision bumped once per writing txn,
 * create/mod revisions, mod-revision guards, prefix watches delivered asynchronously in revision
 * order, leases whose keys vanish in one revision when they expire, and compaction.
 */
export class MemoryKv implements KvStore {
  readonly #clock: Clock;
  readonly #historyLimit: number;
  readonly #readPageBytes: number;
  readonly #data = new Map<string, Stored>();
  /** Keys in etcd order, for range. */
  #sortedKeys: string[] = [];
  #revision = 1;
  readonly #hub = new MemoryWatchHub(1);
  readonly #leases = new Map<string, MemoryLease>();
  #nextLeaseId = 0x7a11_0000;
  #closed = false;

  /** An empty store at revision 1. */
  constructor(options: MemoryKvOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#historyLimit = options.historyLimit ?? 10_000;
    this.#readPageBytes = options.readPageBytes ?? READ_PAGE_BYTES;
  }

  /** The current store revision. */
  get revision(): number {
    return this.#revision;
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.#assertOpen('get');
    const stored = this.#data.get(key);
    return stored ? toEntry(key, stored) : undefined;
  }

  async getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    this.#assertOpen('getMany');
    return keys.map((key) => {
      const stored = this.#data.get(key);
      return stored ? toEntry(key, stored) : undefined;
    });
  }

  async range(prefix: string, options: { limit?: number; startAfter?: string } = {}): Promise<RangeResult> {
    this.#assertOpen('range');
    const { limit, startAfter } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
      throw new StoreRequestError('limit', limit, 'a positive integer');
    }
    const from = startAfter !== undefined && compareKeys(startAfter, prefix) >= 0 ? startAfter : undefined;
    let index = lowerBound(this.#sortedKeys, from ?? prefix);
    if (from !== undefined && this.#sortedKeys[index] === from) index++;
    const entries: KvEntry[] = [];
    let more = false;
    // Characters stand in for bytes: what matters is that pages end by size as they do on etcd.
    let bytes = 0;
    for (; index < this.#sortedKeys.length; index++) {
      const key = this.#sortedKeys[index];
      if (key === undefined || !key.startsWith(prefix)) break;
      if ((limit !== undefined && entries.length === limit) || bytes >= this.#readPageBytes) {
        more = true;
        break;
      }
      const stored = this.#data.get(key);
      if (stored) {
        entries.push(toEntry(key, stored));
        bytes += key.length + stored.value.length;
      }
    }
    return { entries, revision: this.#revision, more };
  }

  async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    this.#assertOpen('txn');
    checkTxn(guards, ops);
    for (const guard of guards) {
      const { target, revision } = guardTarget(guard);
      const stored = this.#data.get(guard.key);
      if (((target === 'Mod' ? stored?.modRevision : stored?.createRevision) ?? 0) !== revision) {
        return { succeeded: false, revision: this.#revision };
      }
    }
    for (const op of ops) {
      if (op.op === 'put' && op.lease !== undefined && !this.#leases.get(op.lease)?.alive) {
        throw new LeaseNotFoundError(op.lease);
      }
    }
    this.#apply(ops);
    return { succeeded: true, revision: this.#revision };
  }

  async watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    this.#assertOpen('watch');
    return this.#hub.add(prefix, fromRevision, callbacks);
  }

  async grantLease(ttlSeconds: number): Promise<MemoryLease> {
    this.#assertOpen('grantLease');
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new StoreRequestError('ttlSeconds', ttlSeconds, 'an integer number of seconds >= 1');
    }
    const lease = new MemoryLease(String(this.#nextLeaseId++), ttlSeconds, this.#clock, {
      expire: (l, reason) => this.#endLease(l, reason),
      revoke: async (l) => this.#endLease(l, undefined),
    });
    this.#leases.set(lease.id, lease);
    return lease;
  }

  /** Test hook: the lease expires now, as if its holder had stopped renewing it a TTL ago. */
  expireLease(id: string): void {
    const lease = this.#leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    this.#endLease(lease, 'expired (forced by expireLease)');
  }

  /** Test hook: simulates a crashed holder; the lease expires a TTL later on the clock. */
  stopKeepAlive(id: string): void {
    const lease = this.#leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    lease.stopKeepAlive();
  }

  /** Forgets history before `revision`, like etcd's compaction; watchers behind it are reset. */
  async compact(revision: number): Promise<void> {
    this.#assertOpen('compact');
    if (revision <= this.#hub.compactRevision) {
      throw new CompactionError(`revision ${revision} has already been compacted`);
    }
    if (revision > this.#revision) {
      throw new CompactionError(`revision ${revision} is a future revision (current ${this.#revision})`);
    }
    this.#hub.compact(revision);
  }

  /** Resolves once every watcher has received every committed event. */
  settled(): Promise<void> {
    return this.#hub.settled();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.closeAll();
    for (const lease of this.#leases.values()) lease.end(undefined);
    this.#leases.clear();
  }

  #endLease(lease: MemoryLease, lostReason: string | undefined): void {
    if (!lease.alive) return;
    const keys = [...lease.keys];
    lease.end(lostReason);
    this.#leases.delete(lease.id);
    if (keys.length > 0) this.#apply(keys.map((key) => ({ op: 'delete', key })));
  }

  /** Applies already-checked ops as one revision (none if nothing changes, like etcd). */
  #apply(ops: readonly StoreOp[]): void {
    const revision = this.#revision + 1;
    const events: KvEvent[] = [];
    const remove = (key: string): void => {
      const stored = this.#data.get(key);
      if (!stored) return;
      this.#data.delete(key);
      if (stored.lease !== undefined) this.#leases.get(stored.lease)?.keys.delete(key);
      this.#sortedKeys.splice(lowerBound(this.#sortedKeys, key), 1);
      events.push({ type: 'delete', key, modRevision: revision });
    };
    for (const op of ops) {
      if (op.op === 'delete') {
        remove(op.key);
      } else if (op.op === 'deletePrefix') {
        const start = lowerBound(this.#sortedKeys, op.prefix);
        let end = start;
        while (this.#sortedKeys[end]?.startsWith(op.prefix)) end++;
        for (const key of this.#sortedKeys.slice(start, end)) remove(key);
      } else {
        const previous = this.#data.get(op.key);
        if (previous?.lease !== undefined) this.#leases.get(previous.lease)?.keys.delete(op.key);
        if (!previous) this.#sortedKeys.splice(lowerBound(this.#sortedKeys, op.key), 0, op.key);
        const createRevision = previous?.createRevision ?? revision;
        this.#data.set(op.key, { value: op.value, createRevision, modRevision: revision, lease: op.lease });
        if (op.lease !== undefined) this.#leases.get(op.lease)?.keys.add(op.key);
        events.push({ type: 'put', key: op.key, value: op.value, modRevision: revision, createRevision });
      }
    }
    if (events.length === 0) return;
    this.#revision = revision;
    this.#hub.append(revision, events);
    this.#hub.trim(this.#historyLimit);
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

function toEntry(key: string, stored: Stored): KvEntry {
  const entry: KvEntry = {
    key,
    value: stored.value,
    createRevision: stored.createRevision,
    modRevision: stored.modRevision,
  };
  if (stored.lease !== undefined) entry.lease = stored.lease;
  return entry;
}

/** Index of the first key >= `key` in etcd order. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const probe = keys[mid];
    if (probe !== undefined && compareKeys(probe, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
