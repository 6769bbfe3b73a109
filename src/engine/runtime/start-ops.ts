import type { StoreGuard, StoreOp } from '../../etcd/store-op.js';
import type { ExecutionStartedEvent, ParentInfo } from '../../history/events.js';
import { serializeEvent, normalizePayload } from '../../history/serialize.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import { reminderNames } from './instance-keys.js';
import type { InstanceRecord } from './instance-record.js';
import { wakeOps, type StepContext } from './step-ops.js';

export interface StartRequest {
  instanceId: string;
  name: string;
  input?: unknown;
  parent?: ParentInfo;
  startAt?: Date;
}

/**
 * Creating an instance: its record (PENDING), the ExecutionStarted message in its inbox and a wake
 * reminder at the start time, in one transaction. `replacing` is the revision of a finished
 * instance with the same id, whose leftovers are cleared in the same transaction.
 */
export function startInstanceOps(
  ctx: StepContext,
  request: StartRequest,
  replacing: number | undefined,
): { guards: StoreGuard[]; ops: StoreOp[]; record: InstanceRecord } {
  const { keys, now } = ctx;
  const id = request.instanceId;
  const input = request.input === undefined ? undefined : normalizePayload(request.input);
  const record: InstanceRecord = {
    instanceId: id,
    name: request.name,
    status: WorkflowRuntimeStatus.PENDING,
    generation: 0,
    createdAt: now.getTime(),
    lastUpdatedAt: now.getTime(),
    chunks: 0,
    tailEvents: 0,
    events: 0,
    ...(input !== undefined && { input }),
    ...(request.parent && { parent: request.parent }),
    ...(request.startAt && { scheduledStartAt: request.startAt.getTime() }),
  };
  const started: ExecutionStartedEvent = {
    type: 'ExecutionStarted',
    timestamp: now,
    name: request.name,
    instanceId: id,
    generation: 0,
    ...(input !== undefined && { input }),
    ...(request.parent && { parent: request.parent }),
    ...(request.startAt && { scheduledStartAt: request.startAt }),
  };
  const ops: StoreOp[] = [];
  if (replacing !== undefined) ops.push(...clearInstanceOps(ctx, id, false));
  ops.push(
    { op: 'put', key: keys.record(id), value: JSON.stringify(record) },
    { op: 'put', key: keys.inboxMessage(id, 'start'), value: serializeEvent(started) },
    ...wakeOps(ctx, id, request.startAt && request.startAt > now ? request.startAt : now),
  );
  return { guards: [{ key: keys.record(id), modRevision: replacing ?? 0 }], ops, record };
}

/** Everything stored for an instance: history, inbox, reminders, and (unless kept) its record. */
export function clearInstanceOps(ctx: StepContext, instanceId: string, includeRecord = true): StoreOp[] {
  return [
    ...(includeRecord ? [{ op: 'delete' as const, key: ctx.keys.record(instanceId) }] : []),
    { op: 'deletePrefix', prefix: ctx.keys.historyPrefix(instanceId) },
    { op: 'deletePrefix', prefix: ctx.keys.inboxPrefix(instanceId) },
    ...ctx.reminders.deleteJobPrefixOps(reminderNames.instancePrefix(instanceId), instanceId),
  ];
}
