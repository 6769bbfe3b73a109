import type {
  ChildWorkflowCreatedEvent,
  EventSentEvent,
  TaskScheduledEvent,
  TimerCancelledEvent,
  TimerCreatedEvent,
} from '../history/events.js';
import type { CancelTimerAction, WorkflowAction } from './actions.js';
import { NonDeterminismError } from './errors.js';

/** History events that record an action the workflow took. */
export type RecordEvent =
  TaskScheduledEvent | TimerCreatedEvent | TimerCancelledEvent | ChildWorkflowCreatedEvent | EventSentEvent;

type PendingAction = Exclude<WorkflowAction, { type: 'CompleteWorkflow' | 'ContinueAsNew' }>;

const ACTION_FOR: { [K in RecordEvent['type']]: PendingAction['type'] } = {
  TaskScheduled: 'ScheduleTask',
  TimerCreated: 'CreateTimer',
  TimerCancelled: 'CancelTimer',
  ChildWorkflowCreated: 'ScheduleChildWorkflow',
  EventSent: 'SendEvent',
};

/**
 * Sequence ids and the actions not yet recorded in history. Replay re-runs the code, which
 * re-makes every action; each recorded event must then find the same kind of action (with the
 * same name) under its id, or the code has diverged from its history.
 */
export class ActionLog {
  #nextId = 1;
  // Cancellations share the timer's id, so they are keyed apart from the action that made it.
  #pending = new Map<string, PendingAction>();
  #recorded = new Set<string>();

  /** Allocates the next sequence id. */
  nextId(): number {
    return this.#nextId++;
  }

  /** The id the next action will get (without allocating it). */
  peekId(): number {
    return this.#nextId;
  }

  add(action: PendingAction): void {
    this.#pending.set(keyOf(action.type, action.id), action);
  }

  /** Whether a CancelTimer for `id` is already pending. */
  isCancelPending(id: number): boolean {
    return this.#pending.has(keyOf('CancelTimer', id));
  }

  /** Drops a CreateTimer that was never recorded; returns false if it was (or never existed). */
  dropUnrecordedTimer(id: number): boolean {
    return this.#pending.delete(keyOf('CreateTimer', id));
  }

  /** Keeps only the pending actions `keep` accepts. */
  retain(keep: (action: PendingAction) => boolean): void {
    for (const [key, action] of this.#pending) if (!keep(action)) this.#pending.delete(key);
  }

  /** Pending actions in the order they were made. */
  pending(): PendingAction[] {
    return [...this.#pending.values()];
  }

  clear(): void {
    this.#pending.clear();
  }

  /**
   * Matches a recorded event to the pending action it records. Returns `duplicate` for a record
   * seen before; throws `NonDeterminismError` when the code made a different action at that id,
   * or none at all.
   */
  match(event: RecordEvent): 'matched' | 'duplicate' {
    const expectedType = ACTION_FOR[event.type];
    const key = keyOf(expectedType, event.eventId);
    const action = this.#pending.get(key);
    if (!action) {
      if (this.#recorded.has(key)) return 'duplicate';
      throw new NonDeterminismError(event.eventId, describeRecord(event), 'nothing');
    }
    if (!sameDecision(event, action)) {
      throw new NonDeterminismError(event.eventId, describeRecord(event), describeAction(action));
    }
    this.#pending.delete(key);
    this.#recorded.add(key);
    return 'matched';
  }
}

function keyOf(type: PendingAction['type'], id: number): string {
  return type === 'CancelTimer' ? `c${id}` : `${id}`;
}

function sameDecision(event: RecordEvent, action: PendingAction): boolean {
  switch (event.type) {
    case 'TaskScheduled':
      return action.type === 'ScheduleTask' && action.name === event.name;
    case 'ChildWorkflowCreated':
      return action.type === 'ScheduleChildWorkflow' && action.name === event.name;
    case 'EventSent':
      return (
        action.type === 'SendEvent' && action.name === event.name && action.instanceId === event.instanceId
      );
    case 'TimerCreated':
      return action.type === 'CreateTimer' && action.origin.kind === event.origin.kind;
    case 'TimerCancelled':
      return (action as CancelTimerAction).type === 'CancelTimer';
  }
}

/** How NonDeterminismError names what history recorded. */
export function describeRecord(event: RecordEvent): string {
  switch (event.type) {
    case 'TaskScheduled':
    case 'ChildWorkflowCreated':
      return `${event.type} ${JSON.stringify(event.name)}`;
    case 'EventSent':
      return `EventSent ${JSON.stringify(event.name)} to ${JSON.stringify(event.instanceId)}`;
    case 'TimerCreated':
      return `TimerCreated (${event.origin.kind})`;
    case 'TimerCancelled':
      return 'TimerCancelled';
  }
}

/** How NonDeterminismError names what the code did. */
export function describeAction(action: PendingAction): string {
  switch (action.type) {
    case 'ScheduleTask':
    case 'ScheduleChildWorkflow':
      return `${action.type} ${JSON.stringify(action.name)}`;
    case 'SendEvent':
      return `SendEvent ${JSON.stringify(action.name)} to ${JSON.stringify(action.instanceId)}`;
    case 'CreateTimer':
      return `CreateTimer (${action.origin.kind})`;
    case 'CancelTimer':
      return 'CancelTimer';
  }
}
