import { hostname } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import type { KvLease, KvStore } from '../etcd/kv-store.js';
import { clusterKeys, type ClusterKeys } from './cluster-keys.js';
import { ClusterView } from './cluster-view.js';
import { ClusterError } from './errors.js';
import { assignPartitions } from './partition.js';
import { asError } from '../common/as-error.js';
import { agreePartitionCount } from './partition-count.js';
import { backoffDelay, retryWithBackoff, type BackoffPolicy } from '../common/backoff.js';
import { systemClock, type Clock } from '../common/clock.js';

export interface PartitionOwnershipOptions {
  kv: KvStore;
  /** Root of this cluster's keys (members, owners, partition count). */
  prefix: string;
  /** Partition count; the first member stores it and the rest must agree. Default 32 (or the stored one). */
  partitions?: number;
  memberId?: string;
  /** A dead member's partitions move after about this long. Default 10. */
  leaseTtlSeconds?: number;
  /** Start serving partition `p`. Ownership is reported only once this resolves. */
  onAcquire(partition: number): Promise<void>;
  /** Stop serving partition `p`; its owner key is deleted only after this resolves. */
  onRelease(partition: number): Promise<void>;
  /** First wait before retrying after a store error, doubling up to 2 s. Default 500. */
  retryDelayMs?: number;
  /** Drives the retry waits (the time-skipping environment injects its own). Default the wall clock. */
  clock?: Clock;
}

export type ReleaseReason = 'rebalance' | 'stop' | 'leaseLost' | 'ownerKeyLost';

export interface PartitionOwnershipEvents {
  acquired: [partition: number];
  released: [partition: number, reason: ReleaseReason];
  membersChanged: [members: readonly string[]];
  /** The lease was lost; everything was released and the member rejoins with a new lease. */
  leaseLost: [reason: Error];
  error: [error: Error];
}

/** Retries after a store error back off to this (an outage need not be polled every 500 ms). */
const MAX_RETRY_DELAY_MS = 2_000;

/**
 * Lease-based partition ownership (the "one owner per partition" guarantee of
 * docs/architecture.md). Each member registers under its lease and computes the same assignment
 * from the same member list; an owner key per partition, created only when absent and
 * living under its owner's lease, guarantees at most one live owner at a time. A member hands a
 * partition over by first stopping (onRelease) and only then deleting its owner key; the next
 * owner claims when it sees the key gone.
 */
export class PartitionOwnership extends EventEmitter<PartitionOwnershipEvents> {
  readonly memberId: string;
  readonly #kv: KvStore;
  readonly #keys: ClusterKeys;
  readonly #requested: number | undefined;
  readonly #ttl: number;
  readonly #onAcquire: (partition: number) => Promise<void>;
  readonly #onRelease: (partition: number) => Promise<void>;
  readonly #retry: BackoffPolicy;
  readonly #clock: Clock;
  readonly #view: ClusterView;
  #count = 0;
  #lease: KvLease | undefined;
  /** Bumped whenever the lease is lost: work begun under an older epoch is stale. */
  #epoch = 0;
  /** Owner keys we hold, by partition, with their mod revision. */
  readonly #held = new Map<number, number>();
  /** Partitions whose onAcquire finished and that are not being released. */
  readonly #owned = new Set<number>();
  #running: Promise<void> | undefined;
  #dirty = false;
  #state: 'idle' | 'started' | 'stopping' = 'idle';
  #cancelRetry: (() => void) | undefined;
  /** Failed reconciliation passes in a row, for the backoff. */
  #passFailures = 0;

