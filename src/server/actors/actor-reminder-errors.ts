import { TickflowError } from '../../common/tickflow-error.js';
import type { InvalidInput } from '../../common/invalid-input.js';

/**
 * A reminder request that cannot be stored: names the `field` (`dueTime`, `period`, `ttl`,
 * `data`, `actorType`, `actorId`, `name`), the `value` received and what is `allowed`. Nothing
 * was stored. The HTTP API answers it with 400.
 */
export class ActorReminderValidationError extends TickflowError implements InvalidInput {
  override name = 'ActorReminderValidationError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string, message?: string) {
    super(message, { invalid: { field, value, allowed } });
  }
}
