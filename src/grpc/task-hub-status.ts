import type { WorkflowRuntimeStatus } from '../history/status.js';
import { WorkflowValidationError } from '../runtime/workflow-errors.js';
import type { OrchestrationStatusField, OrchestrationStatusName } from './task-hub-messages.js';

/** tickflow's statuses as the proto's `OrchestrationStatus`: the same lifecycle, other names. */
const TO_PROTO: Record<WorkflowRuntimeStatus, OrchestrationStatusName> = {
  PENDING: 'ORCHESTRATION_STATUS_PENDING',
  RUNNING: 'ORCHESTRATION_STATUS_RUNNING',
  COMPLETED: 'ORCHESTRATION_STATUS_COMPLETED',
  FAILED: 'ORCHESTRATION_STATUS_FAILED',
  TERMINATED: 'ORCHESTRATION_STATUS_TERMINATED',
  SUSPENDED: 'ORCHESTRATION_STATUS_SUSPENDED',
  CONTINUED_AS_NEW: 'ORCHESTRATION_STATUS_CONTINUED_AS_NEW',
};

/**
 * The proto's statuses as tickflow's. CANCELED (a Durable Task Framework status Dapr never sets)
 * has none: no tickflow instance has it, so a filter on it matches nothing.
 */
const FROM_PROTO: ReadonlyMap<OrchestrationStatusField, WorkflowRuntimeStatus> = new Map(
  Object.entries(TO_PROTO).map(([ours, theirs]) => [theirs, ours as WorkflowRuntimeStatus]),
);

/** The proto's name for a tickflow status. */
export function toOrchestrationStatus(status: WorkflowRuntimeStatus): OrchestrationStatusName {
  return TO_PROTO[status];
}

/**
 * The tickflow statuses a status filter names (CANCELED names none). Throws
 * `WorkflowValidationError` for a number that is no `OrchestrationStatus`, naming `field`.
 */
export function fromStatusFilter(
  field: string,
  statuses: readonly OrchestrationStatusField[],
): WorkflowRuntimeStatus[] {
  return statuses.flatMap((status) => {
    const ours = FROM_PROTO.get(status);
    if (ours) return [ours];
    if (status === 'ORCHESTRATION_STATUS_CANCELED') return [];
    // Only a number proto-loader could not name gets here: a value newer than this proto.
    throw new WorkflowValidationError(field, status, 'OrchestrationStatus values 0 to 7');
  });
}
