import type { ExecutionResult } from '../execution-result.js';
import type { InstanceRecord } from './instance-record.js';

/** Events a generation's history may hold by default (like Temporal's ~50k hard limit). */
export const DEFAULT_MAX_HISTORY_EVENTS = 50_000;

/**
 * When a step would grow the history past `maxEvents` without finishing, the step is replaced by
 * one that fails the instance: an endless loop otherwise grows its history until etcd's request or
 * quota limits stop everything stored there. The step's own events and actions are dropped, except
 * cancelled timers (their jobs must go); a recorded completion ends every later replay, so the
 * dropped part never has to match. Returns undefined while the history stays within the limit.
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
    warnings: [],
  };
}
