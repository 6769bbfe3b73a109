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

/**
 * A KvStore that hands every call to another one: the base of the tests' store wrappers, which
 * override only the calls they hold back, record or alter.
 */
export class ForwardingKv implements KvStore {
  protected readonly inner: KvStore;

  constructor(inner: KvStore) {
    this.inner = inner;
  }

  get(key: string): Promise<KvEntry | undefined> {
    return this.inner.get(key);
  }
  getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    return this.inner.getMany(keys);
  }
  range(prefix: string, options?: { limit?: number; startAfter?: string }): Promise<RangeResult> {
    return this.inner.range(prefix, options);
  }
  txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    return this.inner.txn(guards, ops);
  }
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    return this.inner.watch(prefix, fromRevision, callbacks);
  }
  grantLease(ttlSeconds: number): Promise<KvLease> {
    return this.inner.grantLease(ttlSeconds);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
