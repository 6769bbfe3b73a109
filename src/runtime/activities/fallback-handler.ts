import type { Clock } from '../../common/clock.js';
import type { GroupCommit } from '../../etcd/group-commit.js';
import type { HistoryEvent } from '../../history/events.js';
import { isTerminalStatus } from '../../history/status.js';
import { foldHistory } from '../../history/fold.js';
import type { WorkflowState } from '../../history/workflow-state.js';
import type { InstanceStore } from '../instances/instance-store.js';
import type { ReminderJson, ReminderPort } from '../reminders/reminder-port.js';
import { fallbackJobOps, planFallback, type PendingActivity } from './activity-fallback.js';
import { scheduledCall, type ActivityCall } from './activity-runner.js';
import { isOrphaned, type RunnerTag } from './runner-tag.js';

/** The delay of a fallback whose reminder does not say (written by hand, or damaged). */
const DEFAULT_DELAY_MS = 30_000;
/**
 * Inbox messages a fallback looks through for outcomes already delivered; an outcome past them
 * only costs its activity one more run (at least once).
 */
const INBOX_OUTCOMES = 1_000;

export interface FallbackHandlerDeps {
  store: InstanceStore;
  commit: GroupCommit;
  reminders: Pick<ReminderPort, 'putJobOps' | 'members'>;
  clock: Clock;
  /** This replica. */
  self: RunnerTag;
  /** What history says of the instance as this replica's cached executor has it, when cached. */
  cachedState(instanceId: string): WorkflowState | undefined;
  isRunning(instanceId: string, generation: number, eventId: number): boolean;
  startLocal(call: ActivityCall): void;
}

/** What a fired fallback did. */
export interface FallbackOutcome {
  /** Activities started again in this process. */
  rerun: number;
  /** Their runner was gone (see `isOrphaned`). */
  orphaned: boolean;
}

/**
 * Handles an instance's activity fallback reminder (see `planFallback`): runs again here the
 * activities that need it, and re-arms the reminder while any activity is still pending. History
 * is read only when an activity is to run again, or the instance is not cached here.
 */
export async function onActivityFallback(
  deps: FallbackHandlerDeps,
  instanceId: string,
  data: ReminderJson | undefined,
): Promise<FallbackOutcome> {
  const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {};
  const delayMs = typeof fields.d === 'number' && fields.d > 0 ? fields.d : DEFAULT_DELAY_MS;
  const members = new Set(deps.reminders.members());
  // A view without this replica is not current (or the replica is leaving): judge nobody by it.
  const orphaned = members.has(deps.self.r) && isOrphaned(data, members, deps.self);

  let state = deps.cachedState(instanceId);
  let events: HistoryEvent[] | undefined;
  if (!state) {
    const loaded = await deps.store.load(instanceId);
    if (!loaded || isTerminalStatus(loaded.record.status)) return { rerun: 0, orphaned };
    events = loaded.record.chunks > 0 ? await deps.store.history(instanceId) : [];
    state = foldHistory(events);
  }
  if (isTerminalStatus(state.status)) return { rerun: 0, orphaned };
  const generation = state.generation;
  const pending: PendingActivity[] = [];
  for (const [eventId, task] of Object.entries(state.pendingTasks)) {
    if (task.kind === 'activity')
      pending.push({ eventId: Number(eventId), scheduledAt: task.scheduledAt.getTime() });
  }
  const planFor = (activities: PendingActivity[]) =>
    planFallback(activities, {
      now: deps.clock.now(),
      delayMs,
      orphaned,
      runningHere: (eventId) => deps.isRunning(instanceId, generation, eventId),
    });
  let plan = planFor(pending);
  if (plan.rerun.length > 0) {
    // A stalled step keeps the outcomes it took in in the inbox, where history does not show them
    // yet: those activities are done, and running them again on every fallback would be wrong.
    const delivered = await deliveredOutcomes(deps.store, instanceId, generation);
    if (delivered.size > 0) plan = planFor(pending.filter((a) => !delivered.has(a.eventId)));
  }
  if (plan.nextDue !== undefined) {
    // Re-armed before anything runs again, so a crash right after still leaves it armed.
    const runner = plan.rerun.length > 0 ? deps.self : tagOf(fields);
    const ops = fallbackJobOps(deps.reminders, instanceId, generation, plan.nextDue, delayMs, runner);
    await deps.commit.submit({ guards: [], ops });
  }
  if (plan.rerun.length === 0) return { rerun: 0, orphaned };
  events ??= await deps.store.history(instanceId);
  const scheduled = new Set(plan.rerun);
  for (const event of events) {
    if (event.type !== 'TaskScheduled' || !scheduled.has(event.eventId)) continue;
    deps.startLocal(scheduledCall(instanceId, generation, event));
  }
  return { rerun: plan.rerun.length, orphaned };
}

/** Outcome messages in the first `INBOX_OUTCOMES` of the instance's inbox, by task id. */
async function deliveredOutcomes(
  store: InstanceStore,
  instanceId: string,
  generation: number,
): Promise<Set<number>> {
  const inbox = await store.inbox(instanceId, INBOX_OUTCOMES);
  const ids = new Set<number>();
  for (const { event } of inbox.messages) {
    if (
      (event.type === 'TaskCompleted' || event.type === 'TaskFailed') &&
      (event.generation ?? generation) === generation
    ) {
      ids.add(event.eventId);
    }
  }
  return ids;
}

function tagOf(fields: { r?: unknown; n?: unknown }): RunnerTag | undefined {
  return typeof fields.r === 'string' && typeof fields.n === 'string'
    ? { r: fields.r, n: fields.n }
    : undefined;
}
