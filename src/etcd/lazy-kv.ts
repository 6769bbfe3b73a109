import type { StoreGuard, StoreOp } from './store-op.js';
import type {
  KvEntry,
  KvLease,
  KvStore,
  RangeResult,
  TxnResult,
  WatchCallbacks,
  WatchHandle,
} from './kv-store.js';

/**
 * A KvStore that connects on first use, so objects that need a store can be built synchronously
 * (`new WorkflowClient({ etcd: { hosts } })`) and report connection errors from their first call.
 */
export class LazyKv implements KvStore {
  readonly #connect: () => Promise<KvStore>;
  #store: Promise<KvStore> | undefined;

  constructor(connect: () => Promise<KvStore>) {
    this.#connect = connect;
  }

  #get(): Promise<KvStore> {
    // A failed connect is not cached: the next call tries again.
    this.#store ??= this.#connect().catch((error: unknown) => {
      this.#store = undefined;
      throw error;
    });
    return this.#store;
  }

  async get(key: string): Promise<KvEntry | undefined> {
    return (await this.#get()).get(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    return (await this.#get()).getMany(keys);
  }

  async range(prefix: string, options?: { limit?: number; startAfter?: string }): Promise<RangeResult> {
    return (await this.#get()).range(prefix, options);
  }

  async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    return (await this.#get()).txn(guards, ops);
  }

  async watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    return (await this.#get()).watch(prefix, fromRevision, callbacks);
  }

  async grantLease(ttlSeconds: number): Promise<KvLease> {
    return (await this.#get()).grantLease(ttlSeconds);
  }

  async close(): Promise<void> {
    const store = this.#store;
    this.#store = undefined;
    if (store) await (await store.catch(() => undefined))?.close();
  }
}
