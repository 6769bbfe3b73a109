import type { WorkflowRuntimeStatus } from '../../history/status.js';

export interface StepEvent {
  instanceId: string;
  status: WorkflowRuntimeStatus;
  /** Events appended to history by the step. */
  events: number;
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
