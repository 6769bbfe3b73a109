import type { GroupCommit } from '../../etcd/group-commit.js';
import type { ChildWorkflowCreatedEvent, HistoryEvent } from '../../history/events.js';
import { isTerminalStatus } from '../../history/status.js';
import type { InstanceStore, LoadedInstance } from '../instances/instance-store.js';
import type { StepContext } from '../reminders/reminder-ops.js';
import { startInstanceOps } from './start-ops.js';
import { WorkflowAlreadyExistsError } from '../workflow-errors.js';

export interface ChildStartDeps {
  store: InstanceStore;
  commit: GroupCommit;
  ctx(): StepContext;
  /** Hands an event to the parent (the failure of a call whose id is taken). */
  deliver(instanceId: string, event: HistoryEvent): Promise<void>;
}

/**
 * Creates the child instance a parent's step recorded (its child reminder fired). A child this
 * very call created already (a repeated delivery) is left alone; a finished instance holding the
 * id (e.g. the child of an earlier generation) is replaced, as `scheduleNewWorkflow` would; a
 * running instance of someone else's fails the call instead of leaving the parent waiting forever.
 * Nothing is created for a parent that finished or moved to another generation meanwhile.
 */
export async function startChild(
  deps: ChildStartDeps,
  parentId: string,
  generation: number,
  created: ChildWorkflowCreatedEvent,
): Promise<void> {
  const parent = await deps.store.load(parentId);
  if (!parent || parent.record.generation !== generation || isTerminalStatus(parent.record.status)) return;
  const isOurs = (loaded: LoadedInstance | undefined): boolean => {
    const p = loaded?.record.parent;
    return (
      p !== undefined &&
      p.instanceId === parentId &&
      p.generation === generation &&
      p.taskId === created.eventId
    );
  };
  const existing = await deps.store.load(created.instanceId);
  if (isOurs(existing)) return;
  if (existing && !isTerminalStatus(existing.record.status)) {
    const taken = new WorkflowAlreadyExistsError(created.instanceId, existing.record.status);
    await deps.deliver(parentId, {
      type: 'ChildWorkflowFailed',
      timestamp: deps.ctx().now,
      eventId: created.eventId,
      generation,
      failureDetails: { errorType: taken.name, message: taken.message, nonRetryable: true },
    });
    return;
  }
  const { guards, ops } = startInstanceOps(
    deps.ctx(),
    {
      instanceId: created.instanceId,
      name: created.name,
      input: created.input,
      parent: { name: parent.record.name, instanceId: parentId, generation, taskId: created.eventId },
    },
    existing && { modRevision: existing.modRevision, generation: existing.record.generation },
  );
  const result = await deps.commit.submit({ guards, ops });
  // Lost a race: fine if the winner was this same call (a concurrent duplicate); else try again.
  if (!result.succeeded && !isOurs(await deps.store.load(created.instanceId))) {
    throw new Error(`child workflow ${created.instanceId} changed while being created; will retry`);
  }
}
