import { GRPCUnavailableError, type IOptions } from 'etcd3';
import { systemClock, type Clock } from '../common/clock.js';
import { TickflowError } from '../common/tickflow-error.js';

/**
 * The context's signal, shared: etcd3 never reads it (it calls `execute(() => ...)`), and a fresh
 * AbortController per etcd call was measurable on the step hot path.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

type HostPolicyFactory = NonNullable<NonNullable<IOptions['faultHandling']>['host']>;
type HostPolicy = ReturnType<HostPolicyFactory>;

/**
 * Thrown instead of calling a host that failed repeatedly; etcd3 then tries the next host. The
 * request was not sent. When every host is cooling down etcd3 gives up with this error, and
 * `retryAt` tells the retry policy when the first of them may be called again.
 */
export class HostCoolingDownError extends TickflowError {
  override name = 'HostCoolingDownError';
  /** The earliest time (by the breaker's clock) at which any host of this client reopens. */
  readonly retryAt: number;

  constructor(retryAt: number) {
    super('etcd host cooling down after failures');
    this.retryAt = retryAt;
  }
}

/**
 * Whether a failed call says this host is unreachable. Only transport failures count: an answer
 * from etcd ("etcdserver: no leader", "leader changed", ...) or a deadline is about the cluster
 * (an election, a slow quorum), and skipping the host would only take a healthy member out of
 * rotation — during an election that put every member to rest at once.
 */
export function hostUnreachable(error: unknown): boolean {
  return error instanceof GRPCUnavailableError && !error.message.includes('etcdserver:');
}

/**
 * A small per-host circuit breaker for etcd3's connection pool. etcd3's default keeps a host
 * unused for 5 s after three failures, which delays recovery from every etcd restart by up to
 * 5 s; this one skips a failing host only for `coolDownMs`, long enough to move on to healthy
 * members of a cluster without waiting on a dead one.
 *
 * etcd3 only ever calls `execute` on this policy, so that is all it implements.
 */
class HostBreaker {
  readonly #coolDownMs: number;
  readonly #clock: Clock;
  /** The breakers of every host of the same client, to tell when the first one reopens. */
  readonly #siblings: readonly HostBreaker[];
  #failures = 0;
  #openUntil = 0;

  constructor(coolDownMs: number, clock: Clock, siblings: readonly HostBreaker[]) {
    this.#coolDownMs = coolDownMs;
    this.#clock = clock;
    this.#siblings = siblings;
  }

  /** When this host may be called again (in the past while it is closed). */
  get reopensAt(): number {
    return this.#openUntil;
  }

  async execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
    if (this.#clock.now() < this.#openUntil) {
      throw new HostCoolingDownError(Math.min(...this.#siblings.map((b) => b.reopensAt)));
    }
    try {
      const result = await fn({ signal: NEVER_ABORTED });
      this.#failures = 0;
      return result;
    } catch (error) {
      if (hostUnreachable(error) && ++this.#failures >= 3) {
        this.#failures = 0;
        this.#openUntil = this.#clock.now() + this.#coolDownMs;
      }
      throw error;
    }
  }
}

/** One factory per client: etcd3 calls it once per host, and the hosts' breakers know each other. */
export function hostBreaker(coolDownMs: number, clock: Clock = systemClock): HostPolicyFactory {
  const breakers: HostBreaker[] = [];
  return () => {
    const breaker = new HostBreaker(coolDownMs, clock, breakers);
    breakers.push(breaker);
    return breaker as unknown as HostPolicy;
  };
}
