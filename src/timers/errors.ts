import type { InvalidInput } from '../common/invalid-input.js';
import { TickflowError } from '../common/tickflow-error.js';

/** Base class so callers can catch every timer-service error in one place. */
export class TimerServiceError extends TickflowError {
  override name = 'TimerServiceError';
}

/** Bad job input. Names the field, the value received, and what is allowed. Nothing was stored. */
export class JobValidationError extends TimerServiceError implements InvalidInput {
  override name = 'JobValidationError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string, message?: string) {
    super(message, { invalid: { field, value, allowed } });
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
