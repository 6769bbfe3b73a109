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
 * store did not answer, the stored target is unreadable). Reported as a runtime warning. The tick
 * counts as failed, so the job's failure policy decides whether it is tried again; or, when the
 * store could not be reached (`staged`), it waits without spending a retry and is offered again.
 */
export class JobTargetTriggerError extends WorkflowError {
  override name = 'JobTargetTriggerError';
  /** The job whose tick failed. */
  readonly jobName: string;
  /** True when the tick was staged rather than failed. */
  readonly staged: boolean;
  constructor(
    jobName: string,
    action: string,
    reason: string,
    options: { cause?: unknown; staged?: boolean } = {},
  ) {
    const staged = options.staged === true;
    super(
      `job ${JSON.stringify(jobName)}: could not ${action}: ${reason}; ` +
        (staged
          ? 'the tick is staged (no retry spent) and offered again shortly'
          : "the job's failure policy decides whether the tick is tried again"),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.jobName = jobName;
    this.staged = staged;
  }
}
