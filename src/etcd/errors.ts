import type { InvalidInput } from '../common/invalid-input.js';
import { TickflowError } from '../common/tickflow-error.js';

/** Base class so callers can catch every store error in one place. */
export class StoreError extends TickflowError {
  override name = 'StoreError';
}

/**
 * The store could not be reached or did not answer in time. When `outcomeUnknown` is true the
 * request may have been applied (e.g. a deadline passed after it was sent): re-read before retrying.
 */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
  /** The store call that failed, e.g. `txn` or `connect`. */
  readonly operation: string;
  /** True when the request may have been applied: read before you retry it. */
  readonly outcomeUnknown: boolean;

  constructor(
    operation: string,
    detail: string,
    options: { outcomeUnknown?: boolean; cause?: unknown; hint?: string } = {},
  ) {
    super(
      `etcd ${operation} failed: ${detail}; ${options.hint ?? 'check that etcd is running and reachable'}`,
      {
        cause: options.cause,
      },
    );
    this.operation = operation;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

/** The request itself is malformed (too many ops, duplicate keys, empty key). Nothing was stored. */
export class StoreRequestError extends StoreError implements InvalidInput {
  override name = 'StoreRequestError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string, options: { cause?: unknown } = {}) {
    super(undefined, { cause: options.cause, invalid: { field, value, allowed } });
  }
}

/**
 * A request etcd can never accept because of its size (over etcd's `--max-request-bytes`, 1.5 MiB
 * by default), or an answer larger than the client may receive. Retrying cannot help: nothing was
 * stored. The HTTP API answers 413.
 */
export class StoreTooLargeError extends StoreRequestError {
  override name = 'StoreTooLargeError';
  /** The store call that was refused, e.g. `txn`. */
  readonly operation: string;

  constructor(operation: string, detail: string, options: { cause?: unknown } = {}) {
    super(
      `etcd ${operation}`,
      detail,
      "a request under etcd's --max-request-bytes (1.5 MiB by default); store large data elsewhere and pass a reference",
      options,
    );
    this.operation = operation;
  }
}

/** A put named a lease that does not exist (never granted, expired or revoked). Nothing was stored. */
export class LeaseNotFoundError extends StoreError {
  override name = 'LeaseNotFoundError';
  readonly leaseId: string;

  constructor(leaseId: string) {
    super(`lease ${leaseId} not found: it expired or was revoked; grant a new lease`);
    this.leaseId = leaseId;
  }
}

/** Passed to `KvLease.onLost`: the lease can no longer be kept alive. */
export class LeaseLostError extends StoreError {
  override name = 'LeaseLostError';
  readonly leaseId: string;

  constructor(leaseId: string, reason: string, options: { cause?: unknown } = {}) {
    super(`lease ${leaseId} lost: ${reason}`, { cause: options.cause });
    this.leaseId = leaseId;
  }
}

/** Passed to `WatchCallbacks.onReset` when the watch's next revision was compacted away. */
export class WatchCompactedError extends StoreError {
  override name = 'WatchCompactedError';
  readonly requestedRevision: number;
  readonly compactRevision: number;

  constructor(requestedRevision: number, compactRevision: number) {
    super(
      `watch from revision ${requestedRevision} is no longer possible: the store was compacted up to ` +
        `revision ${compactRevision}; re-read with range and watch again`,
    );
    this.requestedRevision = requestedRevision;
    this.compactRevision = compactRevision;
  }
}

/** Passed to `WatchCallbacks.onReset` when the store cancelled the watch for another reason. */
export class WatchCanceledError extends StoreError {
  override name = 'WatchCanceledError';

  constructor(reason: string) {
    super(`watch canceled by the store: ${reason || 'no reason given'}; re-read with range and watch again`);
  }
}

/** The store was closed by this process; no further calls are possible. */
export class StoreClosedError extends StoreError {
  override name = 'StoreClosedError';

  constructor(operation: string) {
    super(`cannot ${operation}: the store client was closed`);
  }
}

/** A compaction target at or below the current compaction, or beyond the current revision. */
export class CompactionError extends StoreError {
  override name = 'CompactionError';
}