  constructor(options: PartitionOwnershipOptions) {
    super();
    this.#kv = options.kv;
    this.#keys = clusterKeys(options.prefix);
    this.#requested = options.partitions;
    this.memberId = options.memberId ?? `${hostname()}-${process.pid}-${nanoid(6)}`;
    this.#ttl = options.leaseTtlSeconds ?? 10;
    this.#onAcquire = options.onAcquire;
    this.#onRelease = options.onRelease;
    const firstMs = options.retryDelayMs ?? 500;
    this.#retry = { firstMs, maxMs: Math.max(firstMs, MAX_RETRY_DELAY_MS) };
    this.#clock = options.clock ?? systemClock;
    if (this.memberId === '' || this.memberId.includes('/')) {
      throw new ClusterError(
        `memberId must be non-empty and contain no "/", got ${JSON.stringify(this.memberId)}`,
      );
    }
    this.#view = new ClusterView(this.#kv, this.#keys, this.#clock, {
      onChange: ({ members }) => {
        if (members) this.emit('membersChanged', this.#view.members());
        this.#kick();
      },
      onError: (error) => this.emit('error', error),
    });
  }

  /** The agreed partition count (known after `start`). */
  get partitions(): number {
    return this.#count;
  }

  owned(): ReadonlySet<number> {
    return new Set(this.#owned);
  }

  members(): readonly string[] {
    return this.#view.members();
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new ClusterError('PartitionOwnership was already started');
    this.#count = await agreePartitionCount(this.#kv, this.#keys.partitionCount, this.#requested);
    this.#state = 'started';
    try {
      await this.#join();
      await this.#view.start();
    } catch (error) {
      this.#state = 'idle';
      const lease = this.#lease;
      this.#lease = undefined;
      await lease?.revoke().catch(() => undefined);
      await this.#view.stop();
      throw error;
    }
  }

  /** Releases every partition (onRelease, then the lease is revoked) so others take over at once. */
  async stop(): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'stopping';
    this.#cancelRetry?.();
    await this.#running;
    this.#epoch++;
    const owned = [...this.#owned];
    this.#owned.clear();
    await Promise.all(owned.map((p) => this.#callRelease(p, 'stop')));
    this.#held.clear();
    const lease = this.#lease;
    this.#lease = undefined;
    // Revoking deletes the member key and every owner key in one revision.
    await lease?.revoke().catch((error: unknown) => this.emit('error', asError(error)));
    await this.#view.stop();
    this.#state = 'idle';
  }

  async #join(): Promise<void> {
    const lease = await this.#kv.grantLease(this.#ttl);
    try {
      const member = this.#keys.member(this.memberId);
      const value = JSON.stringify({ id: this.memberId, since: new Date().toISOString() });
      await this.#kv.txn([], [{ op: 'put', key: member, value, lease: lease.id }]);
    } catch (error) {
      await lease.revoke().catch(() => undefined);
      throw error;
    }
    this.#lease = lease;
    lease.onLost((reason) => void this.#onLeaseLost(lease, reason));
  }

  async #onLeaseLost(lease: KvLease, reason: Error): Promise<void> {
    if (lease !== this.#lease || this.#state !== 'started') return;
    this.#epoch++;
    this.#lease = undefined;
    const owned = [...this.#owned];
    this.#owned.clear();
    this.#held.clear();
    this.emit('leaseLost', reason);
    await Promise.all(owned.map((p) => this.#callRelease(p, 'leaseLost')));
    await retryWithBackoff(() => this.#join(), {
      clock: this.#clock,
      policy: this.#retry,
      active: () => this.#state === 'started' && !this.#lease,
      onFailure: (error) => void this.emit('error', asError(error)),
    });
    // Nothing is served any more and etcd answers again: if it still holds the old lease (it extends
    // leases across a restart), revoking frees the old owner keys now rather than after the TTL.
    lease.revoke().catch(() => undefined);
    this.#kick();
  }

  /** Runs reconciliation passes one at a time until nothing changed meanwhile. */
  #kick(): void {
    if (this.#state !== 'started') return;
    this.#dirty = true;
    if (this.#running) return;
    this.#running = (async () => {
      while (this.#dirty && this.#state === 'started') {
        this.#dirty = false;
        try {
          await this.#pass();
          this.#passFailures = 0;
        } catch (error) {
          this.emit('error', asError(error));
          this.#cancelRetry?.();
          const delayMs = backoffDelay(this.#retry, ++this.#passFailures);
          this.#cancelRetry = this.#clock.schedule(this.#clock.now() + delayMs, () => this.#kick());
        }
      }
    })().finally(() => (this.#running = undefined));
  }

  async #pass(): Promise<void> {
    const lease = this.#lease;
    const members = this.#view.members();
    if (!lease || !members.includes(this.memberId)) return;
    const epoch = this.#epoch;
    const target = new Set(assignPartitions(members, this.#count).get(this.memberId));
    const work: Promise<void>[] = [];
    for (const [p, modRevision] of this.#held) {
      const record = this.#view.owner(p);
      const viewIsCurrent = this.#view.revision >= modRevision;
      if (viewIsCurrent && record?.lease !== lease.id) work.push(this.#lost(p));
      else if (!target.has(p)) work.push(this.#release(p, modRevision));
    }
    for (let p = 0; p < this.#count; p++) {
      if (this.#held.has(p)) continue;
      const record = this.#view.owner(p);
      if (!record) {
        if (target.has(p)) work.push(this.#claim(p, lease, epoch));
      } else if (record.lease === lease.id) {
        // Our key, but not tracked (e.g. deleting it failed earlier): adopt it or hand it back.
        this.#held.set(p, record.modRevision);
        work.push(target.has(p) ? this.#acquire(p, epoch) : this.#release(p, record.modRevision, false));
      }
    }
    await Promise.all(work);
  }

  async #claim(p: number, lease: KvLease, epoch: number): Promise<void> {
    const key = this.#keys.owner(p);
    const value = JSON.stringify({ member: this.memberId, lease: lease.id });
    const res = await this.#kv.txn([{ key, modRevision: 0 }], [{ op: 'put', key, value, lease: lease.id }]);
    if (!res.succeeded || epoch !== this.#epoch) return;
    this.#held.set(p, res.revision);
    await this.#acquire(p, epoch);
  }

  async #acquire(p: number, epoch: number): Promise<void> {
    try {
      await this.#onAcquire(p);
    } catch (error) {
      this.emit('error', asError(error));
      const modRevision = this.#held.get(p);
      if (epoch === this.#epoch && modRevision !== undefined) await this.#release(p, modRevision, false);
      return;
    }
    if (epoch !== this.#epoch || !this.#held.has(p)) {
      // Lost while acquiring: whoever released the rest could not release this one yet.
      await this.#callRelease(p, 'leaseLost');
      return;
    }
    this.#owned.add(p);
    this.emit('acquired', p);
  }

  /** Stops serving `p`, then deletes its owner key (only if still ours) so the next owner can claim. */
  async #release(p: number, modRevision: number, serving = true): Promise<void> {
    this.#owned.delete(p);
    if (serving) await this.#callRelease(p, 'rebalance');
    this.#held.delete(p);
    const key = this.#keys.owner(p);
    await this.#kv.txn([{ key, modRevision }], [{ op: 'delete', key }]);
  }

  /** Our owner key vanished (lease expired on the server, or removed by hand): stop at once. */
  async #lost(p: number): Promise<void> {
    this.#held.delete(p);
    if (this.#owned.delete(p)) await this.#callRelease(p, 'ownerKeyLost');
  }

  async #callRelease(p: number, reason: ReleaseReason): Promise<void> {
    try {
      await this.#onRelease(p);
    } catch (error) {
      this.emit('error', asError(error));
    }
    this.emit('released', p, reason);
  }
}
