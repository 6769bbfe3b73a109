import {
  WorkflowAlreadyExistsError,
  WorkflowLimitError,
  WorkflowNotFoundError,
  WorkflowStateError,
  WorkflowValidationError,
} from '../runtime/workflow-errors.js';
import { PayloadTooLargeError } from '../engine/payload-limit.js';
import { StoreTooLargeError, StoreUnavailableError } from '../etcd/errors.js';
import { JobAlreadyExistsError, JobNotFoundError, JobValidationError } from '../timers/errors.js';
import { TickflowError } from '../common/tickflow-error.js';
import { JobTargetValidationError } from '../runtime/job-targets/job-target-errors.js';

/** The JSON body of every error response (Dapr's shape, plus the offending field when known). */
export interface ErrorBody {
  errorCode: string;
  message: string;
  field?: string;
  allowed?: string;
}

/** An error with its HTTP status and Dapr-style error code, thrown by route handlers. */
export class ApiError extends TickflowError {
  override name = 'ApiError';
  readonly status: number;
  readonly errorCode: string;
  readonly field: string | undefined;
  readonly allowed: string | undefined;

  constructor(
    status: number,
    errorCode: string,
    message: string,
    details: { field?: string; allowed?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
    this.field = details.field;
    this.allowed = details.allowed;
  }

  toBody(): ErrorBody {
    return {
      errorCode: this.errorCode,
      message: this.message,
      ...(this.field !== undefined && { field: this.field }),
      ...(this.allowed !== undefined && { allowed: this.allowed }),
    };
  }
}

export const ErrorCode = {
  malformedRequest: 'ERR_MALFORMED_REQUEST',
  jobNameInvalid: 'ERR_JOB_NAME_INVALID',
  jobInvalid: 'ERR_JOB_INVALID',
  jobAlreadyExists: 'ERR_JOB_ALREADY_EXISTS',
  jobNotFound: 'ERR_JOB_NOT_FOUND',
  instanceIdInvalid: 'ERR_INSTANCE_ID_INVALID',
  instanceNotFound: 'ERR_INSTANCE_ID_NOT_FOUND',
  instanceAlreadyExists: 'ERR_INSTANCE_ID_ALREADY_EXISTS',
  workflowState: 'ERR_WORKFLOW_STATE',
  workflowLimit: 'ERR_WORKFLOW_LIMIT',
  workflowNotRegistered: 'ERR_WORKFLOW_NOT_REGISTERED',
  storeUnavailable: 'ERR_STORE_UNAVAILABLE',
  notReady: 'ERR_HEALTH_NOT_READY',
  routeNotFound: 'ERR_ROUTE_NOT_FOUND',
  bodyTooLarge: 'ERR_BODY_TOO_LARGE',
  apiTokenMissing: 'ERR_API_TOKEN_MISSING',
  apiTokenInvalid: 'ERR_API_TOKEN_INVALID',
  internal: 'ERR_INTERNAL',
} as const;

/**
 * Turns what a handler threw into an ApiError. Typed domain errors keep their message (it names
 * the field, the value and what is allowed); anything unexpected becomes a 500 carrying
 * `fallbackCode`, the Dapr code of the operation (ERR_START_WORKFLOW, ERR_SCHEDULE_JOB, ...).
 */
export function toApiError(error: unknown, fallbackCode: string = ErrorCode.internal): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof JobValidationError) {
    const code = error.field === 'name' ? ErrorCode.jobNameInvalid : ErrorCode.jobInvalid;
    return new ApiError(400, code, error.message, { field: error.field, allowed: error.allowed });
  }
  // A bad job target (or a job name that cannot name the instances it starts): bad job input.
  if (error instanceof JobTargetValidationError) {
    return new ApiError(400, ErrorCode.jobInvalid, error.message, {
      field: error.field,
      allowed: error.allowed,
    });
  }
  if (error instanceof JobAlreadyExistsError)
    return new ApiError(409, ErrorCode.jobAlreadyExists, error.message);
  if (error instanceof JobNotFoundError) return new ApiError(404, ErrorCode.jobNotFound, error.message);
  if (error instanceof WorkflowValidationError) {
    const code = error.field === 'instanceId' ? ErrorCode.instanceIdInvalid : ErrorCode.malformedRequest;
    return new ApiError(400, code, error.message, { field: error.field, allowed: error.allowed });
  }
  if (error instanceof WorkflowNotFoundError)
    return new ApiError(404, ErrorCode.instanceNotFound, error.message);
  if (error instanceof WorkflowAlreadyExistsError) {
    return new ApiError(409, ErrorCode.instanceAlreadyExists, error.message);
  }
  if (error instanceof WorkflowStateError) return new ApiError(409, ErrorCode.workflowState, error.message);
  // The instance holds too many unconsumed events: the caller may retry once it has caught up.
  if (error instanceof WorkflowLimitError) return new ApiError(429, ErrorCode.workflowLimit, error.message);
  // A workflow payload over maxPayloadBytes: refused before anything was stored.
  if (error instanceof PayloadTooLargeError) {
    return new ApiError(413, ErrorCode.bodyTooLarge, error.message, {
      field: error.field,
      allowed: error.allowed,
    });
  }
  // Too large for etcd: nothing was stored and a retry would fail the same way (not a 503).
  if (error instanceof StoreTooLargeError) {
    return new ApiError(413, ErrorCode.bodyTooLarge, error.message, {
      field: error.field,
      allowed: error.allowed,
    });
  }
  if (error instanceof StoreUnavailableError)
    return new ApiError(503, ErrorCode.storeUnavailable, error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, fallbackCode, message || 'internal error');
}
