import type { StoreOp } from '../../etcd/store-op.js';
import type { ExecutionStartedEvent, HistoryEvent } from '../../history/events.js';
import { serializeEvent } from '../../history/serialize.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import type { WorkflowAction } from '../../engine/actions.js';
import { reminderNames } from '../instances/instance-keys.js';
import { setOptional, type InstanceRecord } from '../instances/instance-record.js';
import { actionOps, dedupePuts, wakeOps, type StepContext } from '../reminders/reminder-ops.js';

/**
 * The ops of a step that continues as new (`next` is the record the step computed): this
 * generation's history and reminders go, the new generation's ExecutionStarted and carried events
 * wait in the inbox (opened by the wake-up that follows), and messages sent in the closing step
 * still go out.
 */
export function continueAsNewOps(
  ctx: StepContext,
  record: InstanceRecord,
  next: InstanceRecord,
  action: Extract<WorkflowAction, { type: 'ContinueAsNew' }>,
  actions: readonly WorkflowAction[],
  ops: StoreOp[],
): { ops: StoreOp[]; record: InstanceRecord } {
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
  for (const sent of actions) {
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
  return { ops: dedupePuts(ops), record: restarted };
}
