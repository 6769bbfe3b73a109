import { isTerminalStatus } from '../../history/status.js';
import type { ClientCore } from '../client-core.js';
import type { ReminderPort, ReminderResult, ReminderTrigger } from '../reminders/reminder-port.js';
import { JobTargetTriggerError } from './job-target-errors.js';
import { tickEventKey, tickInstanceId } from './tick-keys.js';
import {
  WorkflowJobTargetName,
  type RaiseEventJobTarget,
  type StartWorkflowJobTarget,
} from './workflow-job-target.js';

/** What the handlers of workflow job ticks act with. */
export interface WorkflowJobTickDeps {
  /** Starts and raises; its limits (payload bytes, pending events) apply to every tick. */
  client: ClientCore;
  /** Where a tick that could not act is reported (a coalescing warning channel). */
  warn(error: Error): void;
}

/**
 * Registers the handlers of the workflow job targets on `reminders` (the timer service), so any
 * runtime replica acts on the ticks of the jobs it owns. Returns a function that removes them.
 */
export function attachWorkflowJobHandlers(
  reminders: Pick<ReminderPort, 'onTrigger'>,
  deps: WorkflowJobTickDeps,
): () => void {
  const offStart = reminders.onTrigger(WorkflowJobTargetName.startWorkflow, (trigger) =>
    startWorkflowTick(deps, trigger),
  );
  const offRaise = reminders.onTrigger(WorkflowJobTargetName.raiseEvent, (trigger) =>
    raiseEventTick(deps, trigger),
  );
  return () => {
    offStart();
    offRaise();
  };
}

/**
 * One tick of a start-workflow job: starts the workflow as instance `{job}@{tick}` unless that
 * instance exists. The id depends only on the job and the tick, so a tick delivered again (at
 * least once: a crash between the start and the tick's completion) finds its instance and starts
 * nothing, even if that instance has finished since; only purging it in between lets a
 * redelivery start it anew.
 */
export async function startWorkflowTick(
  deps: WorkflowJobTickDeps,
  trigger: ReminderTrigger,
): Promise<ReminderResult> {
  const target = trigger.data as unknown as StartWorkflowJobTarget | undefined;
  const instanceId = tickInstanceId(trigger.name, trigger.scheduledAt);
  const action = `start workflow ${JSON.stringify(target?.name)} as instance ${JSON.stringify(instanceId)}`;
  try {
    if (typeof target?.name !== 'string') throw new TypeError('the stored target has no workflow name');
    // false: this tick's instance exists already (a redelivery): nothing more to do.
    await deps.client.scheduleNewWorkflowIfAbsent(target.name, target.input, instanceId);
    return 'success';
  } catch (error) {
    deps.warn(new JobTargetTriggerError(trigger.name, action, reason(error), error));
    return 'failed';
  }
}

/**
 * One tick of a raise-event job: raises the event into the instance under an inbox key made of
 * the job and the tick, so a tick delivered again before the instance took the event stores it
 * once. Once the instance has taken it, a redelivery raises it again: the engine keeps no record
 * of which raises it has seen, so a delayed raise is at least once, like any job delivery.
 * An instance that does not exist or has finished fails the tick (its failure policy decides).
 */
export async function raiseEventTick(
  deps: WorkflowJobTickDeps,
  trigger: ReminderTrigger,
): Promise<ReminderResult> {
  const target = trigger.data as unknown as RaiseEventJobTarget | undefined;
  const action =
    `raise event ${JSON.stringify(target?.name)} into workflow instance ` +
    JSON.stringify(target?.instanceId);
  try {
    if (typeof target?.instanceId !== 'string' || typeof target.name !== 'string') {
      throw new TypeError('the stored target has no instance id or event name');
    }
    const state = await deps.client.getWorkflowState(target.instanceId, false);
    if (state === undefined) {
      deps.warn(new JobTargetTriggerError(trigger.name, action, 'the instance does not exist'));
      return 'failed';
    }
    if (isTerminalStatus(state.runtimeStatus)) {
      deps.warn(
        new JobTargetTriggerError(
          trigger.name,
          action,
          `the instance has finished (${state.runtimeStatus}) and can take no more events`,
        ),
      );
      return 'failed';
    }
    await deps.client.raiseEventAs(
      target.instanceId,
      target.name,
      target.data,
      tickEventKey(trigger.name, trigger.scheduledAt),
    );
    return 'success';
  } catch (error) {
    deps.warn(new JobTargetTriggerError(trigger.name, action, reason(error), error));
    return 'failed';
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
