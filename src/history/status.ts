/**
 * Lifecycle of a workflow instance. String values (not a numeric enum) so stored state and
 * API responses stay readable and survive reordering of the list.
 */
export const WorkflowRuntimeStatus = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  TERMINATED: 'TERMINATED',
  SUSPENDED: 'SUSPENDED',
  CONTINUED_AS_NEW: 'CONTINUED_AS_NEW',
} as const;

export type WorkflowRuntimeStatus = (typeof WorkflowRuntimeStatus)[keyof typeof WorkflowRuntimeStatus];

/** The statuses an `ExecutionCompleted` event can record (continue-as-new has its own event). */
export type CompletionStatus = 'COMPLETED' | 'FAILED' | 'TERMINATED';

/** Once an instance reaches one of these, nothing but a new generation changes it. */
export function isTerminalStatus(status: WorkflowRuntimeStatus): boolean {
  return (
    status === 'COMPLETED' || status === 'FAILED' || status === 'TERMINATED' || status === 'CONTINUED_AS_NEW'
  );
}
