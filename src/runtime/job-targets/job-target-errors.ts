import type { InvalidInput } from '../../common/invalid-input.js';
import { WorkflowError } from '../../engine/errors.js';

/**
 * A job's `target` (start a workflow, raise an event) is malformed: names the field (e.g.
 * `target.workflow.name`), the value received and what is allowed. Nothing was stored.
 */
export class JobTargetValidationError extends WorkflowError implements InvalidInput {
  override name = 'JobTargetValidationError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string, message?: string) {
    super(message, { invalid: { field, value, allowed } });
  }
}

/**
 * A tick of a workflow job could not act (the instance to raise into is gone or finished, the
 * store did not answer, the stored target is unreadable). Reported as a runtime warning; the
 * tick counts as failed, so the job's failure policy decides whether it is tried again.
 */
export class JobTargetTriggerError extends WorkflowError {
  override name = 'JobTargetTriggerError';
  /** The job whose tick failed. */
  readonly jobName: string;
  constructor(jobName: string, action: string, reason: string, cause?: unknown) {
    super(
      `job ${JSON.stringify(jobName)}: could not ${action}: ${reason}; the job's failure policy ` +
        'decides whether the tick is tried again',
      cause === undefined ? {} : { cause },
    );
    this.jobName = jobName;
  }
}
