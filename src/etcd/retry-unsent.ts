import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay, type BackoffPolicy } from '../common/backoff.js';
import type { IOptions } from 'etcd3';
import type { Clock } from '../common/clock.js';
import { HostCoolingDownError, NEVER_ABORTED } from './host-breaker.js';

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** grpc-js never opened a connection (or the host was skipped): the request did not leave this process. */
const NOT_SENT = /No connection established|ECONNREFUSED|cooling down/;

/**
 * etcd answered without proposing the request to raft, so it cannot have been applied (etcd
 * server, api/v3rpc and v3_server.go): "no leader", "not capable" and "rpc not supported for
 * learner" come from the gRPC interceptor before the handler runs; "too many requests" is checked
 * before the proposal; "raft proposal dropped" means raft refused to append it (no leader known,
 * or a leader transfer under way). Deliberately absent: "leader changed", "request timed out…",
 * "server stopped" and deadlines, which can follow a proposal that was committed.
 */
const REFUSED_BEFORE_PROPOSAL =
  /etcdserver: (no leader|not capable|too many requests|rpc not supported for learner)|raft proposal dropped/;

/** The request provably was not applied: it never reached etcd, or etcd refused it before raft saw it. */
export function notApplied(error: unknown): boolean {
  return (
    error instanceof Error && (NOT_SENT.test(error.message) || REFUSED_BEFORE_PROPOSAL.test(error.message))
  );
}

export interface RetryUnsentOptions {
  /** How long after the first attempt a request may still be re-sent; 0 turns retries off. Default 5000. */
  deadlineMs?: number;
  /** For tests; by default real time, whose waits keep the process alive. */
  clock?: Clock;
  /** For tests: jitter source in [0, 1). */
  random?: () => number;
}

const BACKOFF: BackoffPolicy = { firstMs: 25, maxMs: 1_000, jitter: 0.5 };

/**
 * The pause before attempt `attempt + 1`: none after the first failure (etcd3 sends the next
 * attempt to another host), then doubling up to a second, with jitter so that the callers of a
 * burst do not all come back in step.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return attempt <= 1 ? 0 : backoffDelay(BACKOFF, attempt - 1, random);
}

/**
 * etcd3's default retries every "recoverable" failure, deadlines included, so a guarded txn that
 * committed before its answer was lost can be re-sent, fail its own guard, and come back as
 * `succeeded: false` — a wrong answer. This policy re-sends only requests that provably were not
 * applied (`notApplied`), with backoff, until `deadlineMs` after the first attempt; when every host
 * is cooling down it waits for the first to reopen instead of failing at once (an etcd election
 * can put them all to rest together). Anything else surfaces as a StoreUnavailableError with
 * `outcomeUnknown`.
 *
 * etcd3 only ever calls `execute` on this policy, so that is all it implements.
 */
export function retryUnsent(options: RetryUnsentOptions = {}): GlobalPolicy {
  const { deadlineMs = 5_000, clock, random = Math.random } = options;
  const now = clock ? (): number => clock.now() : Date.now;
  // A real wait must hold the process open (systemClock's timers do not): a CLI awaiting a write
  // during an election would otherwise exit before the write was made.
  const sleepUntil = clock
    ? (at: number): Promise<void> => new Promise((resolve) => clock.schedule(at, resolve))
    : (at: number): Promise<void> => delay(Math.max(0, at - Date.now()));
  const policy = {
    async execute<T>(
      fn: (context: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T,
    ): Promise<T> {
      const signal = NEVER_ABORTED;
      const giveUpAt = now() + deadlineMs;
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn({ signal, attempt });
        } catch (error) {
          if (!notApplied(error)) throw error;
          const at = now();
          // Calling a host before its cool-down ends would only be refused again.
          const earliest = error instanceof HostCoolingDownError ? error.retryAt : at;
          if (at >= giveUpAt || earliest > giveUpAt) throw error;
          const next = Math.min(giveUpAt, Math.max(earliest, at + backoffMs(attempt, random)));
          if (next > at) await sleepUntil(next);
        }
      }
    },
  };
  return policy as unknown as GlobalPolicy;
}
