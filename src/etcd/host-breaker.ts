import { isRecoverableError, type IOptions } from 'etcd3';

type HostPolicyFactory = NonNullable<NonNullable<IOptions['faultHandling']>['host']>;
type HostPolicy = ReturnType<HostPolicyFactory>;

/** Thrown instead of calling a host that failed repeatedly; etcd3 then tries the next host. */
class HostCoolingDownError extends Error {
  override name = 'HostCoolingDownError';
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
  #failures = 0;
  #openUntil = 0;

  constructor(coolDownMs: number) {
    this.#coolDownMs = coolDownMs;
  }

  async execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
    if (Date.now() < this.#openUntil) throw new HostCoolingDownError('etcd host cooling down after failures');
    try {
      const result = await fn({ signal: new AbortController().signal });
      this.#failures = 0;
      return result;
    } catch (error) {
      if (error instanceof Error && isRecoverableError(error) && ++this.#failures >= 3) {
        this.#failures = 0;
        this.#openUntil = Date.now() + this.#coolDownMs;
      }
      throw error;
    }
  }
}

export function hostBreaker(coolDownMs: number): HostPolicyFactory {
  return () => new HostBreaker(coolDownMs) as unknown as HostPolicy;
}
