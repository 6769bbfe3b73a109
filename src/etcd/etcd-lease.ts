import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { LeaseLostError, LeaseNotFoundError } from './errors.js';
import { closeStream } from './close-stream.js';
import { toStoreError } from './etcd-error.js';
import type { KvLease } from './kv-store.js';

type KeepAliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

/**
 * An etcd lease kept alive on its own keepalive stream, written against the lease RPCs because
 * etcd3's Lease only declares a lease lost after twice its TTL without contact — by then etcd has
 * expired it and another member may own what it guarded.
 *
 * The lease is certainly alive until `sentAt + TTL` of the latest answered keepalive (etcd restarts
 * the TTL no earlier than it receives the request), so `onLost` fires a margin before that instant
 * unless a later keepalive has been answered.
 */
export class EtcdLease implements KvLease {
  readonly id: string;
  /** The TTL etcd granted, in seconds (etcd may raise a short TTL to its minimum). */
  readonly ttlSeconds: number;
  readonly #client: Etcd3;
  #state: 'alive' | 'lost' | 'revoked' = 'alive';
  #stream: KeepAliveStream | undefined;
  #opening = false;
  /** Send times of keepalives not yet answered; etcd answers in order. */
  #unanswered: number[] = [];
  #expiresAt: number;
  #tickTimer: NodeJS.Timeout;
  #lostTimer: NodeJS.Timeout | undefined;
  #lostHandlers: ((reason: Error) => void)[] = [];
  #lostReason: Error | undefined;

  private constructor(client: Etcd3, id: string, ttlSeconds: number, grantedFrom: number) {
    this.#client = client;
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.#expiresAt = grantedFrom + ttlSeconds * 1000;
    this.#armLostTimer();
    this.#tickTimer = setInterval(() => this.#tick(), (ttlSeconds * 1000) / 3);
    this.#tickTimer.unref();
    this.#tick();
  }

  /** @internal Leases are made by `EtcdKv.grantLease`. */
  static async grant(client: Etcd3, ttlSeconds: number): Promise<EtcdLease> {
    const sentAt = Date.now();
    try {
      const res = await client.leaseClient.leaseGrant({ TTL: ttlSeconds });
      // etcd may raise a short TTL to its minimum; the answered TTL is the real one.
      return new EtcdLease(client, res.ID, Number(res.TTL), sentAt);
    } catch (error) {
      throw toStoreError(error, 'grantLease');
    }
  }

  /** False once the lease is lost, revoked or released. */
  get alive(): boolean {
    return this.#state === 'alive';
  }

  onLost(fn: (reason: Error) => void): void {
    const reason = this.#lostReason;
    if (reason) queueMicrotask(() => fn(reason));
    else if (this.#state === 'alive') this.#lostHandlers.push(fn);
  }

  /**
   * Revokes the lease on the server, deleting its keys at once. Also worth calling after the lease
   * was reported lost: if etcd still holds it (we merely could not reach it in time), this frees its
   * keys now instead of after the TTL.
   */
  async revoke(): Promise<void> {
    if (this.#state === 'revoked') return;
    this.#state = 'revoked';
    this.#teardown();
    try {
      await this.#client.leaseClient.leaseRevoke({ ID: this.id });
    } catch (error) {
      const converted = toStoreError(error, 'revokeLease', this.id);
      if (!(converted instanceof LeaseNotFoundError)) throw converted;
    }
  }

  /** Stops keepalives without revoking: the lease expires on the server after its TTL (or is lost). */
  release(): void {
    if (this.#state !== 'alive') return;
    this.#state = 'revoked';
    this.#teardown();
  }

  #tick(): void {
    if (this.#state !== 'alive') return;
    const stream = this.#stream;
    if (stream) {
      this.#unanswered.push(Date.now());
      stream.write({ ID: this.id });
      return;
    }
    if (this.#opening) return;
    this.#opening = true;
    this.#client.leaseClient
      .leaseKeepAlive()
      .then((opened) => {
        this.#opening = false;
        if (this.#state !== 'alive') {
          closeStream(opened);
          return;
        }
        this.#stream = opened;
        this.#unanswered = [];
        opened.on('data', (res) => this.#onAnswer(opened, res));
        opened.on('error', () => this.#onBroken(opened));
        opened.on('end', () => this.#onBroken(opened));
        this.#tick();
      })
      .catch(() => {
        // etcd unreachable: the next tick tries again; the lost timer bounds how long we wait.
        this.#opening = false;
      });
  }

  #onAnswer(stream: KeepAliveStream, res: ILeaseKeepAliveResponse): void {
    if (stream !== this.#stream || this.#state !== 'alive') return;
    const sentAt = this.#unanswered.shift();
    if (Number(res.TTL) <= 0) {
      this.#lose('etcd reports it expired or revoked');
      return;
    }
    if (sentAt === undefined) return;
    this.#expiresAt = Math.max(this.#expiresAt, sentAt + Number(res.TTL) * 1000);
    this.#armLostTimer();
  }

  #onBroken(stream: KeepAliveStream): void {
    if (stream !== this.#stream) return;
    this.#stream = undefined;
    closeStream(stream);
  }

  #armLostTimer(): void {
    clearTimeout(this.#lostTimer);
    const ttlMs = this.ttlSeconds * 1000;
    // Leave the holder time to stop what the lease guards before anyone else can take it over.
    const margin = Math.min(1_000, ttlMs / 10);
    this.#lostTimer = setTimeout(
      () => this.#lose(`no keepalive answered within its ${this.ttlSeconds}s TTL (etcd unreachable?)`),
      Math.max(0, this.#expiresAt - margin - Date.now()),
    );
    this.#lostTimer.unref();
  }

  #lose(reason: string): void {
    if (this.#state !== 'alive') return;
    this.#state = 'lost';
    this.#teardown();
    const error = new LeaseLostError(this.id, reason);
    this.#lostReason = error;
    const handlers = this.#lostHandlers;
    this.#lostHandlers = [];
    for (const handler of handlers) queueMicrotask(() => handler(error));
  }

  #teardown(): void {
    clearInterval(this.#tickTimer);
    clearTimeout(this.#lostTimer);
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) closeStream(stream);
  }
}
