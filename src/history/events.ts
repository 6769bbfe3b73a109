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
  | PatchRecordedEvent
  | ContinueAsNewEvent
  | ExecutionCompletedEvent;

/** The `type` tag of a history event, e.g. `'TaskScheduled'`. */
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
  /** The parent's workflow name. */
  name: string;
  instanceId: string;
  /** The parent's generation that scheduled the child. */
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

/** What every history event has: its `type` tag and the time it was recorded. */
export interface Recorded<T extends string> {
  /** Which event this is. */
  type: T;
  /** When it was recorded (for `OrchestratorStarted`, the step's deterministic "now"). */
  timestamp: Date;
}

/**
 * Completions delivered from outside (activity results, timer fires, child results) name the
 * generation they belong to, so that a result for a generation replaced by continue-as-new is
 * recognised and ignored. Absent means "current generation".
 */
export interface Fenced {
  /** The generation the completion belongs to; absent means the current one. */
  generation?: number;
}

/** The first event of every generation: which workflow runs, for which instance, with what input. */
export interface ExecutionStartedEvent extends Recorded<'ExecutionStarted'> {
  /** The workflow's registered name. */
  name: string;
  instanceId: string;
  /** 0 for the first run; continue-as-new increments it. */
  generation: number;
  input?: unknown;
  /** Set when the instance was started as a child workflow. */
  parent?: ParentInfo;
  /** Set for a delayed start: when the first step is due. */
  scheduledStartAt?: Date;
}

/** Opens a step; its timestamp is the step's deterministic "now". */
export type OrchestratorStartedEvent = Recorded<'OrchestratorStarted'>;

/** The workflow scheduled an activity (`ctx.callActivity`), or an attempt of one under a retry policy. */
export interface TaskScheduledEvent extends Recorded<'TaskScheduled'> {
  /** The action's sequence id; the activity's completion carries it. */
  eventId: number;
  /** The activity's name. */
  name: string;
  input?: unknown;
  /** 1-based attempt number under a retry policy; absent for the first attempt. */
  attempt?: number;
}

/** An activity returned `result`. */
export interface TaskCompletedEvent extends Recorded<'TaskCompleted'>, Fenced {
  /** The sequence id of the `TaskScheduled` it answers. */
  eventId: number;
  result?: unknown;
}

/** An activity attempt threw. */
export interface TaskFailedEvent extends Recorded<'TaskFailed'>, Fenced {
  /** The sequence id of the `TaskScheduled` it answers. */
  eventId: number;
  failureDetails: FailureDetails;
}

/** The workflow created a durable timer (`ctx.createTimer`, an event wait's timeout, or a retry delay). */
export interface TimerCreatedEvent extends Recorded<'TimerCreated'> {
  /** The timer's sequence id; its `TimerFired` carries it. */
  eventId: number;
  /** When the timer is due. */
  fireAt: Date;
  origin: TimerOrigin;
}

/** A durable timer came due. */
export interface TimerFiredEvent extends Recorded<'TimerFired'>, Fenced {
  /** The sequence id of the `TimerCreated` it answers. */
  eventId: number;
  fireAt: Date;
}

/** Records that the workflow no longer needs a timer (its reminder-job is deleted). */
export interface TimerCancelledEvent extends Recorded<'TimerCancelled'> {
  /** The sequence id of the cancelled timer's `TimerCreated`. */
  eventId: number;
}

/** An external event arrived (`raiseEvent`, or `sendEvent` from another workflow). */
export interface EventRaisedEvent extends Recorded<'EventRaised'> {
  name: string;
  data?: unknown;
}

/** The workflow sent event `name` to another instance (`ctx.sendEvent`). */
export interface EventSentEvent extends Recorded<'EventSent'> {
  /** The action's sequence id. */
  eventId: number;
  /** The receiving instance. */
  instanceId: string;
  name: string;
  data?: unknown;
}

/** The workflow started a child workflow (`ctx.callChildWorkflow`), or an attempt of one under a retry policy. */
export interface ChildWorkflowCreatedEvent extends Recorded<'ChildWorkflowCreated'> {
  /** The action's sequence id; the child's completion carries it. */
  eventId: number;
  /** The child's workflow name. */
  name: string;
  /** The child's instance id. */
  instanceId: string;
  input?: unknown;
  /** 1-based attempt number under a retry policy; absent for the first attempt. */
  attempt?: number;
}

/** A child workflow completed with `result`. */
export interface ChildWorkflowCompletedEvent extends Recorded<'ChildWorkflowCompleted'>, Fenced {
  /** The sequence id of the `ChildWorkflowCreated` it answers. */
  eventId: number;
  result?: unknown;
}

/** A child workflow failed, was terminated, or could not start (its instance id was taken). */
export interface ChildWorkflowFailedEvent extends Recorded<'ChildWorkflowFailed'>, Fenced {
  /** The sequence id of the `ChildWorkflowCreated` it answers. */
  eventId: number;
  failureDetails: FailureDetails;
}

/** A client suspended the instance (`suspendWorkflow`). */
export interface ExecutionSuspendedEvent extends Recorded<'ExecutionSuspended'> {
  reason?: string;
}

/** A client resumed the instance (`resumeWorkflow`). */
export interface ExecutionResumedEvent extends Recorded<'ExecutionResumed'> {
  reason?: string;
}

/** A client terminated the instance (`terminateWorkflow`); `output` becomes its output. */
export interface ExecutionTerminatedEvent extends Recorded<'ExecutionTerminated'> {
  output?: unknown;
  reason?: string;
}

/** The custom status after a step that changed it (the fold needs it; replay recomputes it). */
export interface CustomStatusSetEvent extends Recorded<'CustomStatusSet'> {
  customStatus?: unknown;
}

/**
 * A version marker: the code took the patched branch of `ctx.patched(patchId)` (or declared the
 * patch with `ctx.deprecatePatch(patchId)`) in this step, the first time it asked in this
 * generation. On replay `ctx.patched(patchId)` answers true from this step on, and false in a
 * history written before the patch (no marker). Markers take no sequence id, so code that adds
 * or drops a patch check does not shift the ids of the actions around it.
 */
export interface PatchRecordedEvent extends Recorded<'PatchRecorded'> {
  /** The id the code passed to `ctx.patched` / `ctx.deprecatePatch`. */
  patchId: string;
  /**
   * Recorded by `ctx.deprecatePatch`: code that no longer mentions the patch at all still replays
   * this history. A marker without it must be matched by a `patched` or `deprecatePatch` call.
   */
  deprecated?: boolean;
}

/** Ends this generation; the next one starts with `input` and the carried events. */
export interface ContinueAsNewEvent extends Recorded<'ContinueAsNew'> {
  input?: unknown;
  carriedEvents: CarriedEvent[];
}

/** The instance finished: completed with `output`, failed with `failureDetails`, or terminated. */
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
