import type { ScheduleTaskAction, WorkflowAction } from '../../engine/actions.js';
import type { ExecutionResult } from '../../engine/execution-result.js';

/**
 * The ScheduleTask actions of `result` that may run inside the step that asked for them (the
 * activity is registered inline), or none when the step cannot go on: it stalled, or it ends the
 * instance or its generation, or it also starts work with effects outside the instance (a regular
 * activity, a child workflow). Such work must go out with a commit of its own first: were a later
 * round to complete the instance or continue it as new, the merged step would drop it, where steps
 * committed one by one would have started it.
 */
export function inlineCalls(
  result: ExecutionResult,
  isInline: (activityName: string) => boolean,
): ScheduleTaskAction[] {
  if (result.stalled) return [];
  const calls: ScheduleTaskAction[] = [];
  for (const action of result.actions) {
    switch (action.type) {
      case 'ScheduleTask':
        if (!isInline(action.name)) return [];
        calls.push(action);
        break;
      // Dropped timers change nothing once the instance is over; sent events go out either way.
      case 'CreateTimer':
      case 'CancelTimer':
      case 'SendEvent':
        break;
      default:
        return [];
    }
  }
  return calls;
}

/**
 * One result for two executor steps committed as one: `earlier`, whose activities `ran` were run
 * inline, then `later`, which took in their outcomes. History is both steps' events in order (a
 * replay sees two steps); the actions are what is still to be done after both: `earlier`'s minus
 * the activities that ran, then `later`'s. A timer created by one and cancelled by the other never
 * reaches etcd, so both its actions go (a txn may not put and delete one key).
 */
export function mergeStepResults(
  earlier: ExecutionResult,
  later: ExecutionResult,
  ran: ReadonlySet<number>,
): ExecutionResult {
  const kept = earlier.actions.filter((a) => !(a.type === 'ScheduleTask' && ran.has(a.id)));
  const created = new Set(kept.filter((a) => a.type === 'CreateTimer').map((a) => a.id));
  const cancelled = new Set(
    later.actions.filter((a) => a.type === 'CancelTimer' && created.has(a.id)).map((a) => a.id),
  );
  const live = (a: WorkflowAction): boolean =>
    !((a.type === 'CreateTimer' || a.type === 'CancelTimer') && cancelled.has(a.id));
  return {
    ...later,
    actions: [...kept.filter(live), ...later.actions.filter(live)],
    newHistory: [...earlier.newHistory, ...later.newHistory],
    warnings: [...earlier.warnings, ...later.warnings],
  };
}
