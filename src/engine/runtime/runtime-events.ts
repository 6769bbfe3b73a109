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
  step: [event: StepEvent];
  completed: [instanceId: string, status: WorkflowRuntimeStatus];
  activityStarted: [instanceId: string, name: string, attempt: number];
  activityFinished: [instanceId: string, name: string, ok: boolean];
  warning: [error: Error];
}
