import type { Clock } from './common/clock.js';
import { checkConnectOptions, connectEtcd, type ConnectEtcdOptions } from './etcd/etcd-kv.js';
import type { KvStore } from './etcd/kv-store.js';
import { LazyKv } from './etcd/lazy-kv.js';

/** Where tickflow keeps its state: an etcd cluster by its client URLs, or a KvStore you built. */
export interface StoreOptions {
  /** `hosts` plus, optionally, the client's timeouts and retry deadline (see `connectEtcd`). */
  etcd?: ConnectEtcdOptions;
  /** A store to use instead of connecting to etcd (e.g. a `MemoryKv`); it is not closed for you. */
  kv?: KvStore;
  /** Scope of jobs and workflows; replicas with the same scope share the work. */
  namespace?: string;
  /** The other half of the scope, next to `namespace` (default `tickflow`). */
  appId?: string;
  /** Where time comes from (default the system clock; tests pass a `FakeClock`). */
  clock?: Clock;
}

/** The store to use, and whether we opened it (and so must close it). */
export function openStore(options: StoreOptions): { kv: KvStore; owned: boolean } {
  if (options.kv) return { kv: options.kv, owned: false };
  const etcd = options.etcd;
  if (!etcd) {
    throw new TypeError(
      'no store given: pass { etcd: { hosts: [...] } } (e.g. from startEmbeddedEtcd()) or { kv }',
    );
  }
  checkConnectOptions(etcd);
  const connect = { ...etcd, hosts: [...etcd.hosts] };
  return { kv: new LazyKv(() => connectEtcd(connect)), owned: true };
}
