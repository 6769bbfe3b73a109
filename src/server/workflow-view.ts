import type { WorkflowState } from '../runtime/instances/workflow-state-view.js';

/** `GET /v1.0/workflows/dapr/{instanceId}`, in the shape Dapr (and its SDKs) use. */
export interface DaprWorkflowResponse {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
  /** Payloads as JSON text, under Dapr's property names. */
  properties: Record<string, string>;
}

export function toDaprWorkflow(state: WorkflowState): DaprWorkflowResponse {
  const properties: Record<string, string> = {};
  if (state.serializedInput !== undefined) properties['dapr.workflow.input'] = state.serializedInput;
  // As in Dapr: a failed instance reports its failure, never an output.
  if (state.serializedOutput !== undefined && !state.workflowFailureDetails) {
    properties['dapr.workflow.output'] = state.serializedOutput;
  }
  if (state.serializedCustomStatus !== undefined) {
    properties['dapr.workflow.custom_status'] = state.serializedCustomStatus;
  }
  const failure = state.workflowFailureDetails;
  if (failure) {
    properties['dapr.workflow.failure.error_type'] = failure.errorType;
    properties['dapr.workflow.failure.error_message'] = failure.message;
    // No stack trace over the API: it names files and paths on the server (the log keeps it).
  }
  const stalled = state.stalled;
  if (stalled) {
    // The status stays RUNNING, as Dapr has no other word for it; the stall is told here.
    properties['tickflow.stalled.error_type'] = stalled.errorType;
    properties['tickflow.stalled.error_message'] = stalled.message;
    properties['tickflow.stalled.attempts'] = String(stalled.attempts);
    properties['tickflow.stalled.since'] = stalled.firstStalledAt.toISOString();
    properties['tickflow.stalled.last_attempt_at'] = stalled.lastStalledAt.toISOString();
    properties['tickflow.stalled.next_retry_at'] = stalled.nextRetryAt.toISOString();
  }
  if (state.scheduledStartAt)
    properties['tickflow.scheduled_start_at'] = state.scheduledStartAt.toISOString();
  if (state.parentInstanceId !== undefined)
    properties['tickflow.parent_instance_id'] = state.parentInstanceId;
  return {
    instanceID: state.instanceId,
    workflowName: state.name,
    createdAt: state.createdAt.toISOString(),
    lastUpdatedAt: state.lastUpdatedAt.toISOString(),
    runtimeStatus: state.runtimeStatus,
    properties,
  };
}

/** One row of `GET /v1.0/workflows/dapr` (a tickflow extension; payloads are left out). */
export interface WorkflowListItem {
  instanceID: string;
  workflowName: string;
  runtimeStatus: string;
  createdAt: string;
  lastUpdatedAt: string;
  customStatus?: string;
  /** Set while the instance's step stalls (its status stays RUNNING); no stack trace. */
  stalled?: StalledListItem;
}

/** The stall of a listed instance (see `WorkflowStallDetails`), times in ISO 8601. */
export interface StalledListItem {
  errorType: string;
  errorMessage: string;
  attempts: number;
  since: string;
  nextRetryAt: string;
}

export function toListItem(state: WorkflowState): WorkflowListItem {
  const stalled = state.stalled;
  return {
    instanceID: state.instanceId,
    workflowName: state.name,
    runtimeStatus: state.runtimeStatus,
    createdAt: state.createdAt.toISOString(),
    lastUpdatedAt: state.lastUpdatedAt.toISOString(),
    ...(state.serializedCustomStatus !== undefined && { customStatus: state.serializedCustomStatus }),
    ...(stalled && {
      stalled: {
        errorType: stalled.errorType,
        errorMessage: stalled.message,
        attempts: stalled.attempts,
        since: stalled.firstStalledAt.toISOString(),
        nextRetryAt: stalled.nextRetryAt.toISOString(),
      },
    }),
  };
}

/**
 * History events as the API shows them: failure details lose their stack traces, which name
 * files and paths on the server (the server's log keeps them). Only `failureDetails` objects are
 * touched: a user's own data may well have a field called `stack`.
 */
export function withoutStackTraces<T>(events: readonly T[]): T[] {
  return events.map((event) => {
    if (event === null || typeof event !== 'object' || !('failureDetails' in event)) return event;
    const details = (event as { failureDetails?: unknown }).failureDetails;
    if (details === null || typeof details !== 'object') return event;
    const { stack: _stack, stackTrace: _stackTrace, ...rest } = details as Record<string, unknown>;
    return { ...event, failureDetails: rest } as T;
  });
}
