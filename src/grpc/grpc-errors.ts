import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { toApiError } from '../server/api-error.js';

/** What a handler answers with when it fails: a gRPC status with details and, optionally, metadata. */
export type GrpcError = Pick<StatusObject, 'code' | 'details'> & Partial<Pick<StatusObject, 'metadata'>>;

/**
 * The HTTP API's status for a typed error (toApiError: one mapping for both faces) → its gRPC
 * code. 429 (an instance holding too many events) and 413 (too large for etcd or a payload
 * limit) are both "a resource is exhausted": retrying the same request fails the same way until
 * something changes.
 */
const CODE_OF_STATUS: ReadonlyMap<number, status> = new Map([
  [400, status.INVALID_ARGUMENT],
  [401, status.UNAUTHENTICATED],
  [404, status.NOT_FOUND],
  [409, status.ALREADY_EXISTS],
  [413, status.RESOURCE_EXHAUSTED],
  [429, status.RESOURCE_EXHAUSTED],
  [503, status.UNAVAILABLE],
]);

/**
 * Turns what a handler threw into a gRPC status. The details are the HTTP API's message (for bad
 * input: the field, the value and what is allowed); the metadata carries the Dapr error code
 * (`error-code`, e.g. ERR_JOB_INVALID) and, when known, `field` and `allowed`, for clients that
 * want them apart. A state conflict (409 ERR_WORKFLOW_STATE) is FAILED_PRECONDITION, not
 * ALREADY_EXISTS; anything unexpected is INTERNAL with `fallbackCode`.
 */
export function toGrpcError(error: unknown, fallbackCode?: string): GrpcError {
  const api = toApiError(error, fallbackCode);
  const metadata = new Metadata();
  metadata.set('error-code', api.errorCode);
  if (api.field !== undefined) metadata.set('field', printable(api.field));
  if (api.allowed !== undefined) metadata.set('allowed', printable(api.allowed));
  const code =
    api.errorCode === 'ERR_WORKFLOW_STATE'
      ? status.FAILED_PRECONDITION
      : (CODE_OF_STATUS.get(api.status) ?? status.INTERNAL);
  return { code, details: api.message, metadata };
}

/** Text metadata may hold printable ASCII only (grpc-js throws otherwise): escape the rest as \uXXXX. */
function printable(text: string): string {
  return text.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
