import type { ExecutionResult } from '../../engine/execution-result.js';
import { failedStepResult } from '../steps/failed-step.js';
import type { InstanceRecord } from './instance-record.js';

/** Events a generation's history may hold by default (like Temporal's ~50k hard limit). */
export const DEFAULT_MAX_HISTORY_EVENTS = 50_000;

/**
 * When a step would grow the history past `maxEvents` without finishing, the step is replaced by
 * one that fails the instance: an endless loop otherwise grows its history until etcd's request or
 * quota limits stop everything stored there (see `failedStepResult`). Returns undefined while the
 * history stays within the limit.
 */
export function historyLimitResult(
  record: InstanceRecord,
  result: ExecutionResult,
  now: Date,
  maxEvents: number,
): ExecutionResult | undefined {
  if (result.actions.some((a) => a.type === 'CompleteWorkflow' || a.type === 'ContinueAsNew'))
    return undefined;
  if (record.events + result.newHistory.length <= maxEvents) return undefined;
  const failureDetails = {
    errorType: 'HistoryLimitExceededError',
    message:
      `workflow ${JSON.stringify(record.instanceId)}: its history would pass maxHistoryEvents ` +
      `(${maxEvents} events); end long-running loops with ctx.continueAsNew(...) to start a fresh history`,
    nonRetryable: true,
  };
  return failedStepResult(record, result, now, failureDetails);
}
