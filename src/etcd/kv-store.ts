import type { StoreGuard, StoreOp } from './store-op.js';

/** One key of the store as read: its value and etcd's revisions for it. */
export interface KvEntry {
  key: string;
  value: string;
  /** The revision that created this incarnation of the key. */
  createRevision: number;
  /** The revision of the key's last write. */
  modRevision: number;
  /** Lease id (decimal string) the key is attached to, if any. */
  lease?: string;
}

/** One change seen by a watch: a key written (with its new value) or deleted. */
export type KvEvent =
  | { type: 'put'; key: string; value: string; modRevision: number; createRevision: number }
  | { type: 'delete'; key: string; modRevision: number };

/** One page of `KvStore.range`. */
export interface RangeResult {
  entries: KvEntry[];
  /** The store revision the range was read at; watch from `revision + 1` to miss nothing. */
  revision: number;
  /** More keys remain after the last returned one: read on with `startAfter` its key. */
  more: boolean;
}

/** The outcome of `KvStore.txn`. */
export interface TxnResult {
  /** True when every guard held and the ops were applied; false when nothing was written. */
  succeeded: boolean;
  /** The store revision after the transaction (or at which the guards failed). */
  revision: number;
}

/** A running watch. */
export interface WatchHandle {
  /** Stops the watch. */
  cancel(): Promise<void>;
}

/** What a watch calls as changes arrive. */
export interface WatchCallbacks {
  /** Batches of changes, in revision order. */
  onEvents(events: KvEvent[], revision: number): void;
  /**
   * The watch cannot continue from where it was (e.g. the start revision was compacted away, or
   * the stream broke and events may have been missed). The watcher is cancelled; the consumer
   * re-reads with `range` and watches again from the new revision.
   */
  onReset(reason: Error): void;
}

/** A lease kept alive in the background until revoked or lost. */
export interface KvLease {
  /** Decimal string lease id, usable in `StoreOp` puts. */
  readonly id: string;
  /** Called once if the lease can no longer be kept alive (expired, revoked elsewhere, store lost). */
  onLost(fn: (reason: Error) => void): void;
  /** Revokes the lease: the keys attached to it are deleted at once. */
  revoke(): Promise<void>;
}

/**
 * The narrow slice of etcd tickflow needs. `EtcdKv` implements it on a real cluster;
 * an in-memory implementation backs unit tests and the time-skipping test environment.
 */
export interface KvStore {
  /** The entry of `key`, or undefined when it is absent. */
  get(key: string): Promise<KvEntry | undefined>;
  /**
   * The entries of `keys`, in the order given (undefined where a key is absent), read in batches:
   * on etcd one transaction per `MAX_TXN_OPS` keys. Each batch is read at one revision; batches of a
   * long list may be read at different ones.
   */
  getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>>;
  /**
   * Keys with `prefix`, in key order, optionally starting after `startAfter`, read at one revision.
   * A page holds at most `limit` entries and ends early once its keys and values reach the store's
   * read page size (2 MiB by default; always at least one entry), so callers read on while `more`
   * is set instead of counting entries.
   */
  range(prefix: string, options?: { limit?: number; startAfter?: string }): Promise<RangeResult>;
  /** Applies all `ops` atomically iff every guard holds. At most `MAX_TXN_OPS` ops. */
  txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult>;
  /** Watches keys under `prefix`, starting at `fromRevision` (inclusive). */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle>;
  /**
   * Grants a lease of `ttlSeconds` (an integer number of seconds >= 1, else `StoreRequestError`)
   * and keeps it alive until it is revoked or lost.
   */
  grantLease(ttlSeconds: number): Promise<KvLease>;
  /** Closes the store: cancels watches and stops keepalives; further calls fail. */
  close(): Promise<void>;
}
