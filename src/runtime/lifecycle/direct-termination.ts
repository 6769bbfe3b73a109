import { itemBytes } from '../../etcd/group-commit.js';
import { ETCD_MAX_REQUEST_BYTES } from '../../etcd/store-limits.js';
import type { StoreGuard, StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import { serializeHistory } from '../../history/serialize.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import { notifyParent } from './finish-ops.js';
import { reminderNames } from '../instances/instance-keys.js';
import type { InstanceRecord } from '../instances/instance-record.js';
import type { LoadedInstance } from '../instances/instance-store.js';
import type { StepContext } from '../reminders/reminder-ops.js';
import { openingEvent } from './start-ops.js';

/**
 * A termination the client writes itself, for an instance no step can be counted on to end: one
 * still PENDING (its first step may never come: no runtime runs, or the step cannot commit), or
 * any unfinished one with `force`. One transaction, guarded by the record's mod revision (a step
 * committed meanwhile makes it fail, and the caller looks again): the record becomes TERMINATED,
 * the termination is appended to history as a new chunk, the inbox and every reminder-job of the
 * instance are deleted, and a parent hears that its child was terminated.
 *
 * A runtime that has the instance cached finds its guard failed at its next commit, re-reads the
 * record and, the instance being finished, only clears late messages away.
 */
export function directTerminationOps(
  ctx: StepContext,
  loaded: LoadedInstance,
  output: unknown,
): { guards: StoreGuard[]; ops: StoreOp[]; record: InstanceRecord } {
  const built = build(ctx, loaded, output, false);
  // An input stored before payloads were limited may leave no room: it is then left out, so
  // the instance can still be ended.
  return itemBytes(built) <= ETCD_MAX_REQUEST_BYTES ? built : build(ctx, loaded, output, true);
}

function build(
  ctx: StepContext,
  loaded: LoadedInstance,
  output: unknown,
  withoutInput: boolean,
): { guards: StoreGuard[]; ops: StoreOp[]; record: InstanceRecord } {
  const { record } = loaded;
  const id = record.instanceId;
  const now = ctx.now;
  const result = output === undefined ? {} : { output };
  const events: HistoryEvent[] = [{ type: 'OrchestratorStarted', timestamp: now }];
  // A first step that stalled left the instance RUNNING with its ExecutionStarted in the inbox
  // (deleted below): history gets it from the record, as for a PENDING one.
  const unstarted = record.stalled !== undefined && record.events === 0 && record.generation === 0;
  const opens = record.status === WorkflowRuntimeStatus.PENDING || unstarted;
  if (opens) {
    const opening = openingEvent(record);
    if (withoutInput) delete opening.input;
    events.push(opening);
  }
  events.push(
    { type: 'ExecutionTerminated', timestamp: now, ...result },
    { type: 'ExecutionCompleted', timestamp: now, status: 'TERMINATED', ...result },
  );
  const next: InstanceRecord = {
    ...record,
    status: WorkflowRuntimeStatus.TERMINATED,
    lastUpdatedAt: now.getTime(),
    chunks: record.chunks + 1,
    tailEvents: events.length,
    events: record.events + events.length,
  };
  if (output === undefined) delete next.output;
  else next.output = output;
  // Once history has the opening (written here or by a step before), it holds the input (see
  // `InstanceRecord`). A generation opened by continue-as-new but never stepped has its opening
  // in the inbox, deleted here: its record keeps the input. Left out for want of room, it is gone.
  if (opens || record.chunks > 0 || withoutInput) delete next.input;
  delete next.failureDetails;
  delete next.stalled;
  delete next.pendingEvents;
  delete next.pendingEventBytes;
  delete next.dispatched;
  const ops: StoreOp[] = [
    { op: 'put', key: ctx.keys.record(id), value: JSON.stringify(next) },
    // A chunk of its own after the last one: the tail chunk is left as it is.
    { op: 'put', key: ctx.keys.historyChunk(id, record.chunks), value: serializeHistory(events) },
    { op: 'deletePrefix', prefix: ctx.keys.inboxPrefix(id) },
    ...ctx.reminders.deleteJobPrefixOps(reminderNames.instancePrefix(id), id),
  ];
  if (record.parent) {
    ops.push(
      ...notifyParent(ctx, id, record.parent, {
        type: 'CompleteWorkflow',
        id: 0,
        status: 'TERMINATED',
        ...(output !== undefined && { result: output }),
      }),
    );
  }
  return { guards: [{ key: ctx.keys.record(id), modRevision: loaded.modRevision }], ops, record: next };
}
