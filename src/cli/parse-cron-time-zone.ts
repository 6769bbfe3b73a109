import { InvalidArgumentError } from 'commander';
import { JobValidationError } from '../timers/errors.js';
import { localTimeZone } from '../timers/local-time-zone.js';
import { CRON_TIME_ZONE_ALLOWED, resolveCronTimeZone } from '../timers/schedule/cron-time-zone.js';

/**
 * `--cron-time-zone`: `local`, `UTC` or an IANA zone name, checked before anything starts (commander
 * reports "option '--cron-time-zone <zone>' argument 'x' is invalid" and the CLI exits with 2).
 * The flag's own text is passed on: the timer service resolves it again, to the same zone.
 */
export function parseCronTimeZone(text: string): string {
  try {
    resolveCronTimeZone(text, localTimeZone, '--cron-time-zone');
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    throw new InvalidArgumentError(`Expected ${CRON_TIME_ZONE_ALLOWED}.`);
  }
  return text;
}
