import type { FailureDetails } from './failure-details.js';
import type { CompletionStatus } from './status.js';

/**
 * History is an append-only list of these events. Each event has a `type` tag and the time it
 * was recorded; events that answer an action the workflow took carry that action's sequence id
 * as `eventId`. Payloads (`input`, `result`, `data`, `output`) are JSON values.
 */
export type HistoryEvent =
  | ExecutionStartedEvent
  | OrchestratorStartedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | TimerCancelledEvent
  | EventRaisedEvent
  | EventSentEvent
  | ChildWorkflowCreatedEvent
  | ChildWorkflowCompletedEvent
  | ChildWorkflowFailedEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent
  | ExecutionTerminatedEvent
  | CustomStatusSetEvent
  | ContinueAsNewEvent
  | ExecutionCompletedEvent;

export type HistoryEventType = HistoryEvent['type'];

/** The event interface for one `type` tag. */
export type EventOf<K extends HistoryEventType> = Extract<HistoryEvent, { type: K }>;

/**
 * One function per event kind. Handler tables are declared with this type so that adding an
 * event to the union fails to compile until every table handles it.
 */
export type EventHandlerMap<TTarget> = {
  [K in HistoryEventType]: (target: TTarget, event: EventOf<K>) => void;
};

/** The parent that scheduled this instance as a child workflow. */
export interface ParentInfo {
  name: string;
  instanceId: string;
  generation: number;
  /** The parent's sequence id for the child-workflow action; its completion carries this id. */
  taskId: number;
}

/** Why a durable timer exists; the runtime may name or prioritise reminder-jobs by it. */
export type TimerOrigin =
  { kind: 'user' } | { kind: 'externalEventTimeout'; eventName: string } | { kind: 'retry'; taskId: number };

/** An external event carried into the next generation by continue-as-new. */
export interface CarriedEvent {
  name: string;
  data?: unknown;
}

interface Recorded<T extends string> {
  type: T;
  timestamp: Date;
}

/**
 * Completions delivered from outside (activity results, timer fires, child results) name the
 * generation they belong to, so that a result for a generation replaced by continue-as-new is
 * recognised and ignored. Absent means "current generation".
 */
interface Fenced {
  generation?: number;
}

export interface ExecutionStartedEvent extends Recorded<'ExecutionStarted'> {
  name: string;
  instanceId: string;
  /** 0 for the first run; continue-as-new increments it. */
  generation: number;
  input?: unknown;
  parent?: ParentInfo;
  scheduledStartAt?: Date;
}

/** Opens a step; its timestamp is the step's deterministic "now". */
export type OrchestratorStartedEvent = Recorded<'OrchestratorStarted'>;

export interface TaskScheduledEvent extends Recorded<'TaskScheduled'> {
  eventId: number;
  name: string;
  input?: unknown;
  /** 1-based attempt number under a retry policy; absent for the first attempt. */
  attempt?: number;
}

export interface TaskCompletedEvent extends Recorded<'TaskCompleted'>, Fenced {
  eventId: number;
  result?: unknown;
}

export interface TaskFailedEvent extends Recorded<'TaskFailed'>, Fenced {
  eventId: number;
  failureDetails: FailureDetails;
}

export interface TimerCreatedEvent extends Recorded<'TimerCreated'> {
  eventId: number;
  fireAt: Date;
  origin: TimerOrigin;
}

export interface TimerFiredEvent extends Recorded<'TimerFired'>, Fenced {
  eventId: number;
  fireAt: Date;
}

/** Records that the workflow no longer needs a timer (its reminder-job is deleted). */
export interface TimerCancelledEvent extends Recorded<'TimerCancelled'> {
  eventId: number;
}

export interface EventRaisedEvent extends Recorded<'EventRaised'> {
  name: string;
  data?: unknown;
}

export interface EventSentEvent extends Recorded<'EventSent'> {
  eventId: number;
  instanceId: string;
  name: string;
  data?: unknown;
}

export interface ChildWorkflowCreatedEvent extends Recorded<'ChildWorkflowCreated'> {
  eventId: number;
  name: string;
  instanceId: string;
  input?: unknown;
  attempt?: number;
}

export interface ChildWorkflowCompletedEvent extends Recorded<'ChildWorkflowCompleted'>, Fenced {
  eventId: number;
  result?: unknown;
}

export interface ChildWorkflowFailedEvent extends Recorded<'ChildWorkflowFailed'>, Fenced {
  eventId: number;
  failureDetails: FailureDetails;
}

export interface ExecutionSuspendedEvent extends Recorded<'ExecutionSuspended'> {
  reason?: string;
}

export interface ExecutionResumedEvent extends Recorded<'ExecutionResumed'> {
  reason?: string;
}

export interface ExecutionTerminatedEvent extends Recorded<'ExecutionTerminated'> {
  output?: unknown;
  reason?: string;
}

/** The custom status after a step that changed it (the fold needs it; replay recomputes it). */
export interface CustomStatusSetEvent extends Recorded<'CustomStatusSet'> {
  customStatus?: unknown;
}

/** Ends this generation; the next one starts with `input` and the carried events. */
export interface ContinueAsNewEvent extends Recorded<'ContinueAsNew'> {
  input?: unknown;
  carriedEvents: CarriedEvent[];
}

export interface ExecutionCompletedEvent extends Recorded<'ExecutionCompleted'> {
  status: CompletionStatus;
  output?: unknown;
  failureDetails?: FailureDetails;
}

/** Events that complete or fail something the workflow is waiting for. */
export type InboundEvent =
  | TaskCompletedEvent
  | TaskFailedEvent
  | TimerFiredEvent
  | EventRaisedEvent
  | ChildWorkflowCompletedEvent
  | ChildWorkflowFailedEvent;

const INBOUND_TYPES: ReadonlySet<HistoryEventType> = new Set<InboundEvent['type']>([
  'TaskCompleted',
  'TaskFailed',
  'TimerFired',
  'EventRaised',
  'ChildWorkflowCompleted',
  'ChildWorkflowFailed',
]);

/** Inbound events are held while an instance is suspended; everything else applies at once. */
export function isInboundEvent(event: HistoryEvent): event is InboundEvent {
  return INBOUND_TYPES.has(event.type);
}
