import { describeValue, type InvalidInput } from '../common/invalid-input.js';
import type { FailureDetails } from '../history/failure-details.js';
import { TickflowError } from '../common/tickflow-error.js';

/** Base class so callers can catch every engine error in one place. */
export class WorkflowError extends TickflowError {
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
  /** Whether an activity or a child workflow failed. */
  readonly taskKind: 'activity' | 'childWorkflow';
  /** The activity's or child workflow's name. */
  readonly taskName: string;
  /** Sequence id of the (last) attempt that failed. */
  readonly taskId: number;
  /** The failure as recorded in history: the error's type, message and stack. */
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

/**
 * Thrown by workflow code, and left uncaught, to fail the instance on purpose: the instance ends
 * FAILED with this error's details. Any other error the code lets escape (a bug, a TypeError, a
 * divergence from history) only stalls the step, which is retried until fixed code completes it
 * (see docs/workflows.md). Subclass it for failures of your own; give the subclass its own `name`.
 */
export class WorkflowFailure extends WorkflowError {
  override name = 'WorkflowFailure';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A task that will never complete: a cancelled timer, or a wait whose timeout fired first. */
export class TaskCanceledError extends WorkflowError {
  override name = 'TaskCanceledError';
  /** Why the task was cancelled (also the error's message). */
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

/** History names a workflow the executor was not given. */
export class WorkflowNotRegisteredError extends WorkflowError {
  override name = 'WorkflowNotRegisteredError';
  /** The name history gives the workflow. */
  readonly workflowName: string;

  constructor(workflowName: string) {
    super(`workflow ${JSON.stringify(workflowName)} is not registered`);
    this.workflowName = workflowName;
  }
}

/** The workflow yielded something the executor cannot wait on. */
export class InvalidYieldError extends WorkflowError {
  override name = 'InvalidYieldError';
  /** What the workflow yielded. */
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
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;

  /** `message` defaults to `invalid <field>: <value>; allowed: <allowed>`. */
  constructor(field: string, value: unknown, allowed: string, message?: string) {
    super(message, { invalid: { field, value, allowed } });
  }
}
