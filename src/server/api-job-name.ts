import { validateJobName } from '../timers/schedule/job-name.js';
import { JobValidationError } from '../timers/errors.js';
import { ACTOR_REMINDER_PREFIX } from './actors/actor-reminder-names.js';

/**
 * A job name as the Jobs API (HTTP and gRPC) takes it: a valid job name that is not one of the
 * names actor reminders are stored under. Reminders are jobs of the same scope, so without this a
 * job could overwrite a reminder, and reading `actor~…` through the Jobs API would show one.
 */
export function validateApiJobName(name: unknown): string {
  const valid = validateJobName(name);
  if (valid.startsWith(ACTOR_REMINDER_PREFIX)) {
    throw new JobValidationError(
      'name',
      valid,
      `a job name not starting with "${ACTOR_REMINDER_PREFIX}" (reserved for actor reminders: use /v1.0/actors/{type}/{id}/reminders/{name})`,
    );
  }
  return valid;
}
