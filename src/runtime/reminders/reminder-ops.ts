import type { StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import { serializeEvent } from '../../history/serialize.js';
import type { WorkflowAction } from '../../engine/actions.js';
import { recordActionEvent } from '../../engine/actions.js';
import { reminderNames, ReminderTarget, type InstanceKeys } from '../instances/instance-keys.js';
import type { ReminderPort } from './reminder-port.js';
import type { RunnerTag } from '../activities/runner-tag.js';

/** Infrastructure retries of runtime reminders never give up: the work must happen eventually. */
export const RETRY_FOREVER = { constant: { interval: '1s' } } as const;

export interface StepContext {
  keys: InstanceKeys;
  reminders: ReminderPort;
  now: Date;
  /** This replica, named in the activity fallback reminder of the instances it runs activities for. */
  runner?: RunnerTag | undefined;
}

/**
 * Ops that wake `instanceId` to read its inbox (one reminder per instance, overwritten). A wake put
 * by `startInstanceOps` is marked `s`: it only starts the instance, whose inbox was empty or just
 * cleared, so its step skips the inbox read. A message put since then re-armed the wake without
 * the mark (see `StepRunner.deliver`), and that incarnation fires and reads the inbox.
 */
export function wakeOps(
  ctx: StepContext,
  instanceId: string,
  dueTime: Date = ctx.now,
  startOnly = false,
): StoreOp[] {
  return ctx.reminders.putJobOps(reminderNames.wake(instanceId), {
    dueTime,
    target: ReminderTarget.wake,
    partitionKey: instanceId,
    data: startOnly ? { i: instanceId, s: 1 } : { i: instanceId },
    overwrite: true,
    failurePolicy: RETRY_FOREVER,
  });
}

/** Ops that deliver `event` to another instance's inbox under a deterministic message name. */
export function deliverOps(
  ctx: StepContext,
  instanceId: string,
  message: string,
  event: HistoryEvent,
): StoreOp[] {
  return [
    { op: 'put', key: ctx.keys.inboxMessage(instanceId, message), value: serializeEvent(event) },
    ...wakeOps(ctx, instanceId),
  ];
}

/**
 * The reminder-jobs and messages one recorded action needs. The action's history record travels in
 * the job's data so the handler gets name, input and attempt exactly as history has them.
 */
export function actionOps(
  ctx: StepContext,
  instanceId: string,
  generation: number,
  action: WorkflowAction,
  /** The action's record as `serializeEvent` text, when the caller has it already. */
  recordText?: string,
): StoreOp[] {
  const ev = recordText ?? serializeEvent(recordActionEvent(action, ctx.now));
  const job = (name: string, target: string, dueTime: Date): StoreOp[] =>
    ctx.reminders.putJobOps(name, {
      dueTime,
      target,
      partitionKey: instanceId,
      data: { i: instanceId, g: generation, ev },
      overwrite: true,
      failurePolicy: RETRY_FOREVER,
    });
  switch (action.type) {
    case 'ScheduleTask':
      // Due at once: an activity run in-process has no reminder of its own (see `fallbackArmOps`).
      return job(reminderNames.activity(instanceId, generation, action.id), ReminderTarget.activity, ctx.now);
    case 'CreateTimer':
      return job(reminderNames.timer(instanceId, generation, action.id), ReminderTarget.timer, action.fireAt);
    case 'CancelTimer':
      return ctx.reminders.deleteJobOps(reminderNames.timer(instanceId, generation, action.id), instanceId);
    case 'ScheduleChildWorkflow':
      return job(reminderNames.child(instanceId, generation, action.id), ReminderTarget.child, ctx.now);
    case 'SendEvent':
      return deliverOps(ctx, action.instanceId, `ev~${instanceId}~${generation}~${action.id}`, {
        type: 'EventRaised',
        timestamp: ctx.now,
        name: action.name,
        ...(action.data !== undefined && { data: action.data }),
      });
    case 'CompleteWorkflow':
    case 'ContinueAsNew':
      return [];
  }
}

/**
 * Keeps only the last put of each key: two messages to one instance (or a message and a child's
 * result to its parent) each re-arm that instance's single wake reminder, and etcd refuses a txn
 * that writes a key twice.
 */
export function dedupePuts(ops: StoreOp[]): StoreOp[] {
  const last = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.op === 'put') last.set(op.key, i);
  });
  if (last.size === ops.filter((op) => op.op === 'put').length) return ops;
  return ops.filter((op, i) => op.op !== 'put' || last.get(op.key) === i);
}
