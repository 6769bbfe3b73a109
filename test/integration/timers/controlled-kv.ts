/**
 * A real etcd KvStore whose watches under one prefix the test controls, to open the windows in
 * which a replica's view lags behind etcd:
 *
 *  - hold()/release(): events are buffered, then delivered late (a slow watch stream);
 *  - sever()/resume(): the watch is cut and later resumed from the revision after the last event it
 *    delivered, as EtcdWatch resumes after a broken stream; if etcd compacted that revision
 *    meanwhile, etcd cancels the watch and the consumer gets onReset.
 */
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import type {
  KvEntry,
  KvEvent,
  KvLease,
  KvStore,
  RangeResult,
  TxnResult,
  WatchCallbacks,
  WatchHandle,
} from '../../../src/etcd/kv-store.js';
import type { StoreGuard, StoreOp } from '../../../src/etcd/store-op.js';

interface Controlled {
  prefix: string;
  next: number;
  callbacks: WatchCallbacks;
  inner: WatchHandle | undefined;
  held: Array<{ events: KvEvent[]; revision: number }> | undefined;
}

export class ControlledKv implements KvStore {
  readonly #inner: EtcdKv;
  readonly #prefix: string;
  readonly #watches = new Set<Controlled>();

  constructor(inner: EtcdKv, controlledPrefix: string) {
    this.#inner = inner;
    this.#prefix = controlledPrefix;
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
  txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    return this.#inner.txn(guards, ops);
  }
  grantLease(ttlSeconds: number): Promise<KvLease> {
    return this.#inner.grantLease(ttlSeconds);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }

  async watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    if (!prefix.startsWith(this.#prefix)) return this.#inner.watch(prefix, fromRevision, callbacks);
    const w: Controlled = { prefix, next: fromRevision, callbacks, inner: undefined, held: undefined };
    await this.#open(w);
    this.#watches.add(w);
    return {
      cancel: async () => {
        this.#watches.delete(w);
        await w.inner?.cancel();
      },
    };
  }

  /** Buffers every event from now on until `release`. */
  hold(): void {
    for (const w of this.#watches) w.held ??= [];
  }

  /** Delivers what was held, in order, and stops holding. */
  release(): void {
    for (const w of this.#watches) {
      const held = w.held ?? [];
      w.held = undefined;
      for (const batch of held) w.callbacks.onEvents(batch.events, batch.revision);
    }
  }

  async sever(): Promise<void> {
    for (const w of this.#watches) {
      const inner = w.inner;
      w.inner = undefined;
      await inner?.cancel();
    }
  }

  async resume(): Promise<void> {
    for (const w of [...this.#watches]) await this.#open(w);
  }

  async #open(w: Controlled): Promise<void> {
    w.inner = await this.#inner.watch(w.prefix, w.next, {
      onEvents: (events, revision) => {
        w.next = revision + 1;
        if (w.held) w.held.push({ events, revision });
        else w.callbacks.onEvents(events, revision);
      },
      onReset: (reason) => {
        this.#watches.delete(w);
        w.callbacks.onReset(reason);
      },
    });
  }
}
