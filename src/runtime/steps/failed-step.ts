import type { FailureDetails } from '../../history/failure-details.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import type { InstanceRecord } from '../instances/instance-record.js';

/**
 * A step replaced by one that fails the instance with `failureDetails`: used when the step as the
 * workflow made it must not be committed (its history would pass a limit, its writes would not fit
 * one etcd transaction). The step's own events and actions are dropped, except cancelled timers
 * (their jobs must go); a recorded completion ends every later replay, so the dropped part never
 * has to match. The custom status stays the one stored, which is known to fit.
 */
export function failedStepResult(
  record: InstanceRecord,
  result: ExecutionResult,
  now: Date,
  failureDetails: FailureDetails,
): ExecutionResult {
  return {
    ...result,
    actions: [
      ...result.actions.filter((a) => a.type === 'CancelTimer'),
      { type: 'CompleteWorkflow', id: 0, status: 'FAILED', failureDetails },
    ],
    newHistory: [
      { type: 'OrchestratorStarted', timestamp: now },
      { type: 'ExecutionCompleted', timestamp: now, status: 'FAILED', failureDetails },
    ],
    status: 'FAILED',
    customStatus: record.customStatus,
    pendingEvents: 0,
    pendingEventBytes: 0,
    warnings: [],
  };
}
