import type { FailureDetails } from '../history/failure-details.js';
import type { WorkflowRuntimeStatus } from '../history/status.js';
import type { StoreCommitEvent } from '../etcd/group-commit.js';

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

/** The payload of a runtime's `stalled` event: an attempt at a step stalled and nothing was committed. */
export interface StallEvent {
  instanceId: string;
  /** The workflow's registered name. */
  workflowName: string;
  /** The error the code threw (bounded like a failure's). */
  failure: FailureDetails;
  /** Attempts at this step that stalled in a row, this one included. */
  attempts: number;
  /** When the step is tried again. */
  nextRetryAt: Date;
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
  /**
   * Activities that a replica now gone was running in-process are run at once on this one, rather
   * than when their fallback reminders come due (`activityFallbackSeconds`); how many.
   */
  activitiesRecovered: [count: number];
  /**
   * An instance's activity fallback came due with activities not done that no replica is known to
   * have lost: they ran again here (`activityFallbackSeconds` after their step); how many. A steady
   * count means results are not getting recorded in time (a stuck replica, etcd trouble).
   */
  activitiesRerun: [count: number];
  /**
   * An attempt at a step stalled: the code threw an error that is not a workflow failure. The
   * instance stays RUNNING and the step is retried with backoff (see docs/workflows.md).
   */
  stalled: [event: StallEvent];
  /** A step of an instance that had stalled committed after `attempts` stalled attempts. */
  stallCleared: [instanceId: string, attempts: number];
  /**
   * After each etcd transaction of workflow steps (several steps share one): its time from send to
   * answer, what it carried and how it ended. The timer service reports its own.
   */
  storeCommit: [event: StoreCommitEvent];
  /** Something failed that the runtime retries on its own (etcd unavailable, a step that could not commit, ...). */
  warning: [error: Error];
}
