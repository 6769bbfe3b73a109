import { invalidInputMessage, type InvalidInput } from '../common/invalid-input.js';

/** Base class so callers can catch every timer-service error in one place. */
export class TimerServiceError extends Error {
  override name = 'TimerServiceError';
}

/** Bad job input. Names the field, the value received, and what is allowed. Nothing was stored. */
export class JobValidationError extends TimerServiceError implements InvalidInput {
  override name = 'JobValidationError';
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string, message?: string) {
    super(message ?? invalidInputMessage(field, value, allowed));
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

/** `schedule` with the name of an existing job and without `overwrite: true`. Nothing was stored. */
export class JobAlreadyExistsError extends TimerServiceError {
  override name = 'JobAlreadyExistsError';
  /** The job's name. */
  readonly jobName: string;
  constructor(jobName: string) {
    super(`job ${JSON.stringify(jobName)} already exists; pass overwrite: true to replace it`);
    this.jobName = jobName;
  }
}

/** There is no job with this name (never scheduled, deleted, or ended). */
export class JobNotFoundError extends TimerServiceError {
  override name = 'JobNotFoundError';
  /** The job's name. */
  readonly jobName: string;
  constructor(jobName: string) {
    super(`job ${JSON.stringify(jobName)} not found`);
    this.jobName = jobName;
  }
}
