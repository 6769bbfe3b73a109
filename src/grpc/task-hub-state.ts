import type { WorkflowState } from '../runtime/instances/workflow-state-view.js';
import type { OrchestrationState } from './task-hub-messages.js';
import { toOrchestrationStatus } from './task-hub-status.js';
import { toStringValue, toTimestamp } from './task-hub-wire.js';

/**
 * An instance as the proto's `OrchestrationState`. Payloads (input, output and, in this
 * protocol, custom status) only `withPayloads`, and only when the state was read with them. As over HTTP: a failed instance reports its failure and no output, and the
 * failure comes without its stack trace, which names files and paths on the server (the server's
 * log keeps it). A stalled instance is RUNNING, as Dapr has no other word for it.
 */
export function toOrchestrationState(state: WorkflowState, withPayloads: boolean): OrchestrationState {
  const failure = state.workflowFailureDetails;
  const output = failure || !withPayloads ? undefined : toStringValue(state.serializedOutput);
  const input = withPayloads ? toStringValue(state.serializedInput) : undefined;
  const customStatus = withPayloads ? toStringValue(state.serializedCustomStatus) : undefined;
  return {
    instanceId: state.instanceId,
    name: state.name,
    orchestrationStatus: toOrchestrationStatus(state.runtimeStatus),
    createdTimestamp: toTimestamp(state.createdAt),
    lastUpdatedTimestamp: toTimestamp(state.lastUpdatedAt),
    ...(state.scheduledStartAt && { scheduledStartTimestamp: toTimestamp(state.scheduledStartAt) }),
    ...(input && { input }),
    ...(output && { output }),
    ...(customStatus && { customStatus }),
    ...(failure && { failureDetails: { errorType: failure.errorType, errorMessage: failure.message } }),
  };
}
