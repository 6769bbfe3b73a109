/**
 * A KvStore around a real one whose transactions a test can hold at the door, to open the window
 * between a client's read and its write: hold(), let the client start, await `held` (a transaction
 * is waiting), change the store behind its back, then release().
 */
import type {
  KvEntry,
  KvLease,
  KvStore,
  RangeResult,
  TxnResult,
  WatchCallbacks,
  WatchHandle,
} from '../../src/etcd/kv-store.js';
import type { StoreGuard, StoreOp } from '../../src/etcd/store-op.js';

export class GatedKv implements KvStore {
  readonly #inner: KvStore;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  #onHeld: (() => void) | undefined;
  /** Resolves when a transaction first waits at the closed gate. */
  held: Promise<void> = Promise.resolve();

  constructor(inner: KvStore) {
    this.#inner = inner;
  }

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
    this.held = new Promise((resolve) => (this.#onHeld = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    const gate = this.#gate;
    if (gate) {
      this.#onHeld?.();
      await gate;
    }
    return this.#inner.txn(guards, ops);
  }

  get(key: string): Promise<KvEntry | undefined> {
    return this.#inner.get(key);
  }
  getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    return this.#inner.getMany(keys);
  }
  range(prefix: string, options?: { limit?: number; startAfter?: string }): Promise<RangeResult> {
    return this.#inner.range(prefix, options);
  }
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    return this.#inner.watch(prefix, fromRevision, callbacks);
  }
  grantLease(ttlSeconds: number): Promise<KvLease> {
    return this.#inner.grantLease(ttlSeconds);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}
