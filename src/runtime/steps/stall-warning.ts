import type { FailureDetails } from '../../history/failure-details.js';
import { WorkflowError } from '../../engine/errors.js';

/**
 * The runtime's warning for a stalled step: the code of workflow `workflowName` threw an error
 * that is not a workflow failure, and the step will be retried. The message names the workflow
 * and the error but not the instance, so a bug that stalls many instances reads as one line and
 * a count in the log (the warning coalescer keys on the message); `instanceId` names the latest.
 */
export class WorkflowStalledError extends WorkflowError {
  override name = 'WorkflowStalledError';
  /** The latest instance that stalled this way. */
  readonly instanceId: string;
  /** The workflow's registered name. */
  readonly workflowName: string;
  /** The error that stalled it. */
  readonly failure: FailureDetails;

  constructor(instanceId: string, workflowName: string, failure: FailureDetails) {
    super(
      `workflow ${JSON.stringify(workflowName)} stalled on ${failure.errorType}: ${firstLine(failure.message)}; ` +
        'the step is retried with backoff until the code gets past it (tickflow workflows list --stalled)',
    );
    this.instanceId = instanceId;
    this.workflowName = workflowName;
    this.failure = failure;
  }
}

/** A message's first line, at most 300 characters: a log line, not the whole error. */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}
