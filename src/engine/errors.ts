import { describeValue, invalidInputMessage, type InvalidInput } from '../common/invalid-input.js';
import type { FailureDetails } from '../history/failure-details.js';

/** Base class so callers can catch every engine error in one place. */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
}

/**
 * The workflow code no longer makes the decisions its history recorded. Replaying further would
 * act on a different program than the one that produced the history, so the instance fails.
 */
export class NonDeterminismError extends WorkflowError {
  override name = 'NonDeterminismError';
  /** The sequence id where code and history diverge. */
  readonly sequenceId: number;
  /** What history recorded at that id, e.g. `TaskScheduled "charge"`. */
  readonly expected: string;
  /** What the code did this time, e.g. `ScheduleTask "refund"` or `nothing`. */
  readonly actual: string;

  constructor(sequenceId: number, expected: string, actual: string) {
    super(
      `non-deterministic workflow: at sequence id ${sequenceId} history recorded ${expected} ` +
        `but the code now does ${actual}`,
    );
    this.sequenceId = sequenceId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** An activity or child workflow failed; thrown into the workflow at the `yield` that awaits it. */
export class TaskFailedError extends WorkflowError {
  override name = 'TaskFailedError';
  readonly taskKind: 'activity' | 'childWorkflow';
  readonly taskName: string;
  /** Sequence id of the (last) attempt that failed. */
  readonly taskId: number;
  readonly details: FailureDetails;

  constructor(
    taskKind: 'activity' | 'childWorkflow',
    taskName: string,
    taskId: number,
    details: FailureDetails,
  ) {
    const what = taskKind === 'activity' ? 'activity' : 'child workflow';
    super(
      `${what} ${JSON.stringify(taskName)} (task ${taskId}) failed: ${details.errorType}: ${details.message}`,
    );
    this.taskKind = taskKind;
    this.taskName = taskName;
    this.taskId = taskId;
    this.details = details;
  }
}

/** A task that will never complete: a cancelled timer, or a wait whose timeout fired first. */
export class TaskCanceledError extends WorkflowError {
  override name = 'TaskCanceledError';
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

/** History names a workflow the executor was not given. */
export class WorkflowNotRegisteredError extends WorkflowError {
  override name = 'WorkflowNotRegisteredError';
  readonly workflowName: string;

  constructor(workflowName: string) {
    super(`workflow ${JSON.stringify(workflowName)} is not registered`);
    this.workflowName = workflowName;
  }
}

/** The workflow yielded something the executor cannot wait on. */
export class InvalidYieldError extends WorkflowError {
  override name = 'InvalidYieldError';
  readonly value: unknown;

  constructor(value: unknown) {
    super(
      `workflow yielded ${describeValue(value)}; only tasks from the context can be yielded ` +
        `(ctx.callActivity, ctx.createTimer, ctx.waitForExternalEvent, ctx.callChildWorkflow, ctx.whenAll, ctx.whenAny)`,
    );
    this.value = value;
  }
}

/** Bad input to a context method. Names the field, the value received and what is allowed. */
export class WorkflowArgumentError extends WorkflowError implements InvalidInput {
  override name = 'WorkflowArgumentError';
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    super(invalidInputMessage(field, value, allowed));
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}
