import type { InvalidInput } from '../common/invalid-input.js';
import type { WorkflowStallDetails } from '../runtime/instances/workflow-state-view.js';
import { TickflowError } from '../common/tickflow-error.js';

/** Bad input to the test environment or the replay checks: names the field, the value and what is allowed. */
export class TestEnvironmentError extends TickflowError implements InvalidInput {
  override name = 'TestEnvironmentError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    super(undefined, { invalid: { field, value, allowed } });
  }
}

/**
 * A time-skipping wait gave up on an instance whose step keeps stalling: its code threw an error
 * that is not a workflow failure on every one of `stall.attempts` attempts, the retries skipped
 * through in virtual time. Fix the code and register it again (a deploy), or register the
 * workflow with `failFast: true` to have such errors fail the instance.
 */
export class StepStalledError extends TickflowError {
  override name = 'StepStalledError';
  readonly instanceId: string;
  /** What the wait was for: `start` or `complete`. */
  readonly waitedFor: string;
  /** The stall as the client shows it: the error, attempts and retry times. */
  readonly stall: WorkflowStallDetails;

  constructor(instanceId: string, waitedFor: string, stall: WorkflowStallDetails) {
    super(
      `workflow instance ${JSON.stringify(instanceId)} cannot ${waitedFor}: its step stalled ` +
        `${stall.attempts} times on ${stall.errorType}: ${stall.message} (fix the code and register ` +
        'it again, or register the workflow with { failFast: true } to fail on such errors)',
    );
    this.instanceId = instanceId;
    this.waitedFor = waitedFor;
    this.stall = stall;
  }
}

/**
 * A time-skipping wait cannot finish: every instance is idle, no timer is left to skip to, and
 * the awaited condition does not hold (typically the workflow waits for an external event).
 */
export class TimeSkippingStalledError extends TickflowError {
  override name = 'TimeSkippingStalledError';
  readonly instanceId: string;
  /** What the wait was for: `start` or `complete`. */
  readonly waitedFor: string;
  /** The instance's status when the wait stalled, e.g. `RUNNING`. */
  readonly status: string;

  constructor(instanceId: string, waitedFor: string, status: string, virtualNow: Date) {
    super(
      `workflow instance ${JSON.stringify(instanceId)} cannot ${waitedFor}: it is ${status} at virtual time ` +
        `${virtualNow.toISOString()}, nothing is running and no timer is left to skip to ` +
        '(does it wait for an external event? raise it before waiting)',
    );
    this.instanceId = instanceId;
    this.waitedFor = waitedFor;
    this.status = status;
  }
}
