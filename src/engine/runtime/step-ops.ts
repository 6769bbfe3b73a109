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
): StoreOp[] {
  const ev = serializeEvent(recordActionEvent(action, ctx.now));
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

  const appended = appendToChunks(input.chunks, result.newHistory, input.chunkLimits);
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
    ops.push(...ctx.reminders.deleteJobPrefixOps(reminderNames.instancePrefix(id), id));
    if (state.parent) ops.push(...notifyParent(ctx, id, state.parent, final));
  }

  // A finished instance needs none of its own reminders (the prefix delete above removes them, and
  // etcd refuses a put inside a range deleted by the same txn); only its messages to others go out.
  const effective = result.actions.filter((a) =>
    final?.type === 'CompleteWorkflow'
      ? a.type === 'SendEvent' && a.instanceId !== id
      : a.type !== 'CompleteWorkflow',
  );
  const actionOpsList = dedupePuts(effective.flatMap((a) => actionOps(ctx, id, generation, a)));
  // +1 for the record itself.
  if (ops.length + actionOpsList.length + 1 <= input.maxOps) {
    ops.push(...actionOpsList);
  } else {
    const dispatched = effective;
    const firstId = dispatched[0]?.id ?? 0;
    ops.push(
      ...ctx.reminders.putJobOps(reminderNames.dispatch(id, generation, firstId), {
        dueTime: ctx.now,
        target: ReminderTarget.dispatch,
        partitionKey: id,
        data: {
          i: id,
          g: generation,
          evs: dispatched.map((a) => serializeEvent(recordActionEvent(a, ctx.now))),
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
