export type {
  CarriedEvent,
  ChildWorkflowCompletedEvent,
  ChildWorkflowCreatedEvent,
  ChildWorkflowFailedEvent,
  ContinueAsNewEvent,
  CustomStatusSetEvent,
  EventHandlerMap,
  EventOf,
  EventRaisedEvent,
  EventSentEvent,
  ExecutionCompletedEvent,
  ExecutionResumedEvent,
  ExecutionStartedEvent,
  ExecutionSuspendedEvent,
  ExecutionTerminatedEvent,
  HistoryEvent,
  HistoryEventType,
  InboundEvent,
  OrchestratorStartedEvent,
  ParentInfo,
  TaskCompletedEvent,
  TaskFailedEvent,
  TaskScheduledEvent,
  TimerCancelledEvent,
  TimerCreatedEvent,
  TimerFiredEvent,
  TimerOrigin,
} from './events.js';
export { isInboundEvent } from './events.js';
export type { FailureDetails } from './failure-details.js';
export { toFailureDetails } from './failure-details.js';
export { applyEvents, foldHistory } from './fold.js';
export {
  deserializeEvent,
  deserializeHistory,
  HistorySerializationError,
  normalizePayload,
  serializeEvent,
  serializeHistory,
} from './serialize.js';
export type { CompletionStatus } from './status.js';
export { isTerminalStatus, WorkflowRuntimeStatus } from './status.js';
export type { PendingEvent, PendingTask, PendingTimer, WorkflowState } from './workflow-state.js';
export { initialWorkflowState } from './workflow-state.js';
