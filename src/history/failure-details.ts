/** Why a task or workflow failed, in a form that survives JSON and crosses process boundaries. */
export interface FailureDetails {
  /** The error's class name, e.g. `TypeError` or `PaymentDeclinedError`. */
  errorType: string;
  message: string;
  /** The error's stack trace, when it had one. */
  stack?: string;
  /** Retry policies stop at once on a non-retryable failure. */
  nonRetryable?: boolean;
}

/**
 * Converts anything thrown into failure details. An error can mark itself non-retryable with a
 * truthy `nonRetryable` property, so activities can opt out of retries without a special class.
 */
export function toFailureDetails(thrown: unknown): FailureDetails {
  if (thrown instanceof Error) {
    const details: FailureDetails = { errorType: thrown.name || 'Error', message: thrown.message };
    if (thrown.stack !== undefined) details.stack = thrown.stack;
    if ((thrown as { nonRetryable?: unknown }).nonRetryable === true) details.nonRetryable = true;
    return details;
  }
  return {
    errorType: typeof thrown === 'object' && thrown !== null ? 'Object' : 'Error',
    message: describe(thrown),
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
