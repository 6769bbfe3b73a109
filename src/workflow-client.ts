import { ClientCore } from './runtime/client-core.js';
import type { KvStore } from './etcd/kv-store.js';
import { openStore, type StoreOptions } from './store-options.js';
import { TimerService } from './timers/timer-service.js';

/** Options of a `WorkflowClient`: where the store is, plus the client's limits. */
export interface WorkflowClientOptions extends StoreOptions {
  /** Must match the runtime's partition count (default 32). */
  partitions?: number;
  /** Raised events an instance may hold unconsumed before `raiseEvent` refuses more (default 10,000). */
  maxPendingEvents?: number;
  /** JSON bytes of the data of those events before `raiseEvent` refuses more (default 4 MiB). */
  maxPendingEventBytes?: number;
  /**
   * JSON bytes a workflow input, event data or termination output may have (default 256 KiB, at
   * most 1 MiB); larger ones are refused with a PayloadTooLargeError and nothing is stored.
   */
  maxPayloadBytes?: number;
}

/** Starts, queries and controls workflows; talks to etcd only, so it works from any process. */
export class WorkflowClient extends ClientCore {
  readonly #kv: KvStore;
  readonly #ownsKv: boolean;

  /**
   * Creates a client; it connects to etcd lazily, on first use. Throws `TypeError` when neither
   * `etcd` nor `kv` is given, `StoreRequestError` for bad `etcd` options and
   * `WorkflowValidationError` for a limit out of range.
   */
  constructor(options: WorkflowClientOptions) {
    const { kv, owned } = openStore(options);
    // Never started: used only to build reminder writes, which need the scope's key layout.
    const timers = new TimerService({
      kv,
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      ...(options.appId !== undefined && { appId: options.appId }),
      ...(options.partitions !== undefined && { partitions: options.partitions }),
      ...(options.clock !== undefined && { clock: options.clock }),
    });
    super({
      kv,
      reminders: timers,
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      ...(options.appId !== undefined && { appId: options.appId }),
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.maxPendingEvents !== undefined && { maxPendingEvents: options.maxPendingEvents }),
      ...(options.maxPendingEventBytes !== undefined && {
        maxPendingEventBytes: options.maxPendingEventBytes,
      }),
      ...(options.maxPayloadBytes !== undefined && { maxPayloadBytes: options.maxPayloadBytes }),
    });
    this.#kv = kv;
    this.#ownsKv = owned;
  }

  /** Closes the etcd connection this client opened. */
  async close(): Promise<void> {
    if (this.#ownsKv) await this.#kv.close();
  }
}
