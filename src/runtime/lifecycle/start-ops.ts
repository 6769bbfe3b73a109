import type { StoreGuard, StoreOp } from '../../etcd/store-op.js';
import type { ExecutionStartedEvent, ParentInfo } from '../../history/events.js';
import { normalizePayload } from '../../history/serialize.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import { reminderNames } from '../instances/instance-keys.js';
import type { InstanceRecord } from '../instances/instance-record.js';
import { wakeOps, type StepContext } from '../reminders/reminder-ops.js';

export interface StartRequest {
  instanceId: string;
  name: string;
  input?: unknown;
  parent?: ParentInfo;
  startAt?: Date;
}

/** A finished instance that a new one with the same id replaces. */
export interface ReplacedInstance {
  modRevision: number;
  generation: number;
}

/**
 * Creating an instance: its record (PENDING, which stands for the ExecutionStarted its first step
 * appends, see `openingEvent`) and a wake reminder at the start time, in one transaction.
 *
 * A finished instance with the same id is replaced in the same transaction: its history, inbox and
 * reminders are deleted, and the new instance takes the next generation, so a late result still on
 * its way to the old one (same task ids) is fenced off like one from before a continue-as-new.
 * Nothing is put under a prefix the transaction deletes (etcd refuses that): the start lives in the
 * record, and the wake is the one reminder outside the generation's prefix.
 */
export function startInstanceOps(
  ctx: StepContext,
  request: StartRequest,
  replacing: ReplacedInstance | undefined,
): { guards: StoreGuard[]; ops: StoreOp[]; record: InstanceRecord } {
  const { keys, now } = ctx;
  const id = request.instanceId;
  const input = request.input === undefined ? undefined : normalizePayload(request.input);
  const record: InstanceRecord = {
    instanceId: id,
    name: request.name,
    status: WorkflowRuntimeStatus.PENDING,
    generation: replacing ? replacing.generation + 1 : 0,
    createdAt: now.getTime(),
    lastUpdatedAt: now.getTime(),
    chunks: 0,
    tailEvents: 0,
    events: 0,
    ...(input !== undefined && { input }),
    ...(request.parent && { parent: request.parent }),
    ...(request.startAt && { scheduledStartAt: request.startAt.getTime() }),
  };
  const ops: StoreOp[] = [];
  if (replacing !== undefined) {
    ops.push(
      { op: 'deletePrefix', prefix: keys.historyPrefix(id) },
      { op: 'deletePrefix', prefix: keys.inboxPrefix(id) },
      ...ctx.reminders.deleteJobPrefixOps(reminderNames.generationPrefix(id, replacing.generation), id),
    );
  }
  ops.push(
    { op: 'put', key: keys.record(id), value: JSON.stringify(record) },
    ...wakeOps(ctx, id, request.startAt && request.startAt > now ? request.startAt : now, true),
  );
  return { guards: [{ key: keys.record(id), modRevision: replacing?.modRevision ?? 0 }], ops, record };
}

/** The ExecutionStarted a PENDING instance's first step opens with, from its record. */
export function openingEvent(record: InstanceRecord): ExecutionStartedEvent {
  return {
    type: 'ExecutionStarted',
    timestamp: new Date(record.createdAt),
    name: record.name,
    instanceId: record.instanceId,
    generation: record.generation,
    ...(record.input !== undefined && { input: record.input }),
    ...(record.parent && { parent: record.parent }),
    ...(record.scheduledStartAt !== undefined && { scheduledStartAt: new Date(record.scheduledStartAt) }),
  };
}

/** Everything stored for an instance: record, history, inbox and reminders. */
export function clearInstanceOps(ctx: StepContext, instanceId: string): StoreOp[] {
  return [
    { op: 'delete', key: ctx.keys.record(instanceId) },
    { op: 'deletePrefix', prefix: ctx.keys.historyPrefix(instanceId) },
    { op: 'deletePrefix', prefix: ctx.keys.inboxPrefix(instanceId) },
    ...ctx.reminders.deleteJobPrefixOps(reminderNames.instancePrefix(instanceId), instanceId),
  ];
}
