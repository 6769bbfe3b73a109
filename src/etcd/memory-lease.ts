import type { Clock } from '../common/clock.js';
import { LeaseLostError } from './errors.js';
import type { KvLease } from './kv-store.js';

/**
 * One lease of a MemoryKv. While its holder "keeps it alive" it never expires, so an idle
 * time-skipping environment has no perpetual keepalive timers; `stopKeepAlive` simulates a
 * crashed or partitioned holder, after which the lease expires `ttl` later on the clock.
 */
export class MemoryLease implements KvLease {
  readonly id: string;
  /** The TTL the lease was granted with, in seconds. */
  readonly ttlSeconds: number;
  /** Keys attached to this lease, deleted with it. */
  readonly keys = new Set<string>();
  readonly #clock: Clock;
  readonly #expire: (lease: MemoryLease, reason: string) => void;
  readonly #revoke: (lease: MemoryLease) => Promise<void>;
  #lostHandlers: ((reason: Error) => void)[] = [];
  #lostReason: Error | undefined;
  #alive = true;
  #cancelExpiry: (() => void) | undefined;

  /** @internal Leases are made by `MemoryKv.grantLease`. */
  constructor(
    id: string,
    ttlSeconds: number,
    clock: Clock,
    hooks: {
      expire: (lease: MemoryLease, reason: string) => void;
      revoke: (lease: MemoryLease) => Promise<void>;
    },
  ) {
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.#clock = clock;
    this.#expire = hooks.expire;
    this.#revoke = hooks.revoke;
  }

  /** False once the lease has expired or been revoked. */
  get alive(): boolean {
    return this.#alive;
  }

  onLost(fn: (reason: Error) => void): void {
    const reason = this.#lostReason;
    if (reason) {
      queueMicrotask(() => fn(reason));
      return;
    }
    this.#lostHandlers.push(fn);
  }

  revoke(): Promise<void> {
    return this.#revoke(this);
  }

  /** Stops the simulated keepalive: the lease expires `ttlSeconds` from now on the clock. */
  stopKeepAlive(): void {
    if (!this.#alive || this.#cancelExpiry) return;
    this.#cancelExpiry = this.#clock.schedule(this.#clock.now() + this.ttlSeconds * 1000, () => {
      this.#cancelExpiry = undefined;
      this.#expire(this, `not kept alive for its TTL of ${this.ttlSeconds}s`);
    });
  }

  /** @internal Marks the lease dead; `lostReason` set means its holder is told through onLost. */
  end(lostReason: string | undefined): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#cancelExpiry?.();
    this.#cancelExpiry = undefined;
    if (lostReason === undefined) {
      this.#lostHandlers = [];
      return;
    }
    const error = new LeaseLostError(this.id, lostReason);
    this.#lostReason = error;
    const handlers = this.#lostHandlers;
    this.#lostHandlers = [];
    for (const handler of handlers) queueMicrotask(() => handler(error));
  }
}
