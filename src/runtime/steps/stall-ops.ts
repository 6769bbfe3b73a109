import type { StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import { serializeEvent } from '../../history/serialize.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import type { InstanceRecord, StallRecord } from '../instances/instance-record.js';
import { wakeOps, type StepContext } from '../reminders/reminder-ops.js';

/** What a stalled attempt writes. */
export interface StalledStepCommit {
  /** The stall: the record, the re-armed wake, unreadable inbox messages deleted. */
  ops: StoreOp[];
  /** The requeued events, one inbox message each; best in the same transaction as `ops`. */
  messages: StoreOp[];
  record: InstanceRecord;
}

/**
 * The ops of a step that stalled (the code threw an error that is not a workflow failure).
 * Nothing the code did is written: no history, no actions, the custom status as stored. What
 * the step took in must not be lost, though: inbox messages stay where they are (not deleted),
 * and the events delivered to it in-process (`requeue`: activity results, fired timers, and the
 * ExecutionStarted of a first step) go into the inbox, so the next attempt reads them all again.
 * The wake reminder is re-armed for `stall.nextRetryAt`; a message arriving sooner re-arms it for
 * its own delivery, so new events try the step sooner.
 *
 * A PENDING instance becomes RUNNING: it has started as far as clients can see, and the inbox now
 * holds its ExecutionStarted, as after a continue-as-new.
 */
export function stalledStepOps(
  ctx: StepContext,
  record: InstanceRecord,
  stall: StallRecord,
  requeue: readonly HistoryEvent[],
  deletes: readonly string[],
): StalledStepCommit {
  const id = record.instanceId;
  const next: InstanceRecord = {
    ...record,
    status: record.status === WorkflowRuntimeStatus.PENDING ? WorkflowRuntimeStatus.RUNNING : record.status,
    lastUpdatedAt: ctx.now.getTime(),
    stalled: stall,
  };
  // The attempt number keeps names unique across attempts at the same instant.
  const stamp = `${ctx.now.getTime().toString(36).padStart(10, '0')}~stall~${stall.attempts}`;
  const messages = requeue.map((event, n): StoreOp => ({
    op: 'put',
    key: ctx.keys.inboxMessage(id, `${stamp}~${String(n).padStart(6, '0')}`),
    value: serializeEvent(event),
  }));
  const ops: StoreOp[] = deletes.map((key) => ({ op: 'delete', key }));
  ops.push(...wakeOps(ctx, id, new Date(stall.nextRetryAt)));
  ops.push({ op: 'put', key: ctx.keys.record(id), value: JSON.stringify(next) });
  return { ops, messages, record: next };
}

/** JSON bytes of requeued events that may go in one transaction with a stall (etcd takes 1.5 MiB). */
export const STALL_MESSAGE_BYTES = 1024 * 1024;

/** Bytes of the keys and values `ops` put. */
export function valueBytes(ops: readonly StoreOp[]): number {
  let bytes = 0;
  for (const op of ops) if (op.op === 'put') bytes += Buffer.byteLength(op.value) + op.key.length;
  return bytes;
}

/** Inbox puts in batches of at most `maxOps` operations and STALL_MESSAGE_BYTES (at least one each). */
export function messageBatches(messages: readonly StoreOp[], maxOps: number): StoreOp[][] {
  const batches: StoreOp[][] = [];
  let current: StoreOp[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = valueBytes([message]);
    if (current.length > 0 && (current.length >= maxOps || bytes + size > STALL_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
