import { MAX_JOB_NAME_LENGTH } from '../../timers/schedule/job-name.js';
import { ActorReminderValidationError } from './actor-reminder-errors.js';

/** The timer-service target of actor reminders (their ticks go to `ActorReminderDelivery`). */
export const ACTOR_REMINDER_TARGET = 'actor-reminder';

/** Every reminder's job name starts with this (the Jobs API lists no job of this target). */
export const ACTOR_REMINDER_PREFIX = 'actor~';

/** One reminder: the actor it belongs to and its name, as in the URL. */
export interface ReminderKey {
  readonly actorType: string;
  readonly actorId: string;
  readonly name: string;
}

/**
 * Characters escaped in each part: `~` separates the parts and `%` starts an escape, so every
 * job name maps back to one key; `/ \ # ?` and control characters are not allowed in job names.
 */
const ESCAPED = /[%~/\\#?\p{Cc}]/gu;

function escapePart(part: string): string {
  // encodeURIComponent leaves `~` alone (it is unreserved in URLs), so that one is done by hand.
  return part.replace(ESCAPED, (c) => (c === '~' ? '%7E' : encodeURIComponent(c)));
}

/**
 * The job name of a reminder: `actor~{type}~{id}~{name}`, each part escaped. The type and id come
 * first so that every reminder of a type, or of one actor, shares a name prefix (listed and
 * deleted together). Throws `ActorReminderValidationError` when a part is empty or the name
 * would be longer than a job name may be.
 */
export function reminderJobName(key: ReminderKey): string {
  for (const field of ['actorType', 'actorId', 'name'] as const) {
    if (key[field] === '') {
      throw new ActorReminderValidationError(field, key[field], 'a non-empty string');
    }
  }
  const name = `${reminderPrefix(key.actorType, key.actorId)}${escapePart(key.name)}`;
  if ([...name].length > MAX_JOB_NAME_LENGTH) {
    throw new ActorReminderValidationError(
      'name',
      key.name,
      `actor type, actor id and reminder name together at most ${MAX_JOB_NAME_LENGTH - ACTOR_REMINDER_PREFIX.length - 2} ` +
        'characters (counting % ~ / \\ # ? and control characters as 3)',
    );
  }
  return name;
}

/** The name prefix of every reminder of `actorType`, or of one actor when `actorId` is given. */
export function reminderPrefix(actorType: string, actorId?: string): string {
  const type = `${ACTOR_REMINDER_PREFIX}${escapePart(actorType)}~`;
  return actorId === undefined ? type : `${type}${escapePart(actorId)}~`;
}

/** The reminder a job name stands for, or undefined when it is not a reminder's name. */
export function parseReminderJobName(jobName: string): ReminderKey | undefined {
  if (!jobName.startsWith(ACTOR_REMINDER_PREFIX)) return undefined;
  const parts = jobName.slice(ACTOR_REMINDER_PREFIX.length).split('~');
  if (parts.length !== 3) return undefined;
  try {
    const [actorType = '', actorId = '', name = ''] = parts.map((p) => decodeURIComponent(p));
    return { actorType, actorId, name };
  } catch {
    return undefined;
  }
}
