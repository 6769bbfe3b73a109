import type { StoreOp } from '../../etcd/store-op.js';
import { serializeEvent } from '../../history/serialize.js';
import type { ScheduleTaskAction } from '../../engine/actions.js';
import { recordActionEvent } from '../../engine/actions.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { continueAsNewOps } from '../lifecycle/continue-as-new-ops.js';
import { finishedReminderOps, notifyParent } from '../lifecycle/finish-ops.js';
import { appendToChunks, type ChunkLimits, type ChunkState } from '../instances/history-chunks.js';
import { reminderNames, ReminderTarget } from '../instances/instance-keys.js';
import { setOptional, type InstanceRecord } from '../instances/instance-record.js';
import { actionOps, dedupePuts, RETRY_FOREVER, type StepContext } from '../reminders/reminder-ops.js';
import { fallbackArmOps } from '../activities/activity-fallback.js';

export interface StepCommitInput {
  ctx: StepContext;
  record: InstanceRecord;
  chunks: ChunkState;
  result: ExecutionResult;
  consumedInbox: readonly string[];
  maxOps: number;
  chunkLimits?: ChunkLimits;
  /**
   * When set, the step's activities are to run in-process once it commits, guarded by the
   * instance's fallback reminder, due this long after the step (see `fallbackArmOps`).
   */
  localActivityDelayMs?: number;
}

export interface StepCommit {
  ops: StoreOp[];
  record: InstanceRecord;
  chunks: ChunkState;
  /** True when history was reset for a new generation (continue-as-new). */
  restarted: boolean;
  /** Activities to start in-process once the ops are committed. */
  localActivities: ScheduleTaskAction[];
}

/**
 * Everything one step changes, as a single transaction's ops (the caller adds the revision guard;
 * docs/architecture.md, "The step transaction").
 * When the actions alone would overflow a transaction, they are handed to one dispatch reminder,
 * committed with the step, whose handler writes them in batches: nothing is lost either way.
 */
export function buildStepCommit(input: StepCommitInput): StepCommit {
  const { ctx, record, result } = input;
  const id = record.instanceId;
  const state = result.state;
  const generation = record.generation;
  const ops: StoreOp[] = input.consumedInbox.map((key) => ({ op: 'delete', key }));
  const next: InstanceRecord = {
    ...record,
    status: result.status,
    lastUpdatedAt: ctx.now.getTime(),
    ...(state.name ? { name: state.name } : {}),
  };
  // A step that commits has got past whatever stalled the instance before.
  delete next.stalled;
  setOptional(next, 'customStatus', result.customStatus);
  setOptional(next, 'pendingEvents', result.pendingEvents > 0 ? result.pendingEvents : undefined);
  setOptional(next, 'pendingEventBytes', result.pendingEvents > 0 ? result.pendingEventBytes : undefined);

  const final = result.actions[result.actions.length - 1];
  if (final?.type === 'ContinueAsNew') {
    const restarted = continueAsNewOps(ctx, record, next, final, result.actions, ops);
    return { ...restarted, chunks: { chunks: 0, tail: [] }, restarted: true, localActivities: [] };
  }

  // Each new event is encoded once: for its history chunk, and for the reminder that carries it.
  const lines = result.newHistory.map((event) => serializeEvent(event));
  const appended = appendToChunks(input.chunks, result.newHistory, input.chunkLimits, lines);
  for (const write of appended.writes) {
    ops.push({ op: 'put', key: ctx.keys.historyChunk(id, write.chunk), value: write.text });
  }
  next.chunks = appended.next.chunks;
  // History holds the input now (its ExecutionStarted): the record, rewritten by every step, drops it.
  if (next.chunks > 0) delete next.input;
  next.tailEvents = appended.next.tail.length;
  next.events = record.events + result.newHistory.length;

  if (final?.type === 'CompleteWorkflow') {
    next.status = final.status;
    setOptional(next, 'output', final.result);
    setOptional(next, 'failureDetails', final.failureDetails);
    ops.push(...finishedReminderOps(ctx, record, state));
    if (state.parent) ops.push(...notifyParent(ctx, id, state.parent, final));
  }

  // A finished instance needs none of its own new reminders (and etcd refuses a put inside a range
  // deleted by the same txn); only its messages to others go out, and its timers are deleted.
  const effective = result.actions.filter((a) =>
    final?.type === 'CompleteWorkflow'
      ? (a.type === 'SendEvent' && a.instanceId !== id) || a.type === 'CancelTimer'
      : a.type !== 'CompleteWorkflow',
  );
  const recordTexts = actionRecordTexts(result, lines);
  const delay = input.localActivityDelayMs;
  // Activities to run in-process need no reminder each: the instance's fallback guards them all.
  const local = delay ? effective.filter((a): a is ScheduleTaskAction => a.type === 'ScheduleTask') : [];
  const reminded = local.length > 0 ? effective.filter((a) => a.type !== 'ScheduleTask') : effective;
  const actionOpsList = dedupePuts(
    reminded.flatMap((a) => actionOps(ctx, id, generation, a, recordTexts.get(a.id))),
  );
  if (
    record.fallback &&
    local.length === 0 &&
    final?.type !== 'CompleteWorkflow' &&
    !activityPending(state)
  ) {
    // Nothing left for the fallback to guard: it goes with the step rather than fire for nothing
    // (a finishing instance deletes it in `finishedReminderOps`).
    ops.push(...ctx.reminders.deleteJobOps(reminderNames.fallback(id), id));
    delete next.fallback;
  }
  let localActivities: ScheduleTaskAction[] = [];
  // +1 for the record itself, +1 for the fallback reminder.
  if (ops.length + actionOpsList.length + (local.length > 0 ? 2 : 1) <= input.maxOps) {
    ops.push(...actionOpsList);
    if (delay && local.length > 0) {
      ops.push(...fallbackArmOps(ctx, record, next, delay));
      localActivities = local;
    }
  } else {
    const dispatched = effective;
    const firstId = dispatched[0]?.id ?? 0;
    // Its reminders are written later, outside this txn: completion then deletes by prefix.
    next.dispatched = true;
    ops.push(
      ...ctx.reminders.putJobOps(reminderNames.dispatch(id, generation, firstId), {
        dueTime: ctx.now,
        target: ReminderTarget.dispatch,
        partitionKey: id,
        data: {
          i: id,
          g: generation,
          evs: dispatched.map((a) => recordTexts.get(a.id) ?? serializeEvent(recordActionEvent(a, ctx.now))),
        },
        overwrite: true,
        failurePolicy: RETRY_FOREVER,
      }),
    );
  }
  ops.push({ op: 'put', key: ctx.keys.record(id), value: JSON.stringify(next) });
  return { ops: dedupePuts(ops), record: next, chunks: appended.next, restarted: false, localActivities };
}

function activityPending(state: ExecutionResult['state']): boolean {
  for (const task of Object.values(state.pendingTasks)) if (task.kind === 'activity') return true;
  return false;
}

/**
 * The encoded record of each action, by action id. The executor appends one record per action,
 * in order, at the end of `newHistory` (see `ExecutionResult`); a record is used only if its id
 * matches, so a change there costs an extra encoding, never a wrong reminder.
 */
function actionRecordTexts(result: ExecutionResult, lines: readonly string[]): Map<number, string> {
  const texts = new Map<number, string>();
  const offset = result.newHistory.length - result.actions.length;
  result.actions.forEach((action, i) => {
    const event = result.newHistory[offset + i];
    const line = lines[offset + i];
    if (event && line !== undefined && 'eventId' in event && event.eventId === action.id) {
      texts.set(action.id, line);
    }
  });
  return texts;
}
