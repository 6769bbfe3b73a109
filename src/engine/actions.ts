import type {
  CarriedEvent,
  ExecutionStartedEvent,
  HistoryEvent,
  PatchRecordedEvent,
  TimerOrigin,
} from '../history/events.js';
import type { FailureDetails } from '../history/failure-details.js';
import type { CompletionStatus } from '../history/status.js';
import type { NewPatchMarker } from './patch-ledger.js';

/**
 * What a workflow step asks the runtime to do, as plain data. Each action has the sequence id
 * the workflow assigned it; the history event that records it carries the same id, and the
 * completion that answers it (TaskCompleted, TimerFired, ...) carries it as `eventId`.
 */
export type WorkflowAction =
  | ScheduleTaskAction
  | CreateTimerAction
  | CancelTimerAction
  | ScheduleChildWorkflowAction
  | SendEventAction
  | CompleteWorkflowAction
  | ContinueAsNewAction;

export type WorkflowActionType = WorkflowAction['type'];

/** Run an activity; report back with TaskCompleted / TaskFailed carrying `eventId: id`. */
export interface ScheduleTaskAction {
  type: 'ScheduleTask';
  /** The action's sequence id. */
  id: number;
  /** The activity's name. */
  name: string;
  input?: unknown;
  /** Attempt number under a retry policy; absent for the first attempt. */
  attempt?: number;
}

/** Create a reminder-job due at `fireAt`; report back with TimerFired carrying `eventId: id`. */
export interface CreateTimerAction {
  type: 'CreateTimer';
  /** The action's sequence id. */
  id: number;
  fireAt: Date;
  origin: TimerOrigin;
}

/**
 * The timer with sequence id `id` (created by an earlier step) is no longer needed: delete its
 * reminder-job. A timer created and cancelled within one step produces neither action.
 */
export interface CancelTimerAction {
  type: 'CancelTimer';
  /** The action's sequence id. */
  id: number;
}

/** Start a child instance; report back with ChildWorkflowCompleted / Failed carrying `eventId: id`. */
export interface ScheduleChildWorkflowAction {
  type: 'ScheduleChildWorkflow';
  /** The action's sequence id. */
  id: number;
  /** The child's workflow name. */
  name: string;
  /** The child's instance id. */
  instanceId: string;
  input?: unknown;
  /** Attempt number under a retry policy; absent for the first attempt. */
  attempt?: number;
}

/** Raise event `name` on another instance. Fire and forget. */
export interface SendEventAction {
  type: 'SendEvent';
  /** The action's sequence id. */
  id: number;
  instanceId: string;
  name: string;
  data?: unknown;
}

/** The instance finished. Always the last action of a step. */
export interface CompleteWorkflowAction {
  type: 'CompleteWorkflow';
  /** The action's sequence id. */
  id: number;
  status: CompletionStatus;
  result?: unknown;
  failureDetails?: FailureDetails;
}

/**
 * End this generation and start the next with `input`; `carriedEvents` (external events the
 * workflow had not consumed, when it asked to keep them) are raised again on the new one.
 */
export interface ContinueAsNewAction {
  type: 'ContinueAsNew';
  /** The action's sequence id. */
  id: number;
  input?: unknown;
  carriedEvents: CarriedEvent[];
}

/** The history event that records `action`; the executor appends these after each step. */
export function recordActionEvent(action: WorkflowAction, timestamp: Date): HistoryEvent {
  switch (action.type) {
    case 'ScheduleTask':
      return { type: 'TaskScheduled', timestamp, eventId: action.id, name: action.name, ...optional(action) };
    case 'CreateTimer':
      return {
        type: 'TimerCreated',
        timestamp,
        eventId: action.id,
        fireAt: action.fireAt,
        origin: action.origin,
      };
    case 'CancelTimer':
      return { type: 'TimerCancelled', timestamp, eventId: action.id };
    case 'ScheduleChildWorkflow':
      return {
        type: 'ChildWorkflowCreated',
        timestamp,
        eventId: action.id,
        name: action.name,
        instanceId: action.instanceId,
        ...optional(action),
      };
    case 'SendEvent':
      return {
        type: 'EventSent',
        timestamp,
        eventId: action.id,
        instanceId: action.instanceId,
        name: action.name,
        ...(action.data !== undefined && { data: action.data }),
      };
    case 'CompleteWorkflow':
      return {
        type: 'ExecutionCompleted',
        timestamp,
        status: action.status,
        ...(action.result !== undefined && { output: action.result }),
        ...(action.failureDetails !== undefined && { failureDetails: action.failureDetails }),
      };
    case 'ContinueAsNew':
      return {
        type: 'ContinueAsNew',
        timestamp,
        carriedEvents: action.carriedEvents,
        ...(action.input !== undefined && { input: action.input }),
      };
  }
}

/** The PatchRecorded event of a version marker the code made in a step. */
export function recordPatchMarker(marker: NewPatchMarker, timestamp: Date): PatchRecordedEvent {
  return {
    type: 'PatchRecorded',
    timestamp,
    patchId: marker.patchId,
    ...(marker.deprecated && { deprecated: true }),
  };
}

function optional(action: { input?: unknown; attempt?: number }): { input?: unknown; attempt?: number } {
  return {
    ...(action.input !== undefined && { input: action.input }),
    ...(action.attempt !== undefined && { attempt: action.attempt }),
  };
}

/**
 * The opening events of the generation a ContinueAsNew action starts: same instance and parent,
 * generation + 1, the new input, then each carried event raised again in its original order.
 */
export function continueAsNewHistory(
  previous: ExecutionStartedEvent,
  action: ContinueAsNewAction,
  timestamp: Date,
): HistoryEvent[] {
  const started: ExecutionStartedEvent = {
    type: 'ExecutionStarted',
    timestamp,
    name: previous.name,
    instanceId: previous.instanceId,
    generation: previous.generation + 1,
    ...(action.input !== undefined && { input: action.input }),
    ...(previous.parent !== undefined && { parent: previous.parent }),
  };
  const raised: HistoryEvent[] = action.carriedEvents.map((carried) => ({
    type: 'EventRaised',
    timestamp,
    name: carried.name,
    ...(carried.data !== undefined && { data: carried.data }),
  }));
  return [{ type: 'OrchestratorStarted', timestamp }, started, ...raised];
}
