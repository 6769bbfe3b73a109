import type { InvalidInput } from '../common/invalid-input.js';
import { WorkflowError } from '../engine/errors.js';

/** There is no instance with this id (never started, or purged). The HTTP API answers 404. */
export class WorkflowNotFoundError extends WorkflowError {
  override name = 'WorkflowNotFoundError';
  readonly instanceId: string;
  constructor(instanceId: string) {
    super(`workflow instance ${JSON.stringify(instanceId)} not found`);
    this.instanceId = instanceId;
  }
}

/**
 * `scheduleNewWorkflow` with the id of an instance that has not finished (or is being started
 * concurrently); a child workflow whose fixed id is taken fails with it too.
 */
export class WorkflowAlreadyExistsError extends WorkflowError {
  override name = 'WorkflowAlreadyExistsError';
  readonly instanceId: string;
  constructor(instanceId: string, status: string) {
    super(
      `workflow instance ${JSON.stringify(instanceId)} already exists and is ${status}; ` +
        'use a new instance id, or terminate and purge the old one first',
    );
    this.instanceId = instanceId;
  }
}

/**
 * The instance is in the wrong state for the request: e.g. purging an unfinished instance
 * without `force`, or an instance that kept changing while being terminated.
 */
export class WorkflowStateError extends WorkflowError {
  override name = 'WorkflowStateError';
  readonly instanceId: string;
  constructor(instanceId: string, message: string) {
    super(`workflow instance ${JSON.stringify(instanceId)}: ${message}`);
    this.instanceId = instanceId;
  }
}

/** `waitForWorkflowStart` or `waitForWorkflowCompletion` gave up after its timeout (seconds). */
export class WorkflowWaitTimeoutError extends WorkflowError {
  override name = 'WorkflowWaitTimeoutError';
  readonly instanceId: string;
  constructor(instanceId: string, waitedFor: string, seconds: number) {
    super(`workflow instance ${JSON.stringify(instanceId)} did not ${waitedFor} within ${seconds} s`);
    this.instanceId = instanceId;
  }
}

/** Bad client input (instance id, event name, ...). Names the field, the value and what is allowed. */
export class WorkflowValidationError extends WorkflowError implements InvalidInput {
  override name = 'WorkflowValidationError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string) {
    super(undefined, { invalid: { field, value, allowed } });
  }
}

/** A per-instance limit was reached; nothing was stored. */
export class WorkflowLimitError extends WorkflowError {
  override name = 'WorkflowLimitError';
  readonly instanceId: string;
  /** The option whose limit was reached, e.g. `maxPendingEvents`. */
  readonly limit: string;
  /** What the instance already holds (events, or bytes of their data), before the refused request. */
  readonly value: number;
  /** The limit's value. */
  readonly allowed: number;
  constructor(instanceId: string, limit: string, value: number, allowed: number, hint: string) {
    super(
      `workflow instance ${JSON.stringify(instanceId)} has ${value} ${limit
        .replace(/^max/, '')
        .replace(/([A-Z])/g, ' $1')
        .trim()
        .toLowerCase()} (${limit} ${allowed}); ${hint}`,
    );
    this.instanceId = instanceId;
    this.limit = limit;
    this.value = value;
    this.allowed = allowed;
  }
}
