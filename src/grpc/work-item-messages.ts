/**
 * The messages of `orchestrator_service.proto` that remote workers exchange with tickflow
 * (`GetWorkItems`, `CompleteOrchestratorTask`, `CompleteActivityTask`), as proto-loader hands
 * them over with `PROTO_LOADER_OPTIONS` (see task-hub-messages.ts for the conventions). Only the
 * fields tickflow reads or writes are declared.
 */
import type { OrchestrationStatusField, StringValue, Timestamp } from './task-hub-messages.js';

export interface OrchestrationInstance {
  instanceId: string;
  executionId?: StringValue;
}

/** `TaskFailureDetails`, in full (work items carry stack traces). */
export interface WireFailureDetails {
  errorType?: string;
  errorMessage?: string;
  stackTrace?: StringValue;
  isNonRetriable?: boolean;
}

export interface ParentInstanceInfo {
  taskScheduledId: number;
  name?: StringValue;
  orchestrationInstance?: OrchestrationInstance;
}

/** The `eventType` oneof of `HistoryEvent`: exactly one member is set. */
export interface WireHistoryEventBody {
  executionStarted?: {
    name: string;
    input?: StringValue;
    orchestrationInstance?: OrchestrationInstance;
    parentInstance?: ParentInstanceInfo;
    scheduledStartTimestamp?: Timestamp;
  };
  executionCompleted?: {
    orchestrationStatus: OrchestrationStatusField;
    result?: StringValue;
    failureDetails?: WireFailureDetails;
  };
  executionTerminated?: { input?: StringValue; recurse?: boolean };
  taskScheduled?: { name: string; input?: StringValue };
  taskCompleted?: { taskScheduledId: number; result?: StringValue };
  taskFailed?: { taskScheduledId: number; failureDetails?: WireFailureDetails };
  subOrchestrationInstanceCreated?: { instanceId: string; name: string; input?: StringValue };
  subOrchestrationInstanceCompleted?: { taskScheduledId: number; result?: StringValue };
  subOrchestrationInstanceFailed?: { taskScheduledId: number; failureDetails?: WireFailureDetails };
  timerCreated?: { fireAt?: Timestamp };
  timerFired?: { fireAt?: Timestamp; timerId: number };
  orchestratorStarted?: Record<string, never>;
  eventSent?: { instanceId: string; name: string; input?: StringValue };
  eventRaised?: { name: string; input?: StringValue };
  continueAsNew?: { input?: StringValue };
  executionSuspended?: { input?: StringValue };
  executionResumed?: { input?: StringValue };
}

export interface WireHistoryEvent extends WireHistoryEventBody {
  eventId: number;
  timestamp?: Timestamp;
  /** Set on decode: which member of the oneof is present. */
  eventType?: keyof WireHistoryEventBody;
}

export interface WireOrchestratorAction {
  id?: number;
  /** Set on decode: which member of the oneof is present. */
  orchestratorActionType?: string;
  scheduleTask?: { name?: string; input?: StringValue };
  createSubOrchestration?: { instanceId?: string; name?: string; input?: StringValue };
  createTimer?: { fireAt?: Timestamp };
  sendEvent?: { instance?: OrchestrationInstance; name?: string; data?: StringValue };
  completeOrchestration?: {
    orchestrationStatus?: OrchestrationStatusField;
    result?: StringValue;
    details?: StringValue;
    carryoverEvents?: WireHistoryEvent[];
    failureDetails?: WireFailureDetails;
  };
  terminateOrchestration?: { instanceId?: string; reason?: StringValue; recurse?: boolean };
}

export interface OrchestratorRequest {
  instanceId: string;
  executionId?: StringValue;
  pastEvents: WireHistoryEvent[];
  newEvents: WireHistoryEvent[];
}

export interface OrchestratorResponse {
  instanceId?: string;
  actions?: WireOrchestratorAction[];
  customStatus?: StringValue;
}

export interface ActivityRequest {
  name: string;
  input?: StringValue;
  orchestrationInstance: OrchestrationInstance;
  taskId: number;
}

export interface ActivityResponse {
  instanceId?: string;
  taskId?: number;
  result?: StringValue;
  failureDetails?: WireFailureDetails;
}

export interface WorkItem {
  orchestratorRequest?: OrchestratorRequest;
  activityRequest?: ActivityRequest;
}
