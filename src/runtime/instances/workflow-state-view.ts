import type { WorkflowRuntimeStatus } from '../../history/status.js';
import type { InstanceRecord } from './instance-record.js';

/** Why an instance failed, as clients see it (Dapr JS SDK shape). */
export interface WorkflowFailureDetails {
  /** The error's class name, e.g. `TaskFailedError`. */
  errorType: string;
  message: string;
  stackTrace?: string;
}

/**
 * A RUNNING instance whose step stalls: its code threw an error that is not a workflow failure
 * (a bug, a NonDeterminismError, an unregistered workflow), nothing of the attempts was stored,
 * and the step is retried with backoff until code that gets past it is deployed.
 */
export interface WorkflowStallDetails {
  /** The latest attempt's error class name, e.g. `TypeError` or `NonDeterminismError`. */
  errorType: string;
  /** Its message (cut at 8 KiB). */
  message: string;
  /** Its stack trace (cut at 16 KiB), when it had one. */
  stackTrace?: string;
  /** Attempts that stalled in a row. */
  attempts: number;
  /** When the first of them stalled. */
  firstStalledAt: Date;
  /** When the latest of them stalled. */
  lastStalledAt: Date;
  /** When the step is tried again (sooner if an event arrives for the instance). */
  nextRetryAt: Date;
}

/** An instance as clients see it (Dapr JS SDK shape); payloads are JSON strings. */
export interface WorkflowState {
  instanceId: string;
  /** The workflow's registered name. */
  name: string;
  runtimeStatus: WorkflowRuntimeStatus;
  createdAt: Date;
  /** When the instance's stored state last changed. */
  lastUpdatedAt: Date;
  /** The input as JSON; absent when not fetched (`getInputsAndOutputs` / `fetchPayloads` false) or none. */
  serializedInput?: string;
  /** The output as JSON, once there is one; absent when not fetched. */
  serializedOutput?: string;
  /** The custom status as JSON (always included when set). */
  serializedCustomStatus?: string;
  /** The custom status as a JSON value (the same as `serializedCustomStatus`, parsed). */
  customStatus?: unknown;
  /** Set when the instance FAILED. */
  workflowFailureDetails?: WorkflowFailureDetails;
  /** Set while the instance's step stalls (its status stays RUNNING). */
  stalled?: WorkflowStallDetails;
  /** When a delayed start is due. */
  scheduledStartAt?: Date;
  /** The instance that started this one as a child workflow. */
  parentInstanceId?: string;
}

/** The client view of a stored instance record; payloads only when `withPayloads`. */
export function toWorkflowState(record: InstanceRecord, withPayloads: boolean): WorkflowState {
  const state: WorkflowState = {
    instanceId: record.instanceId,
    name: record.name,
    runtimeStatus: record.status,
    createdAt: new Date(record.createdAt),
    lastUpdatedAt: new Date(record.lastUpdatedAt),
  };
  if (withPayloads) {
    if (record.input !== undefined) state.serializedInput = JSON.stringify(record.input);
    if (record.output !== undefined) state.serializedOutput = JSON.stringify(record.output);
  }
  if (record.customStatus !== undefined) {
    state.serializedCustomStatus = JSON.stringify(record.customStatus);
    state.customStatus = record.customStatus;
  }
  if (record.failureDetails) {
    state.workflowFailureDetails = {
      errorType: record.failureDetails.errorType,
      message: record.failureDetails.message,
      ...(record.failureDetails.stack !== undefined && { stackTrace: record.failureDetails.stack }),
    };
  }
  if (record.stalled) {
    const { failure, attempts, firstStalledAt, lastStalledAt, nextRetryAt } = record.stalled;
    state.stalled = {
      errorType: failure.errorType,
      message: failure.message,
      ...(failure.stack !== undefined && { stackTrace: failure.stack }),
      attempts,
      firstStalledAt: new Date(firstStalledAt),
      lastStalledAt: new Date(lastStalledAt),
      nextRetryAt: new Date(nextRetryAt),
    };
  }
  if (record.scheduledStartAt !== undefined) state.scheduledStartAt = new Date(record.scheduledStartAt);
  if (record.parent) state.parentInstanceId = record.parent.instanceId;
  return state;
}
