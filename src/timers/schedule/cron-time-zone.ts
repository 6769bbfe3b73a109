import { JobValidationError } from '../errors.js';
import { hasZonePrefix, parseSchedule } from './schedule.js';
import type { Schedule } from './schedule.js';
import { zoneOffsets } from './zone-offsets.js';

/**
 * The zone a cron schedule without `CRON_TZ=` runs in, and how a job keeps it.
 *
 * Dapr documents that its Scheduler matches such a cron on the clock of the server it runs on, so
 * the default is the server's own zone (`'local'`); `'UTC'` or any IANA name pins another one.
 *
 * The zone is resolved once, when the job is scheduled, and stored with it: the job's stored
 * schedule gets a `CRON_TZ=<zone> ` prefix (see `pinCronZone`), while `get` keeps returning the
 * schedule as it was sent. A replica started later in another zone, or a server restarted with
 * another `TZ`, therefore keeps firing the job at the wall-clock times it was scheduled for: the
 * zone is part of what the caller asked for, and replicas of one scope in different zones would
 * otherwise each fire it at different instants. A job stored without a prefix (scheduled before
 * this existed, or under `'UTC'`) runs in UTC, which is what it was scheduled under.
 */

/** What `TimerService`'s `cronTimeZone` option takes: `'local'`, `'UTC'` or an IANA zone name. */
export type CronTimeZone = 'local' | 'UTC' | (string & Record<never, never>);

/** The values `cronTimeZone` accepts, in words (error messages and docs). */
export const CRON_TIME_ZONE_ALLOWED =
  '"local" (the zone of the server process: $TZ, else the system zone), "UTC", ' +
  'or an IANA time zone name such as "Europe/Paris"';

/**
 * The zone `option` stands for: its IANA name as given, in Intl's case (`'UTC'` for UTC and its
 * aliases such as `Etc/UTC` and `GMT`). `localZone` is asked only for `'local'` (and when `option` is
 * absent): it answers the process's zone, or undefined when that is not an IANA name (a POSIX
 * `TZ` string such as `CET-1`). Throws `JobValidationError` naming `field` for anything else.
 */
export function resolveCronTimeZone(
  option: unknown,
  localZone: () => string | undefined,
  field = 'cronTimeZone',
): string {
  if (option === undefined || option === 'local') {
    const local = localZone();
    const zone = local === undefined ? undefined : canonicalZone(local);
    if (zone === undefined) {
      throw new JobValidationError(
        field,
        'local',
        CRON_TIME_ZONE_ALLOWED,
        `${field} is "local", but the server's time zone ` +
          (local === undefined
            ? 'has no IANA name (is TZ a POSIX rule such as CET-1?)'
            : `${JSON.stringify(local)} is not one this runtime knows`) +
          `: set TZ to an IANA name (e.g. TZ=Europe/Paris), or ${field} to "UTC" or a zone name`,
      );
    }
    return zone;
  }
  if (typeof option !== 'string' || option.trim() === '') {
    throw new JobValidationError(
      field,
      option,
      CRON_TIME_ZONE_ALLOWED,
      `${field} must be a non-empty string; allowed: ${CRON_TIME_ZONE_ALLOWED}`,
    );
  }
  const zone = canonicalZone(option);
  if (zone === undefined) {
    throw new JobValidationError(
      field,
      option,
      CRON_TIME_ZONE_ALLOWED,
      `${field} ${JSON.stringify(option)} is not a time zone this runtime knows; allowed: ${CRON_TIME_ZONE_ALLOWED}`,
    );
  }
  return zone;
}

/**
 * The schedule as stored, so it fires in `zone` whatever zone a later replica runs in: a cron
 * expression or `@` descriptor without a zone of its own gets a `CRON_TZ=<zone> ` prefix. A
 * fixed period (`@every 1h`, `90s`) has no wall clock to pin, a schedule with its own `CRON_TZ=`
 * keeps it, and UTC needs no prefix (an unprefixed cron runs in UTC). `schedule` must be valid;
 * `kind` is its parsed kind, when the caller has it.
 */
export function pinCronZone(
  schedule: string,
  zone: string,
  kind: Schedule['kind'] = parseSchedule(schedule).kind,
): string {
  if (zone === 'UTC' || kind !== 'cron' || hasZonePrefix(schedule)) return schedule;
  return `CRON_TZ=${zone} ${schedule.trim()}`;
}

/**
 * The name to store for `zone`, or undefined when Intl refuses it. The name as given is kept
 * (case aside): Intl's canonical names are ICU's, often not IANA's current ones (Node 20 answers
 * Asia/Calcutta for Asia/Kolkata), and the caller's name is what operators will look for. UTC and
 * its aliases become 'UTC', which needs no prefix.
 */
function canonicalZone(zone: string): string | undefined {
  if (zone.trim() !== zone || zone === '') return undefined;
  let canonical: string;
  try {
    canonical = zoneOffsets(zone).zone;
  } catch {
    return undefined;
  }
  if (canonical === 'UTC') return 'UTC';
  return canonical.toLowerCase() === zone.toLowerCase() ? canonical : zone;
}
