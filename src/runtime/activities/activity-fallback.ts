import type { StoreOp } from '../../etcd/store-op.js';
import { reminderNames, ReminderTarget } from '../instances/instance-keys.js';
import type { FallbackMark, InstanceRecord } from '../instances/instance-record.js';
import type { ReminderPort } from '../reminders/reminder-port.js';
import { RETRY_FOREVER, type StepContext } from '../reminders/reminder-ops.js';
import type { RunnerTag } from './runner-tag.js';

/*
 * Activities run in-process right after the step that schedules them commits. What runs them
 * again if that process dies, or its run never gets recorded, is one reminder per instance, the
 * activity fallback: due `activityFallbackSeconds` after a step that started activities, naming the
 * replica that runs them. A step re-arms it only when it names another replica or is due within
 * half a delay, so a chain of short activities costs one reminder per instance, not a put and a
 * delete per activity. When it fires, `planFallback` decides what to run again.
 */

/** The reminder job that arms an instance's activity fallback, due at `due` (epoch ms). */
export function fallbackJobOps(
  reminders: Pick<ReminderPort, 'putJobOps'>,
  instanceId: string,
  generation: number,
  due: number,
  delayMs: number,
  runner: RunnerTag | undefined,
): StoreOp[] {
  return reminders.putJobOps(reminderNames.fallback(instanceId), {
    dueTime: new Date(due),
    target: ReminderTarget.fallback,
    partitionKey: instanceId,
    // The delay travels along: the replica it fires on may run with another (or none).
    data: { i: instanceId, g: generation, d: delayMs, ...runner },
    overwrite: true,
    failurePolicy: RETRY_FOREVER,
  });
}

/**
 * The ops a step that starts activities in-process adds to arm its instance's fallback, and the
 * mark it leaves on `next` (the record it commits); none when the current mark still holds. A
 * mark holds while it names this runner and is due at least half a delay from now: such a reminder
 * cannot have fired yet, even by a replica whose clock runs somewhat ahead, and when it does fire,
 * activities younger than the delay get it re-armed for their own due time (`planFallback`).
 */
export function fallbackArmOps(
  ctx: StepContext,
  record: InstanceRecord,
  next: InstanceRecord,
  delayMs: number,
): StoreOp[] {
  const now = ctx.now.getTime();
  if (markHolds(record.fallback, ctx.runner, now, delayMs)) return [];
  const due = now + delayMs;
  next.fallback = { due, ...ctx.runner };
  return fallbackJobOps(ctx.reminders, record.instanceId, record.generation, due, delayMs, ctx.runner);
}

function markHolds(
  mark: FallbackMark | undefined,
  runner: RunnerTag | undefined,
  now: number,
  delayMs: number,
): boolean {
  return mark !== undefined && mark.r === runner?.r && mark.n === runner?.n && mark.due >= now + delayMs / 2;
}

/** An activity of the instance's current generation that was scheduled and has not reported back. */
export interface PendingActivity {
  eventId: number;
  /** When its step scheduled it (epoch ms). */
  scheduledAt: number;
}

export interface FallbackPlan {
  /** The activities to run again now. */
  rerun: number[];
  /** When the fallback is due next (epoch ms); undefined: nothing is pending, let it go. */
  nextDue: number | undefined;
}

/**
 * What a fired fallback does. An activity running in this process is left to finish and looked at
 * again a delay later. One that is not runs again when it is a delay old, or at once when the
 * replica named as its runner is gone (`orphaned`); a younger one may still be running on a
 * replica that handed this instance over, and is looked at again when it is a delay old. So an
 * activity runs again no sooner than `activityFallbackSeconds` after its step, unless its runner
 * died: at least once, as before, and never twice from one process.
 */
export function planFallback(
  pending: readonly PendingActivity[],
  options: {
    now: number;
    delayMs: number;
    orphaned: boolean;
    runningHere(eventId: number): boolean;
  },
): FallbackPlan {
  const { now, delayMs } = options;
  const rerun: number[] = [];
  let nextDue: number | undefined;
  const later = (due: number): void => {
    nextDue = nextDue === undefined ? due : Math.min(nextDue, due);
  };
  for (const activity of pending) {
    if (options.runningHere(activity.eventId)) {
      later(now + delayMs);
    } else if (options.orphaned || now - activity.scheduledAt >= delayMs) {
      rerun.push(activity.eventId);
      // Run again in this process, it is guarded like any in-process activity.
      later(now + delayMs);
    } else {
      later(activity.scheduledAt + delayMs);
    }
  }
  return { rerun, nextDue };
}
