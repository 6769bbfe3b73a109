import { WorkflowError } from '../../engine/errors.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { failedStepResult } from './failed-step.js';
import type { InstanceRecord } from '../instances/instance-record.js';

/**
 * Reported (coalesced) as a runtime warning each time a step is replaced by a failure because its
 * writes did not fit: the message leaves the instance out, so many such failures read as one line
 * and a count; the instance's own failure details and the workflow logger name it.
 */
export class StepTooLargeError extends WorkflowError {
  override name = 'StepTooLargeError';

  constructor(reason: string) {
    super(`a workflow step could not be written (${reason}); its instance was failed with StepTooLargeError`);
  }
}

/**
 * The step that replaces one whose writes do not fit one etcd transaction: it fails the instance
 * (retrying would send the same writes and be refused the same way, forever). `bytes` is what the
 * step would have sent, `limit` what one transaction may hold; `detail` says who refused it.
 */
export function stepTooLargeResult(
  record: InstanceRecord,
  result: ExecutionResult,
  now: Date,
  bytes: number,
  limit: number,
  detail: string,
): ExecutionResult {
  const failureDetails = {
    errorType: 'StepTooLargeError',
    message:
      `workflow ${JSON.stringify(record.instanceId)}: its step would write ${bytes} bytes in one etcd ` +
      `transaction, over the limit of ${limit} bytes (${detail}); keep what one step writes small: ` +
      'store large data elsewhere and pass references, and split a large fan-out of big inputs over several steps',
    nonRetryable: true,
  };
  return failedStepResult(record, result, now, failureDetails);
}

/**
 * The step that replaces one whose writes could not even be built: a reminder refused its data
 * (a fan-out's dispatch reminder carrying every action's input, over the timer service's
 * `maxDataBytes`). Building is a pure function of the step, so a retry would fail the same way.
 */
export function unwritableStepResult(
  record: InstanceRecord,
  result: ExecutionResult,
  now: Date,
  error: unknown,
): ExecutionResult {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const failureDetails = {
    errorType: 'StepTooLargeError',
    message:
      `workflow ${JSON.stringify(record.instanceId)}: its step could not be written (${reason}); ` +
      'keep what one step writes small: store large data elsewhere and pass references, and split a ' +
      'large fan-out of big inputs over several steps',
    nonRetryable: true,
  };
  return failedStepResult(record, result, now, failureDetails);
}
