import { TickflowError } from '../../common/tickflow-error.js';

/** A bad `--pubsub` value: `field`, `value` and `allowed` say which and why. */
export class PubSubConfigError extends TickflowError {
  override name = 'PubSubConfigError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
}

/**
 * The broker could not be reached or did not answer in time: the message may not be stored.
 * A job's tick is staged (no retry spent), the publish API answers 500 as Dapr does.
 */
export class PubSubUnavailableError extends TickflowError {
  override name = 'PubSubUnavailableError';
}

/** A message over the payload limit: refused before it reaches the broker. */
export class PubSubMessageTooLargeError extends TickflowError {
  override name = 'PubSubMessageTooLargeError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
}
