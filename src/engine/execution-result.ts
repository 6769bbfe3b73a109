import type { HistoryEvent } from '../history/events.js';
import type { FailureDetails } from '../history/failure-details.js';
import type { WorkflowRuntimeStatus } from '../history/status.js';
import type { WorkflowState } from '../history/workflow-state.js';
import type { WorkflowAction } from './actions.js';

/** Why an incoming event changed nothing. */
export type WarningCode =
  /** A second ExecutionStarted for the same generation. */
  | 'duplicate-start'
  /** A completion for a sequence id the workflow never used. */
  | 'unknown-task'
  /** A completion for a task that is no longer open: already completed, or a different kind. */
  | 'duplicate-completion'
  /** A completion addressed to an older generation (before a continue-as-new). */
  | 'stale-generation'
  /** A TimerFired for a timer the workflow had cancelled. */
  | 'fired-after-cancel'
  /** A TimerFired whose only waiters were whenAny tasks another child had already won (accepted, resumes nothing). */
  | 'decided-timer'
  /** Anything arriving after the instance completed. */
  | 'after-completion'
  | 'already-suspended'
  | 'not-suspended'
  /** An action record (TaskScheduled, TimerCreated, ...) seen twice. */
  | 'duplicate-record';

/** An event that was ignored (or accepted without effect), reported once when it arrives. */
export interface ExecutionWarning {
  /** Why the event changed nothing. */
  code: WarningCode;
  /** The same, in words, naming the event. */
  message: string;
  /** The event that changed nothing (ignored, or accepted without effect). */
  event: HistoryEvent;
}

/** What one step of the executor produced. */
export interface ExecutionResult {
  /** Side effects for the runtime, in order; `CompleteWorkflow`/`ContinueAsNew` is always last. */
  actions: WorkflowAction[];
  /**
   * The events to append to history, atomically with carrying out `actions`: the accepted input
   * events (ignored ones are left out), a CustomStatusSet if the status changed, then one
   * record per action. Replaying old + newHistory reproduces this executor exactly.
   */
  newHistory: HistoryEvent[];
  /** The instance's status after the step. */
  status: WorkflowRuntimeStatus;
  /** The custom status after the step (undefined when none was set). */
  customStatus: unknown;
  /** External events (and, while suspended, held deliveries) the workflow has not consumed yet. */
  pendingEvents: number;
  /** The JSON bytes of those events' data (for maxPendingEventBytes). */
  pendingEventBytes: number;
  /** The fold of the whole history including `newHistory`. */
  state: WorkflowState;
  /** Input events that changed nothing (duplicates, late deliveries), reported once here. */
  warnings: ExecutionWarning[];
  /**
   * Set when the step stalled: the code threw an error that is not a workflow failure (a bug, a
   * divergence from history, an unregistered workflow; see `WorkflowFailurePolicy`). Nothing of
   * the step may be committed (`actions` and `newHistory` are empty) and the executor is spent:
   * retry later with a new executor, from stored history and the same new events. The details are
   * bounded like a failure's.
   */
  stalled?: FailureDetails;
}
