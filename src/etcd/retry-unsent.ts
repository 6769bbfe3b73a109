import type { IOptions } from 'etcd3';

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** The request provably never reached etcd: no connection, or the host was skipped. */
export function neverSent(error: unknown): boolean {
  return error instanceof Error && /No connection established|ECONNREFUSED|cooling down/.test(error.message);
}

/**
 * etcd3's default retries every "recoverable" failure, deadlines included, so a guarded txn that
 * committed before its answer was lost can be re-sent, fail its own guard, and come back as
 * `succeeded: false` — a wrong answer. This policy re-sends (to the next host) only requests that
 * never reached etcd; anything else surfaces as a StoreUnavailableError with `outcomeUnknown`.
 *
 * etcd3 only ever calls `execute` on this policy, so that is all it implements.
 */
export function retryUnsent(maxAttempts = 3): GlobalPolicy {
  const policy = {
    async execute<T>(
      fn: (context: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T,
    ): Promise<T> {
      const signal = new AbortController().signal;
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn({ signal, attempt });
        } catch (error) {
          if (attempt >= maxAttempts || !neverSent(error)) throw error;
        }
      }
    },
  };
  return policy as unknown as GlobalPolicy;
}
