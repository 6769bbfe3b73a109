import { WorkflowError } from '../../engine/errors.js';
import type { WorkflowAction } from '../../engine/actions.js';
import type { HistoryEvent } from '../../history/events.js';
import type { FailureDetails } from '../../history/failure-details.js';

/**
 * One step of an instance whose workflow runs in a remote worker (a Dapr or Durable Task SDK
 * connected over gRPC): the history so far and the step's new events. The worker replays the
 * first, runs the second and answers with actions.
 */
export interface OrchestratorWork {
  instanceId: string;
  /** 0 for the first run; continue-as-new increments it (the SDKs' execution id). */
  generation: number;
  /** The workflow's name, as history gives it. */
  name: string;
  pastEvents: readonly HistoryEvent[];
  newEvents: readonly HistoryEvent[];
}

/** A worker's answer to an `OrchestratorWork`, decoded. */
export interface OrchestratorAnswer {
  /** In the worker's order; a completion (or continue-as-new) is last if present. */
  actions: WorkflowAction[];
  /** The custom status after the step (undefined when none is set). */
  customStatus: unknown;
}

/** One activity call handed to a remote worker. */
export interface ActivityWork {
  instanceId: string;
  generation: number;
  /** The TaskScheduled's sequence id (the SDKs' task id). */
  taskId: number;
  name: string;
  input?: unknown;
}

/** A remote activity's outcome, decoded. */
export type ActivityAnswer = { ok: true; result?: unknown } | { ok: false; failure: FailureDetails };

/**
 * One connected worker, as the hub sees it: it takes work items. The transport (the gRPC
 * `GetWorkItems` stream) encodes and writes them; answers come back through the hub's
 * `complete*` methods, matched by instance id (and task id), as the SDKs send no token.
 */
export interface WorkerConnection {
  /** For logs: where the worker connected from. */
  readonly label: string;
  /** Writes a work item; throws when the connection can no longer take one. */
  sendOrchestrator(work: OrchestratorWork): void;
  sendActivity(work: ActivityWork): void;
}

/**
 * The instance's workflow is not registered in this process and no connected worker runs it:
 * the step is not taken, the instance waits (stalled, visibly, with this error) and is tried
 * again when a worker connects.
 */
export class WorkflowNotServedError extends WorkflowError {
  override name = 'WorkflowNotServedError';
  readonly workflowName: string;
  constructor(workflowName: string, why: string) {
    super(
      `workflow ${JSON.stringify(workflowName)} is not registered here and ${why}; the instance ` +
        "waits for a worker that runs it (connect one to this server's gRPC port)",
    );
    this.workflowName = workflowName;
  }
}

/**
 * A work item could not be answered: its worker disconnected with no other to take it, did not
 * answer within the deadline, or the runtime is stopping. The work is offered again later
 * (a step is retried with the stall backoff, an activity by its reminder); nothing is lost.
 */
export class WorkerUnavailableError extends WorkflowError {
  override name = 'WorkerUnavailableError';
}

/**
 * A worker answered with something tickflow cannot carry out (an action it does not support, an
 * answer that breaks the protocol). The instance fails with it: asking again gets the same answer.
 */
export class WorkerAnswerError extends WorkflowError {
  override name = 'WorkerAnswerError';
}

/**
 * A work item would not fit one gRPC message to the worker (its history is too long or too
 * large). Sending it again cannot help: the instance fails with this error, which suggests
 * continue-as-new, as the history limit does.
 */
export class WorkItemTooLargeError extends WorkflowError {
  override name = 'WorkItemTooLargeError';
  constructor(what: string, bytes: number, limit: number) {
    super(
      `${what} is about ${bytes} bytes encoded, over the ${limit} bytes a gRPC message to a worker ` +
        'may have; keep histories short with continueAsNew and payloads small',
    );
  }
}
