import type { Etcd3, IDuplexStream, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';
import { backoffDelay, type BackoffPolicy } from '../common/backoff.js';
import { StoreUnavailableError, WatchCanceledError, WatchCompactedError } from './errors.js';
import { closeStream } from './close-stream.js';
import { toStoreError } from './etcd-error.js';
import { prefixEnd } from './key-order.js';
import type { KvEvent, WatchCallbacks, WatchHandle } from './kv-store.js';

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

const RECONNECT_BACKOFF: BackoffPolicy = { firstMs: 100, maxMs: 3_000 };

/**
 * A prefix watch on its own gRPC stream, written against etcd's watch RPC instead of etcd3's
 * Watcher because the latter resumes after a reconnect from the response *header* revision, which
 * can be ahead of events not yet sent (etcd batches catch-up events), and so can skip events.
 *
 * Here the resume point is the revision after the last event delivered, so a reconnect loses
 * nothing; if that revision was compacted meanwhile, etcd cancels the watch with its compact
 * revision and the consumer gets `onReset`.
 */
export class EtcdWatch implements WatchHandle {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #callbacks: WatchCallbacks;
  /** The first revision not yet delivered; 0 until etcd says where "now" is. */
  #nextRevision: number;
  #stream: WatchStream | undefined;
  #state: 'open' | 'ended' = 'open';
  #failures = 0;
  /** etcd has acknowledged this watch at least once; from then on breaks are retried, not thrown. */
  #everCreated = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #onCreated: { resolve: () => void; reject: (error: Error) => void } | undefined;

  private constructor(client: Etcd3, prefix: string, fromRevision: number, callbacks: WatchCallbacks) {
    this.#client = client;
    this.#prefix = prefix;
    this.#callbacks = callbacks;
    this.#nextRevision = Math.max(0, fromRevision);
  }

  /** Resolves once etcd has created the watch; rejects if it cannot be reached. */
  static async open(
    client: Etcd3,
    prefix: string,
    fromRevision: number,
    callbacks: WatchCallbacks,
  ): Promise<EtcdWatch> {
    const watch = new EtcdWatch(client, prefix, fromRevision, callbacks);
    await watch.#connect();
    return watch;
  }

  async cancel(): Promise<void> {
    this.#end();
  }

  #end(): void {
    this.#state = 'ended';
    clearTimeout(this.#retryTimer);
    this.#closeStream();
  }

  async #connect(): Promise<void> {
    let stream: WatchStream;
    try {
      stream = await this.#client.watchClient.watch();
    } catch (error) {
      throw toStoreError(error, 'watch');
    }
    if (this.#state === 'ended') {
      closeStream(stream);
      return;
    }
    this.#stream = stream;
    const created = new Promise<void>((resolve, reject) => (this.#onCreated = { resolve, reject }));
    stream.on('data', (res) => this.#onResponse(stream, res));
    stream.on('error', (error) => this.#onBroken(stream, toStoreError(error, 'watch')));
    stream.on('end', () => this.#onBroken(stream, new StoreUnavailableError('watch', 'the stream ended')));
    stream.write({
      create_request: {
        key: Buffer.from(this.#prefix, 'utf8'),
        range_end: prefixEnd(this.#prefix),
        start_revision: this.#nextRevision,
      },
    });
    await created;
  }

  #onResponse(stream: WatchStream, res: IWatchResponse): void {
    if (stream !== this.#stream || this.#state === 'ended') return;
    const compactRevision = Number(res.compact_revision);
    if (res.canceled || compactRevision > 0) {
      const reason =
        compactRevision > 0
          ? new WatchCompactedError(this.#nextRevision, compactRevision)
          : new WatchCanceledError(res.cancel_reason);
      this.#settleCreated();
      this.#reset(reason);
      return;
    }
    if (res.created) {
      if (this.#nextRevision === 0) this.#nextRevision = Number(res.header.revision) + 1;
      this.#failures = 0;
      this.#settleCreated();
      return;
    }
    const events: KvEvent[] = [];
    for (const event of res.events) {
      const converted = toKvEvent(event);
      // A resumed stream never repeats events, but a duplicate must never reach the consumer twice.
      if (converted.modRevision >= this.#nextRevision) events.push(converted);
    }
    const last = events[events.length - 1];
    if (!last) return;
    this.#nextRevision = last.modRevision + 1;
    try {
      this.#callbacks.onEvents(events, last.modRevision);
    } catch (error) {
      setImmediate(() => {
        throw error;
      });
    }
  }

  #onBroken(stream: WatchStream, error: Error): void {
    if (stream !== this.#stream || this.#state === 'ended') return;
    this.#closeStream();
    const pending = this.#onCreated;
    if (pending && !this.#everCreated) {
      // The first connection failed: the caller of `watch` gets the error instead of a dead handle.
      this.#onCreated = undefined;
      this.#state = 'ended';
      pending.reject(error);
      return;
    }
    this.#settleCreated();
    this.#scheduleReconnect();
  }

  #settleCreated(): void {
    this.#everCreated = true;
    const pending = this.#onCreated;
    this.#onCreated = undefined;
    pending?.resolve();
  }

  #scheduleReconnect(): void {
    // Real time, not an injected clock: this waits for a real etcd to come back.
    const delay = backoffDelay(RECONNECT_BACKOFF, ++this.#failures);
    this.#retryTimer = setTimeout(() => {
      if (this.#state === 'ended') return;
      this.#connect().catch(() => {
        if (this.#state !== 'ended' && !this.#stream) this.#scheduleReconnect();
      });
    }, delay);
    this.#retryTimer.unref();
  }

  #reset(reason: Error): void {
    this.#end();
    try {
      this.#callbacks.onReset(reason);
    } catch (error) {
      setImmediate(() => {
        throw error;
      });
    }
  }

  #closeStream(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) closeStream(stream);
    if (this.#onCreated && this.#state === 'ended') {
      this.#onCreated.resolve();
      this.#onCreated = undefined;
    }
  }
}

function toKvEvent(event: IEvent): KvEvent {
  const key = event.kv.key.toString('utf8');
  const modRevision = Number(event.kv.mod_revision);
  if (event.type === 'Delete') return { type: 'delete', key, modRevision };
  return {
    type: 'put',
    key,
    value: event.kv.value.toString('utf8'),
    modRevision,
    createRevision: Number(event.kv.create_revision),
  };
}
