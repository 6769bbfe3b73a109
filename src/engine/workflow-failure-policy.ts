import { TaskCanceledError, TaskFailedError, WorkflowFailure } from './errors.js';

/** A class of errors, as `failureTypes` takes it. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Which errors escaping one workflow's code fail its instance (an option of its registration).
 *
 * By default only errors the code lets escape on purpose do: an uncaught `TaskFailedError` (an
 * activity or child workflow failed) or `TaskCanceledError` (a wait timed out), and a
 * `WorkflowFailure` (or subclass). Any other error (a bug, a TypeError, a `NonDeterminismError`, an
 * unregistered workflow) stalls the step instead: the instance stays RUNNING and the step is
 * retried with backoff until code that gets past it is deployed.
 */
export interface WorkflowFailurePolicy {
  /** Every error escaping the code fails the instance at once, as a workflow failure (no stalls). */
  failFast?: boolean;
  /**
   * More errors that fail the instance: error classes (matched with `instanceof`), or class names
   * (matched against the error's `name` and the class names of its prototype chain).
   */
  failureTypes?: ReadonlyArray<string | ErrorClass>;
}

/**
 * Whether `error`, escaping the workflow's code, fails the instance (true) or stalls the step
 * (false) under `policy`. Pure: the same error and policy always classify the same way.
 */
export function isWorkflowFailure(error: unknown, policy: WorkflowFailurePolicy = {}): boolean {
  if (policy.failFast === true) return true;
  if (error instanceof TaskFailedError || error instanceof TaskCanceledError) return true;
  if (error instanceof WorkflowFailure) return true;
  return (policy.failureTypes ?? []).some((type) =>
    typeof type === 'string' ? hasClassName(error, type) : error instanceof type,
  );
}

/**
 * Checks a registration's policy; `invalid(field, value, allowed)` makes the error thrown for a
 * bad field. Returns a copy, so later changes to the caller's object change nothing.
 */
export function checkFailurePolicy(
  policy: unknown,
  invalid: (field: string, value: unknown, allowed: string) => Error,
): WorkflowFailurePolicy {
  if (policy === undefined) return {};
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw invalid('options', policy, 'an object { failFast?, failureTypes? }');
  }
  const { failFast, failureTypes } = policy as Record<string, unknown>;
  if (failFast !== undefined && typeof failFast !== 'boolean') {
    throw invalid('failFast', failFast, 'true or false');
  }
  let types: Array<string | ErrorClass> | undefined;
  if (failureTypes !== undefined) {
    const allowed = 'an array of error classes or non-empty error class names';
    if (!Array.isArray(failureTypes)) throw invalid('failureTypes', failureTypes, allowed);
    types = failureTypes.map((type: unknown, i) => {
      if ((typeof type === 'string' && type.length > 0) || typeof type === 'function') {
        return type as string | ErrorClass;
      }
      throw invalid(`failureTypes[${i}]`, type, allowed);
    });
  }
  return {
    ...(failFast !== undefined && { failFast }),
    ...(types !== undefined && { failureTypes: types }),
  };
}

/** Whether the error's name, or the name of a class in its prototype chain, is `name`. */
function hasClassName(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { name?: unknown }).name === name) return true;
  for (let proto: unknown = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}
