import type { WorkflowState } from '../engine/runtime/workflow-state-view.js';

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
    if (failure.stackTrace !== undefined)
      properties['dapr.workflow.failure.stack_trace'] = failure.stackTrace;
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
}

export function toListItem(state: WorkflowState): WorkflowListItem {
  return {
    instanceID: state.instanceId,
    workflowName: state.name,
    runtimeStatus: state.runtimeStatus,
    createdAt: state.createdAt.toISOString(),
    lastUpdatedAt: state.lastUpdatedAt.toISOString(),
    ...(state.serializedCustomStatus !== undefined && { customStatus: state.serializedCustomStatus }),
  };
}
