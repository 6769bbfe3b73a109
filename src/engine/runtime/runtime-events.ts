import type { WorkflowRuntimeStatus } from '../../history/status.js';

/** The payload of a runtime's `step` event: one committed step of one instance. */
export interface StepEvent {
  instanceId: string;
  /** The instance's status after the step. */
  status: WorkflowRuntimeStatus;
  /** Events appended to history by the step. */
  events: number;
  /** Actions the step produced (activities, timers, child workflows, events sent, completion). */
  actions: number;
}

/** Typed events of a workflow runtime replica (for metrics, progress output and tests). */
export interface RuntimeEvents {
  /** After each committed step of an instance. */
  step: [event: StepEvent];
  /** After a step that left the instance in a terminal status (COMPLETED, FAILED, TERMINATED, ...). */
  completed: [instanceId: string, status: WorkflowRuntimeStatus];
  /** An activity attempt starts on this replica; `attempt` is 1-based. */
  activityStarted: [instanceId: string, name: string, attempt: number];
  /** An activity attempt on this replica returned (`ok` true) or threw (`ok` false). */
  activityFinished: [instanceId: string, name: string, ok: boolean];
  /** Something failed that the runtime retries on its own (etcd unavailable, a step that could not commit, ...). */
  warning: [error: Error];
}
