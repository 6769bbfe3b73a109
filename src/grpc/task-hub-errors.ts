import { status } from '@grpc/grpc-js';
import { WorkflowWaitTimeoutError } from '../runtime/workflow-errors.js';
import { ErrorCode, toApiError, type ApiError } from '../server/api-error.js';

/** A call's failure as grpc-js sends it: a status code and a message, never a stack trace. */
export interface GrpcFailure {
  code: status;
  details: string;
}

/**
 * What a handler threw, as a gRPC status. It goes through the HTTP API's mapping (`toApiError`),
 * so both APIs classify every error the same way and keep the same messages (which name the
 * field, the value and what is allowed), and only the HTTP status is translated:
 * 400 INVALID_ARGUMENT, 404 NOT_FOUND, 409 ALREADY_EXISTS or FAILED_PRECONDITION (by error
 * code), 413 and 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, anything else INTERNAL.
 */
export function toGrpcFailure(error: unknown): GrpcFailure {
  // HTTP has no wait with a deadline; over gRPC the caller's deadline is what ran out.
  if (error instanceof WorkflowWaitTimeoutError)
    return { code: status.DEADLINE_EXCEEDED, details: error.message };
  const apiError = toApiError(error);
  return { code: grpcCode(apiError), details: apiError.message };
}

function grpcCode(error: ApiError): status {
  switch (error.errorCode) {
    case ErrorCode.instanceAlreadyExists:
    case ErrorCode.jobAlreadyExists:
      return status.ALREADY_EXISTS;
    case ErrorCode.workflowState:
      // The request is fine, the instance is not in a state to take it (e.g. purging a running one).
      return status.FAILED_PRECONDITION;
  }
  switch (error.status) {
    case 400:
      return status.INVALID_ARGUMENT;
    case 404:
      return status.NOT_FOUND;
    case 409:
      return status.ABORTED;
    case 413:
    case 429:
      return status.RESOURCE_EXHAUSTED;
    case 503:
      return status.UNAVAILABLE;
    default:
      return status.INTERNAL;
  }
}
