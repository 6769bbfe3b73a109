import type { StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent, ParentInfo } from '../../history/events.js';
import type { WorkflowAction } from '../../engine/actions.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { reminderNames } from '../instances/instance-keys.js';
import type { InstanceRecord } from '../instances/instance-record.js';
import { deliverOps, type StepContext } from '../reminders/reminder-ops.js';

/** At most this many reminders are deleted one by one when an instance finishes; more, by prefix. */
const MAX_EXPLICIT_REMINDER_DELETES = 16;

/**
 * Deletes every reminder a finishing instance may still have: its wake-up, its activity fallback,
 * and the jobs of tasks and timers still pending (timers it cancels are deleted by their
 * CancelTimer). One key each, so the step can share a transaction with others; a whole-prefix
 * delete would have to travel alone.
 * An instance with many pending tasks, or one whose actions went out through a dispatch reminder
 * (written outside its step txns), is cleared by prefix instead.
 */
export function finishedReminderOps(
  ctx: StepContext,
  record: InstanceRecord,
  state: ExecutionResult['state'],
): StoreOp[] {
  const id = record.instanceId;
  const generation = record.generation;
  const names = new Set([reminderNames.wake(id)]);
  if (record.fallback) names.add(reminderNames.fallback(id));
  for (const [eventId, task] of Object.entries(state.pendingTasks)) {
    const n = Number(eventId);
    names.add(
      task.kind === 'activity'
        ? reminderNames.activity(id, generation, n)
        : reminderNames.child(id, generation, n),
    );
  }
  for (const eventId of Object.keys(state.pendingTimers)) {
    names.add(reminderNames.timer(id, generation, Number(eventId)));
  }
  if (record.dispatched === true || names.size > MAX_EXPLICIT_REMINDER_DELETES) {
    return ctx.reminders.deleteJobPrefixOps(reminderNames.instancePrefix(id), id);
  }
  return [...names].flatMap((name) => ctx.reminders.deleteJobOps(name, id));
}

/** The child's outcome, delivered to its parent's inbox. */
export function notifyParent(
  ctx: StepContext,
  childId: string,
  parent: ParentInfo,
  final: Extract<WorkflowAction, { type: 'CompleteWorkflow' }>,
): StoreOp[] {
  const base = { timestamp: ctx.now, eventId: parent.taskId, generation: parent.generation };
  const event: HistoryEvent =
    final.status === 'COMPLETED'
      ? {
          type: 'ChildWorkflowCompleted',
          ...base,
          ...(final.result !== undefined && { result: final.result }),
        }
      : {
          type: 'ChildWorkflowFailed',
          ...base,
          failureDetails: final.failureDetails ?? {
            errorType: 'WorkflowTerminatedError',
            message: `child workflow ${childId} was terminated`,
          },
        };
  // Named per call, so a reused child id (e.g. after the parent continued as new) never overwrites
  // an earlier call's result that the parent has not read yet.
  return deliverOps(ctx, parent.instanceId, `child~${childId}~${parent.generation}~${parent.taskId}`, event);
}
