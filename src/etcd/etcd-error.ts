import {
  ClientClosedError,
  EtcdLeaseInvalidError,
  GRPCInvalidArgumentError,
  isRecoverableError,
} from 'etcd3';
import {
  LeaseNotFoundError,
  StoreClosedError,
  StoreError,
  StoreRequestError,
  StoreTooLargeError,
  StoreUnavailableError,
} from './errors.js';
import { notApplied } from './retry-unsent.js';
import { isNoSpaceError } from './store-quota.js';

/** Operations that change nothing, so a failure after sending them leaves no doubt about the outcome. */
/** etcd's "request is too large", and grpc's message limits on either side of the connection. */
const TOO_LARGE = /request is too large|received message larger than max|sent message larger than max/i;

const READ_ONLY = new Set(['get', 'getMany', 'range', 'watch', 'status']);

/**
 * Converts what etcd3/grpc-js throw into tickflow's store errors, at the boundary, so callers
 * never see gRPC types. `leaseId` names the lease a lease-not-found answer is about.
 */
export function toStoreError(error: unknown, operation: string, leaseId?: string): StoreError {
  if (error instanceof StoreError) return error;
  if (!(error instanceof Error)) return new StoreError(`etcd ${operation} failed: ${String(error)}`);
  if (error instanceof EtcdLeaseInvalidError || /requested lease not found/.test(error.message)) {
    return new LeaseNotFoundError(leaseId ?? leaseIdFrom(error.message));
  }
  if (error instanceof ClientClosedError) return new StoreClosedError(operation);
  // Checked before the generic cases: etcd3 counts RESOURCE_EXHAUSTED as recoverable, but a request
  // or an answer over a size limit fails the same way every time it is sent.
  if (TOO_LARGE.test(error.message)) {
    return new StoreTooLargeError(operation, stripPrefix(error.message), { cause: error });
  }
  if (error instanceof GRPCInvalidArgumentError) {
    return new StoreRequestError(operation, stripPrefix(error.message), 'a request etcd accepts', {
      cause: error,
    });
  }
  if (/too many operations in txn request/.test(error.message)) {
    return new StoreRequestError(operation, stripPrefix(error.message), 'fewer operations per transaction', {
      cause: error,
    });
  }
  // A full backend refuses writes until it is compacted, defragmented and the alarm disarmed: a
  // retry succeeds once that is done, so it stays a 503, but it says what is wrong.
  if (isNoSpaceError(error)) {
    return new StoreUnavailableError(operation, stripPrefix(error.message), {
      outcomeUnknown: false,
      cause: error,
      hint:
        "etcd's backend is full (NOSPACE alarm) and refuses writes until it is compacted and defragmented " +
        'and the alarm is disarmed; tickflow does that for its embedded etcd by itself, and for an external ' +
        'one with `tickflow serve --etcd-recover` (see docs/operations.md)',
    });
  }
  if (isRecoverableError(error) || /breaker|circuit|cooling down/i.test(error.message)) {
    return new StoreUnavailableError(operation, stripPrefix(error.message), {
      outcomeUnknown: !notApplied(error) && !READ_ONLY.has(operation),
      cause: error,
    });
  }
  return new StoreError(`etcd ${operation} failed: ${stripPrefix(error.message)}`, { cause: error });
}

function stripPrefix(message: string): string {
  return message.replace(/^\w*Error: /, '').replace(/^\d+ [A-Z_]+: /, '');
}

function leaseIdFrom(message: string): string {
  return /Lease (\S+)/.exec(message)?.[1] ?? 'unknown';
}
