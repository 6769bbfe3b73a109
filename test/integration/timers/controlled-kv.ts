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
import type { KvEvent, WatchCallbacks, WatchHandle } from '../../../src/etcd/kv-store.js';
import { ForwardingKv } from '../../helpers/forwarding-kv.js';

interface Controlled {
  prefix: string;
  next: number;
  callbacks: WatchCallbacks;
  inner: WatchHandle | undefined;
  held: Array<{ events: KvEvent[]; revision: number }> | undefined;
}

export class ControlledKv extends ForwardingKv {
  readonly #prefix: string;
  readonly #watches = new Set<Controlled>();

  constructor(inner: EtcdKv, controlledPrefix: string) {
    super(inner);
    this.#prefix = controlledPrefix;
  }

  override async watch(
    prefix: string,
    fromRevision: number,
    callbacks: WatchCallbacks,
  ): Promise<WatchHandle> {
    if (!prefix.startsWith(this.#prefix)) return this.inner.watch(prefix, fromRevision, callbacks);
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
    w.inner = await this.inner.watch(w.prefix, w.next, {
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
