import type { StoreOp } from '../../etcd/store-op.js';
import type { ExecutionStartedEvent, HistoryEvent, ParentInfo } from '../../history/events.js';
import { serializeEvent } from '../../history/serialize.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import type { WorkflowAction } from '../actions.js';
import { recordActionEvent } from '../actions.js';
import type { ExecutionResult } from '../execution-result.js';
import { appendToChunks, type ChunkLimits, type ChunkState } from './history-chunks.js';
import { reminderNames, ReminderTarget, type InstanceKeys } from './instance-keys.js';
import type { InstanceRecord } from './instance-record.js';
import type { ReminderPort } from './reminder-port.js';

/** Infrastructure retries of runtime reminders never give up: the work must happen eventually. */
const RETRY_FOREVER = { constant: { interval: '1s' } } as const;

export interface StepContext {
  keys: InstanceKeys;
  reminders: ReminderPort;
  now: Date;
}

/** Ops that wake `instanceId` to read its inbox (one reminder per instance, overwritten). */
export function wakeOps(ctx: StepContext, instanceId: string, dueTime: Date = ctx.now): StoreOp[] {
  return ctx.reminders.putJobOps(reminderNames.wake(instanceId), {
    dueTime,
    target: ReminderTarget.wake,
    partitionKey: instanceId,
    data: { i: instanceId },
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

export interface StepCommitInput {
  ctx: StepContext;
  record: InstanceRecord;
  chunks: ChunkState;
  result: ExecutionResult;
  consumedInbox: readonly string[];
  maxOps: number;
  chunkLimits?: ChunkLimits;
}

export interface StepCommit {
  ops: StoreOp[];
  record: InstanceRecord;
  chunks: ChunkState;
  /** True when history was reset for a new generation (continue-as-new). */
  restarted: boolean;
}

/**
 * Everything one step changes, as a single transaction's ops (the caller adds the revision guard).
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
  setOptional(next, 'customStatus', result.customStatus);

  const final = result.actions[result.actions.length - 1];
  if (final?.type === 'ContinueAsNew') {
    return continueAsNew(input, next, final, ops);
  }

  // Each new event is encoded once: for its history chunk, and for the reminder that carries it.
  const lines = result.newHistory.map((event) => serializeEvent(event));
  const appended = appendToChunks(input.chunks, result.newHistory, input.chunkLimits, lines);
  for (const write of appended.writes) {
    ops.push({ op: 'put', key: ctx.keys.historyChunk(id, write.chunk), value: write.text });
  }
  next.chunks = appended.next.chunks;
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
  const actionOpsList = dedupePuts(
    effective.flatMap((a) => actionOps(ctx, id, generation, a, recordTexts.get(a.id))),
  );
  // +1 for the record itself.
  if (ops.length + actionOpsList.length + 1 <= input.maxOps) {
    ops.push(...actionOpsList);
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
  return { ops: dedupePuts(ops), record: next, chunks: appended.next, restarted: false };
}

function continueAsNew(
  input: StepCommitInput,
  next: InstanceRecord,
  action: Extract<WorkflowAction, { type: 'ContinueAsNew' }>,
  ops: StoreOp[],
): StepCommit {
  const { ctx, record } = input;
  const id = record.instanceId;
  const generation = record.generation + 1;
  const started: ExecutionStartedEvent = {
    type: 'ExecutionStarted',
    timestamp: ctx.now,
    name: record.name,
    instanceId: id,
    generation,
    ...(action.input !== undefined && { input: action.input }),
    ...(record.parent !== undefined && { parent: record.parent }),
  };
  const opening: HistoryEvent[] = [
    started,
    ...action.carriedEvents.map((carried): HistoryEvent => ({
      type: 'EventRaised',
      timestamp: ctx.now,
      name: carried.name,
      ...(carried.data !== undefined && { data: carried.data }),
    })),
  ];
  ops.push({ op: 'deletePrefix', prefix: ctx.keys.historyPrefix(id) });
  ops.push(...ctx.reminders.deleteJobPrefixOps(reminderNames.generationPrefix(id, record.generation), id));
  opening.forEach((event, n) => {
    ops.push({
      op: 'put',
      key: ctx.keys.inboxMessage(id, `can~${generation}~${String(n).padStart(6, '0')}`),
      value: serializeEvent(event),
    });
  });
  ops.push(...wakeOps(ctx, id));
  // Messages sent in the closing step still go out (one to itself lands in the new generation).
  for (const sent of input.result.actions) {
    if (sent.type === 'SendEvent') ops.push(...actionOps(ctx, id, record.generation, sent));
  }
  const restarted: InstanceRecord = {
    ...next,
    status: WorkflowRuntimeStatus.RUNNING,
    generation,
    chunks: 0,
    tailEvents: 0,
    events: 0,
  };
  setOptional(restarted, 'input', action.input);
  delete restarted.output;
  delete restarted.failureDetails;
  delete restarted.dispatched;
  ops.push({ op: 'put', key: ctx.keys.record(id), value: JSON.stringify(restarted) });
  return { ops: dedupePuts(ops), record: restarted, chunks: { chunks: 0, tail: [] }, restarted: true };
}

function notifyParent(
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

function setOptional<K extends keyof InstanceRecord>(
  record: InstanceRecord,
  key: K,
  value: InstanceRecord[K],
): void {
  if (value === undefined) delete record[key];
  else record[key] = value;
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

/** At most this many reminders are deleted one by one when an instance finishes; more, by prefix. */
const MAX_EXPLICIT_REMINDER_DELETES = 16;

/**
 * Deletes every reminder a finishing instance may still have: its wake-up and the jobs of tasks
 * and timers still pending (timers it cancels are deleted by their CancelTimer). One key each, so
 * the step can share a transaction with others; a whole-prefix delete would have to travel alone.
 * An instance with many pending tasks, or one whose actions went out through a dispatch reminder
 * (written outside its step txns), is cleared by prefix instead.
 */
function finishedReminderOps(
  ctx: StepContext,
  record: InstanceRecord,
  state: ExecutionResult['state'],
): StoreOp[] {
  const id = record.instanceId;
  const generation = record.generation;
  const names = new Set([reminderNames.wake(id)]);
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
