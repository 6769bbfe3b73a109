import { WorkflowFailure } from '../../src/index.js';

/**
 * The errors the simulated services throw. A `nonRetryable` property tells tickflow's retry
 * policies to stop at once: retrying a declined card or an address the carrier cannot serve
 * cannot help, while a gateway timeout usually goes away.
 */

export class GatewayTimeoutError extends Error {
  override name = 'GatewayTimeoutError';
}

export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
  readonly nonRetryable = true;
}

export class ShippingUnavailableError extends Error {
  override name = 'ShippingUnavailableError';
  readonly nonRetryable = true;
}

/**
 * Bad input to a sample workflow: names the field, the value received and what is allowed. A
 * `WorkflowFailure`, so a workflow that lets it escape fails on purpose: any other error would only
 * stall the step until the code is fixed, and no code change fixes a bad order.
 */
export class OrderValidationError extends WorkflowFailure {
  override name = 'OrderValidationError';
  readonly nonRetryable = true;
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    super(`invalid ${field}: ${JSON.stringify(value) ?? String(value)}; allowed: ${allowed}`);
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}
