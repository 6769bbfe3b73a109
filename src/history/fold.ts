import { Immer } from 'immer';
import type { Draft } from 'immer';
import type { EventHandlerMap, EventOf, HistoryEvent, HistoryEventType } from './events.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from './status.js';
import { initialWorkflowState } from './workflow-state.js';
import type { WorkflowState } from './workflow-state.js';

/**
 * A private immer instance with auto-freeze off: the state holds the workflow's own input and
 * output objects by reference, and freezing them would make a workflow that mutates its input
 * throw. The state is still never mutated in place; callers get a new object per fold.
 */
const immer = new Immer({ autoFreeze: false });

type StateDraft = Draft<WorkflowState>;

const handlers: EventHandlerMap<StateDraft> = {
  ExecutionStarted(state, e) {
    // A new generation starts from a clean slate: nothing pending survives continue-as-new.
    Object.assign(state, initialWorkflowState());
    for (const key of ['input', 'output', 'customStatus', 'failureDetails', 'completedAt'] as const) {
      delete state[key];
    }
    state.instanceId = e.instanceId;
    state.name = e.name;
    state.generation = e.generation;
    state.status = WorkflowRuntimeStatus.RUNNING;
    state.createdAt = e.timestamp;
    if (e.input !== undefined) state.input = e.input;
    if (e.parent !== undefined) state.parent = { ...e.parent };
    else delete state.parent;
    if (e.scheduledStartAt !== undefined) state.scheduledStartAt = e.scheduledStartAt;
    else delete state.scheduledStartAt;
  },
  OrchestratorStarted() {},
  TaskScheduled(state, e) {
    state.pendingTasks[e.eventId] = {
      kind: 'activity',
      name: e.name,
      scheduledAt: e.timestamp,
      ...(e.attempt !== undefined && { attempt: e.attempt }),
    };
  },
  TaskCompleted(state, e) {
    removeTask(state, e.eventId, 'activity');
  },
  TaskFailed(state, e) {
    removeTask(state, e.eventId, 'activity');
  },
  TimerCreated(state, e) {
    state.pendingTimers[e.eventId] = { fireAt: e.fireAt, origin: { ...e.origin }, createdAt: e.timestamp };
  },
  TimerFired(state, e) {
    delete state.pendingTimers[e.eventId];
  },
  TimerCancelled(state, e) {
    delete state.pendingTimers[e.eventId];
  },
  EventRaised(state, e) {
    if (state.status !== WorkflowRuntimeStatus.SUSPENDED) return;
    state.pendingEvents.push({
      name: e.name,
      receivedAt: e.timestamp,
      ...(e.data !== undefined && { data: e.data }),
    });
  },
  EventSent() {},
  ChildWorkflowCreated(state, e) {
    state.pendingTasks[e.eventId] = {
      kind: 'childWorkflow',
      name: e.name,
      instanceId: e.instanceId,
      scheduledAt: e.timestamp,
      ...(e.attempt !== undefined && { attempt: e.attempt }),
    };
  },
  ChildWorkflowCompleted(state, e) {
    removeTask(state, e.eventId, 'childWorkflow');
  },
  ChildWorkflowFailed(state, e) {
    removeTask(state, e.eventId, 'childWorkflow');
  },
  ExecutionSuspended(state) {
    if (state.status === WorkflowRuntimeStatus.RUNNING) state.status = WorkflowRuntimeStatus.SUSPENDED;
  },
  ExecutionResumed(state) {
    if (state.status !== WorkflowRuntimeStatus.SUSPENDED) return;
    state.status = WorkflowRuntimeStatus.RUNNING;
    state.pendingEvents = [];
  },
  // The outcome of a termination is recorded by the ExecutionCompleted event that follows it.
  ExecutionTerminated() {},
  CustomStatusSet(state, e) {
    if (e.customStatus === undefined) delete state.customStatus;
    else state.customStatus = e.customStatus;
  },
  // A version marker changes nothing the state shows; the executor reads it on replay.
  PatchRecorded() {},
  ContinueAsNew(state, e) {
    state.status = WorkflowRuntimeStatus.CONTINUED_AS_NEW;
    state.completedAt = e.timestamp;
  },
  ExecutionCompleted(state, e) {
    state.status = e.status;
    state.completedAt = e.timestamp;
    if (e.output !== undefined) state.output = e.output;
    if (e.failureDetails !== undefined) state.failureDetails = { ...e.failureDetails };
  },
};

function removeTask(state: StateDraft, eventId: number, kind: 'activity' | 'childWorkflow'): void {
  // A completion whose id names a different kind of task is bogus; leave the real task pending.
  if (state.pendingTasks[eventId]?.kind === kind) delete state.pendingTasks[eventId];
}

function applyOne<K extends HistoryEventType>(state: StateDraft, event: EventOf<K>): void {
  if (event.type !== 'ExecutionStarted' && isTerminalStatus(state.status)) return;
  // TypeScript cannot correlate the table entry with the event's tag; the map type guarantees it.
  (handlers[event.type] as (target: StateDraft, e: EventOf<K>) => void)(state, event);
  if (event.type !== 'OrchestratorStarted') state.updatedAt = event.timestamp;
}

/** Applies `events` to `state` and returns the new state; `state` itself is left untouched. */
export function applyEvents(state: WorkflowState, events: readonly HistoryEvent[]): WorkflowState {
  if (events.length === 0) return state;
  return immer.produce(state, (draft) => {
    for (const event of events) applyOne(draft, event);
  });
}

/** Folds a whole history into the instance's state. */
export function foldHistory(events: readonly HistoryEvent[]): WorkflowState {
  return applyEvents(initialWorkflowState(), events);
}
