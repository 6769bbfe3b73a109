import { JobValidationError } from '../timers/errors.js';
import { MAX_JOB_NAME_LENGTH } from '../timers/schedule/job-name.js';

/**
 * What a Scheduler job belongs to, as daprd describes it in `JobMetadata`: a namespace and the
 * app that asked, and its target: the app itself (`job`), or one actor (`actor`, a reminder).
 */
export interface SchedulerOwner {
  readonly namespace: string;
  readonly appId: string;
  readonly target: SchedulerTarget;
}

/** A job's target: the app's own job, or an actor reminder of actor `type`/`id`. */
export type SchedulerTarget =
  { readonly kind: 'job' } | { readonly kind: 'actor'; readonly type: string; readonly id: string };

/** Name prefix of jobs whose target is the app (`app~{ns}~{app}~{name}`). */
export const APP_JOB_PREFIX = 'app~';
/** Name prefix of actor reminders (`actor~{ns}~{type}~{id}~{name}`). */
export const ACTOR_JOB_PREFIX = 'actor~';

/**
 * Characters escaped in each part of a stored name: `~` separates the parts and `%` starts an
 * escape, so every stored name maps back to one owner and name; `/ \ # ?` and control characters
 * are not allowed in timer-service job names. Escaping maps each character on its own and the
 * output is prefix-free, so `escape(p)` is a prefix of `escape(s)` exactly when `p` is one of `s`:
 * Dapr's prefix deletes (actor ids, job names) stay prefix deletes.
 */
const ESCAPED = /[%~/\\#?\p{Cc}]/gu;

/** One part of a stored name, escaped; throws for lone UTF-16 surrogates (they do not survive etcd). */
export function escapePart(part: string, field: string): string {
  try {
    return part.replace(ESCAPED, (c) => (c === '~' ? '%7E' : encodeURIComponent(c)));
  } catch {
    throw new JobValidationError(field, part, 'a string of valid Unicode (no lone surrogates)');
  }
}

/** A required identifier of the metadata (namespace, app id, actor type, actor id). */
export function requirePart(value: string | undefined, field: string): string {
  if (value === undefined || value === '') {
    throw new JobValidationError(field, value ?? '', 'a non-empty string');
  }
  return value;
}

/**
 * The name a job is stored under in the scheduler's timer-service scope, as Dapr's scheduler keys
 * it: the app's jobs by namespace, app id and name; actor reminders by namespace, actor type, actor
 * id and name (not by app id: any app of the namespace hosting the type receives them). Throws
 * `JobValidationError` (field `name`) when the stored name would be longer than a job name may be.
 */
export function storedJobName(owner: SchedulerOwner, name: string): string {
  requirePart(name, 'name');
  const stored = ownerPrefix(owner, false) + escapePart(name, 'name');
  if ([...stored].length > MAX_JOB_NAME_LENGTH) {
    throw new JobValidationError(
      'name',
      name,
      `a name that, with the namespace, app id (or actor type and id) and 2-3 separators, is at most ` +
        `${MAX_JOB_NAME_LENGTH} characters (% ~ / \\ # ? and control characters count as 3)`,
    );
  }
  return stored;
}

/**
 * The stored-name prefix of an owner's jobs, as Dapr's `KeyFromMetadata`: the app's jobs, an
 * actor type's reminders, or one actor's reminders (when the actor id is not empty). With
 * `idPrefix`, the last part given (app id, or actor id) matches as a prefix too
 * (`DeleteByMetadata`'s `id_prefix_match`).
 */
export function ownerPrefix(owner: SchedulerOwner, idPrefix: boolean): string {
  const ns = escapePart(requirePart(owner.namespace, 'metadata.namespace'), 'metadata.namespace');
  const end = idPrefix ? '' : '~';
  if (owner.target.kind === 'job') {
    const app = idPrefix ? owner.appId : requirePart(owner.appId, 'metadata.app_id');
    return `${APP_JOB_PREFIX}${ns}~${escapePart(app, 'metadata.app_id')}${end}`;
  }
  const type = escapePart(
    requirePart(owner.target.type, 'metadata.target.actor.type'),
    'metadata.target.actor.type',
  );
  const base = `${ACTOR_JOB_PREFIX}${ns}~${type}~`;
  if (owner.target.id === '') return base;
  return `${base}${escapePart(owner.target.id, 'metadata.target.actor.id')}${end}`;
}

/** The prefixes of every job and reminder of a namespace (namespace deletion). */
export function namespacePrefixes(namespace: string): string[] {
  const ns = escapePart(requirePart(namespace, 'metadata.namespace'), 'metadata.namespace');
  return [`${APP_JOB_PREFIX}${ns}~`, `${ACTOR_JOB_PREFIX}${ns}~`];
}

/** The job name daprd gave, back from a stored name (the last part); undefined if not one of ours. */
export function userJobName(stored: string): string | undefined {
  if (!stored.startsWith(APP_JOB_PREFIX) && !stored.startsWith(ACTOR_JOB_PREFIX)) return undefined;
  const last = stored.slice(stored.lastIndexOf('~') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

/**
 * The timer-service target (the `onTrigger` handler) of an owner's triggers: one per app of a
 * namespace, and one per actor type of a namespace. A target without a connected sidecar has no
 * handler, so its triggers wait in the timer service's staging queue, and only that target's
 * staged triggers are re-offered when a matching sidecar connects.
 */
export function triggerTarget(owner: SchedulerOwner): string {
  return owner.target.kind === 'job'
    ? appTriggerTarget(owner.namespace, owner.appId)
    : actorTriggerTarget(owner.namespace, owner.target.type);
}

/** The target of the app jobs of `appId` in `namespace`. */
export function appTriggerTarget(namespace: string, appId: string): string {
  return `dapr-app~${escapePart(namespace, 'namespace')}~${escapePart(appId, 'app_id')}`;
}

/** The target of the reminders of actor type `type` in `namespace`. */
export function actorTriggerTarget(namespace: string, type: string): string {
  return `dapr-actor~${escapePart(namespace, 'namespace')}~${escapePart(type, 'actor_types')}`;
}
