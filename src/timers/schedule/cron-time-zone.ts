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
 * absent): it answers the process's zone, or undefined when that has no IANA name (a POSIX `TZ`
 * rule such as `CET-1`); then the answer is undefined too, and only cron schedules without a
 * `CRON_TZ=` of their own are refused, when they are scheduled (`pinCronZone`): a process that
 * never schedules one (a workflow client, say) must not fail over its zone. Throws
 * `JobValidationError` naming `field` for anything else.
 */
export function resolveCronTimeZone(
  option: unknown,
  localZone: () => string | undefined,
  field = 'cronTimeZone',
): string | undefined {
  if (option === undefined || option === 'local') {
    const local = localZone();
    return local === undefined ? undefined : canonicalZone(local);
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

/** What a schedule may be when the server has no default zone. */
const WITHOUT_DEFAULT_ZONE =
  'a cron schedule with its own CRON_TZ=<IANA zone> prefix, or a fixed period ("@every 1h", "90s")';

/**
 * The schedule as stored, so it fires in `zone` whatever zone a later replica runs in: a cron
 * expression or `@` descriptor without a zone of its own gets a `CRON_TZ=<zone> ` prefix. A
 * fixed period (`@every 1h`, `90s`) has no wall clock to pin, a schedule with its own `CRON_TZ=`
 * keeps it, and UTC needs no prefix (an unprefixed cron runs in UTC). With no default zone
 * (`zone` undefined, see `resolveCronTimeZone`) a cron that would need one is a
 * `JobValidationError` (field `schedule`). `schedule` must be valid; `kind` is its parsed kind,
 * when the caller has it.
 */
export function pinCronZone(
  schedule: string,
  zone: string | undefined,
  kind: Schedule['kind'] = parseSchedule(schedule).kind,
): string {
  if (zone === 'UTC' || kind !== 'cron' || hasZonePrefix(schedule)) return schedule;
  if (zone === undefined) {
    throw new JobValidationError(
      'schedule',
      schedule,
      WITHOUT_DEFAULT_ZONE,
      `schedule ${JSON.stringify(schedule)} has no CRON_TZ= and this server has no default zone for it: ` +
        'its own time zone has no IANA name (is TZ a POSIX rule such as CET-1?). Add CRON_TZ=<zone> ' +
        'to the schedule, or start the server with an IANA TZ or a cronTimeZone (--cron-time-zone)',
    );
  }
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
