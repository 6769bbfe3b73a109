import type { HistoryEvent } from '../../history/events.js';
import { applyEvents } from '../../history/fold.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../../history/status.js';
import type { WorkflowState } from '../../history/workflow-state.js';
import type { ExecutionWarning, WarningCode } from '../../engine/execution-result.js';

/** The events of a step that change something, and a warning for each left out. */
export interface AcceptedEvents {
  accepted: HistoryEvent[];
  warnings: ExecutionWarning[];
  /** The state after the accepted events. */
  state: WorkflowState;
}

/**
 * Which of a step's new events a remote workflow gets, decided on the server from the folded
 * state, as the in-process executor decides it from its own: a completion for a task, timer or
 * child that is not open (a redelivery, a duplicate, an older generation's), a second start, a
 * suspend of a suspended instance, anything after the end, is left out of history with a
 * warning. At-least-once deliveries thus never reach the worker (or history) twice.
 */
export function acceptedEvents(before: WorkflowState, events: readonly HistoryEvent[]): AcceptedEvents {
  let state = before;
  const accepted: HistoryEvent[] = [];
  const warnings: ExecutionWarning[] = [];
  for (const event of events) {
    const refused = refusal(state, event);
    if (refused) {
      warnings.push({ code: refused, message: `${event.type} ignored: ${describe(refused)}`, event });
      continue;
    }
    accepted.push(event);
    state = applyEvents(state, [event]);
  }
  return { accepted, warnings, state };
}

function refusal(state: WorkflowState, event: HistoryEvent): WarningCode | undefined {
  if (event.type === 'OrchestratorStarted') return undefined;
  const started = state.name !== '';
  if (event.type === 'ExecutionStarted') return started ? 'duplicate-start' : undefined;
  if (started && isTerminalStatus(state.status)) return 'after-completion';
  if ('generation' in event && event.generation !== undefined && event.generation !== state.generation) {
    return 'stale-generation';
  }
  switch (event.type) {
    case 'TaskCompleted':
    case 'TaskFailed':
      return openTask(state, event.eventId, 'activity');
    case 'ChildWorkflowCompleted':
    case 'ChildWorkflowFailed':
      return openTask(state, event.eventId, 'childWorkflow');
    case 'TimerFired':
      return state.pendingTimers[event.eventId] ? undefined : 'duplicate-completion';
    case 'ExecutionSuspended':
      return state.status === WorkflowRuntimeStatus.SUSPENDED ? 'already-suspended' : undefined;
    case 'ExecutionResumed':
      return state.status === WorkflowRuntimeStatus.SUSPENDED ? undefined : 'not-suspended';
    case 'EventRaised':
    case 'ExecutionTerminated':
      return undefined;
    default:
      // Records of actions are written by the step itself, never delivered to it.
      return 'duplicate-record';
  }
}

function openTask(
  state: WorkflowState,
  eventId: number,
  kind: 'activity' | 'childWorkflow',
): WarningCode | undefined {
  const task = state.pendingTasks[eventId];
  if (task?.kind === kind) return undefined;
  return task ? 'duplicate-completion' : 'unknown-task';
}

function describe(code: WarningCode): string {
  switch (code) {
    case 'duplicate-start':
      return 'the instance has started already';
    case 'after-completion':
      return 'the instance has finished';
    case 'stale-generation':
      return 'addressed to an earlier generation (before a continue-as-new)';
    case 'duplicate-completion':
      return 'its task or timer is not open (already completed)';
    case 'unknown-task':
      // The fold forgets completed tasks: a redelivery and a bogus id look alike here.
      return 'no open task has this sequence id (completed already, or never scheduled)';
    case 'already-suspended':
      return 'the instance is suspended already';
    case 'not-suspended':
      return 'the instance is not suspended';
    default:
      return 'not an event a step takes in';
  }
}
