import type { Clock } from '../../common/clock.js';
import { CoalescedWarnings } from '../../common/coalesced-warnings.js';
import { StoreUnavailableError } from '../../etcd/errors.js';
import { isTerminalStatus } from '../../history/status.js';
import type { ClientCore } from '../client-core.js';
import type { ReminderPort, ReminderResult, ReminderTrigger } from '../reminders/reminder-port.js';
import { JobTargetTriggerError } from './job-target-errors.js';
import { StagedReoffer } from './staged-reoffer.js';
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
  /** A tick was staged (the store was unreachable): its target's staged ticks are to be offered again. */
  staged?(target: string): void;
  /** A tick acted. */
  succeeded?(target: string): void;
}

/** What `attachWorkflowJobHandlers` needs besides the timer service. */
export interface WorkflowJobHandlerOptions {
  /** Starts and raises; its limits (payload bytes, pending events) apply to every tick. */
  client: ClientCore;
  clock: Clock;
  /** Where warnings go once coalesced (the runtime's `warning` event). */
  emitWarning(error: Error): void;
  /** The timer service's `retryStaged`: offers a target's staged ticks again. */
  retryStaged(target: string): void;
}

/**
 * Registers the handlers of the workflow job targets on `reminders` (the timer service), so any
 * runtime replica acts on the ticks of the jobs it owns. Warnings are coalesced here: a job
 * failing every tick (its instance gone) reads as one line plus a count. `stop` reports the
 * counts still owed and cancels pending offers of staged ticks.
 */
export function attachWorkflowJobHandlers(
  reminders: Pick<ReminderPort, 'onTrigger'>,
  options: WorkflowJobHandlerOptions,
): { stop(): void } {
  const warnings = new CoalescedWarnings({ clock: options.clock, emit: options.emitWarning });
  const reoffer = new StagedReoffer(options.clock, options.retryStaged);
  const deps: WorkflowJobTickDeps = {
    client: options.client,
    warn: (error) => warnings.report(error),
    staged: (target) => reoffer.staged(target),
    succeeded: (target) => reoffer.succeeded(target),
  };
  reminders.onTrigger(WorkflowJobTargetName.startWorkflow, (trigger) => startWorkflowTick(deps, trigger));
  reminders.onTrigger(WorkflowJobTargetName.raiseEvent, (trigger) => raiseEventTick(deps, trigger));
  return {
    stop: () => {
      reoffer.stop();
      warnings.flush();
    },
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
    deps.succeeded?.(WorkflowJobTargetName.startWorkflow);
    return 'success';
  } catch (error) {
    return failure(deps, trigger, WorkflowJobTargetName.startWorkflow, action, error);
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
    deps.succeeded?.(WorkflowJobTargetName.raiseEvent);
    return 'success';
  } catch (error) {
    return failure(deps, trigger, WorkflowJobTargetName.raiseEvent, action, error);
  }
}

/**
 * A tick that threw. The store out of reach is an outage, not a fault of the job: the tick is
 * staged (no retry spent, as for an app that cannot be reached) and offered again shortly; both
 * actions are safe to repeat, even when the outage hid whether the first attempt landed. Anything
 * else fails the tick, and its failure policy decides.
 */
function failure(
  deps: WorkflowJobTickDeps,
  trigger: ReminderTrigger,
  target: string,
  action: string,
  error: unknown,
): ReminderResult {
  if (error instanceof StoreUnavailableError && deps.staged !== undefined) {
    deps.warn(new JobTargetTriggerError(trigger.name, action, reason(error), { cause: error, staged: true }));
    deps.staged(target);
    return 'undeliverable';
  }
  deps.warn(new JobTargetTriggerError(trigger.name, action, reason(error), { cause: error }));
  return 'failed';
}

function reason(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
