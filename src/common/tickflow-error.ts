import { invalidInputMessage, type InvalidInput } from './invalid-input.js';

/** Options of `TickflowError`. */
export interface TickflowErrorOptions {
  /** The error this one wraps. */
  cause?: unknown;
  /**
   * For bad input: the field, the value received and what is allowed. They become the error's
   * `field`, `value` and `allowed`, and the message defaults to `invalid <field>: <value>;
   * allowed: <allowed>`. Written here once for every InvalidInput error of every module.
   */
  invalid?: InvalidInput;
}

/** Marks tickflow's errors, whichever copy of the package made them. */
const TICKFLOW_ERROR = Symbol.for('tickflow.TickflowError');

/**
 * The root of every error tickflow throws: catch `TickflowError` to catch them all, and switch on
 * `code` rather than on messages. Each module keeps its own base below it (StoreError,
 * TimerServiceError, WorkflowError, ...) to catch one module's errors.
 */
export class TickflowError extends Error {
  override name = 'TickflowError';

  constructor(message?: string, options: TickflowErrorOptions = {}) {
    const { invalid, cause } = options;
    super(
      message ?? (invalid ? invalidInputMessage(invalid.field, invalid.value, invalid.allowed) : undefined),
      cause === undefined ? undefined : { cause },
    );
    if (invalid) {
      // Own, enumerable fields, as if each subclass had declared them (they `declare` the types).
      Object.assign(this, { field: invalid.field, value: invalid.value, allowed: invalid.allowed });
    }
  }

  /**
   * `error instanceof TaskFailedError` must hold when the error comes from another copy of
   * tickflow: a workflow module that imports tickflow's sources, run by the `tickflow` command
   * from the built package, sees the engine's class, not its own. So besides the prototype chain,
   * an error of another copy counts when it carries the brand and its class has the same name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(TICKFLOW_ERROR in value)) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      if ((proto as { constructor?: { name?: string } }).constructor?.name === this.name) return true;
    }
    return false;
  }

  /**
   * A stable code for programs: the class name in CONSTANT_CASE without "Error", e.g.
   * `JOB_NOT_FOUND` for JobNotFoundError, `STORE_UNAVAILABLE` for StoreUnavailableError.
   */
  get code(): string {
    return errorCode(this.name);
  }
}

/** `JobNotFoundError` -> `JOB_NOT_FOUND`; `EtcdNotFoundError` -> `ETCD_NOT_FOUND`. */
export function errorCode(className: string): string {
  const base =
    className.endsWith('Error') && className !== 'Error' ? className.slice(0, -'Error'.length) : className;
  return base
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}
Object.defineProperty(TickflowError.prototype, TICKFLOW_ERROR, { value: true });
