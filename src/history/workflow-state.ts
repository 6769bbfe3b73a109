import type { FailureDetails } from './failure-details.js';
import type { ParentInfo, TimerOrigin } from './events.js';
import { WorkflowRuntimeStatus } from './status.js';

/** An activity or child workflow that was scheduled and has not reported back. */
export type PendingTask =
  | { kind: 'activity'; name: string; scheduledAt: Date; attempt?: number }
  | { kind: 'childWorkflow'; name: string; instanceId: string; scheduledAt: Date; attempt?: number };

/** A durable timer that was created and has neither fired nor been cancelled. */
export interface PendingTimer {
  fireAt: Date;
  origin: TimerOrigin;
  createdAt: Date;
}

/** An external event that arrived while the instance was suspended; applied on resume. */
export interface PendingEvent {
  name: string;
  data?: unknown;
  receivedAt: Date;
}

/**
 * What history says about one instance, derived by folding its events. Maps are plain records
 * keyed by sequence id so the state is JSON-friendly and cheap for immer to copy on write.
 */
export interface WorkflowState {
  instanceId: string;
  /** The workflow's registered name. */
  name: string;
  /** 0 for the first run; continue-as-new increments it. */
  generation: number;
  status: WorkflowRuntimeStatus;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  /** Set when the instance failed. */
  failureDetails?: FailureDetails;
  /** Set when the instance is a child workflow. */
  parent?: ParentInfo;
  /** Set for a delayed start. */
  scheduledStartAt?: Date;
  createdAt?: Date;
  /** Time of the last event that changed anything. */
  updatedAt?: Date;
  /** When the instance completed, failed, was terminated or continued as new. */
  completedAt?: Date;
  /** Activities and child workflows not yet reported back, by sequence id. */
  pendingTasks: Record<number, PendingTask>;
  /** Timers neither fired nor cancelled, by sequence id. */
  pendingTimers: Record<number, PendingTimer>;
  /** Events that arrived while the instance was suspended. */
  pendingEvents: PendingEvent[];
}

/** The state of an instance with no history yet. */
export function initialWorkflowState(): WorkflowState {
  return {
    instanceId: '',
    name: '',
    generation: 0,
    status: WorkflowRuntimeStatus.PENDING,
    pendingTasks: {},
    pendingTimers: {},
    pendingEvents: [],
  };
}
