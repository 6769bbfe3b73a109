import { reminderNames } from '../../runtime/instances/instance-keys.js';
import type { JobView } from '../../timers/job-view.js';
import type { JobPage, ListPageOptions } from '../../timers/job-listing.js';

/** Reminder-jobs read for one instance; an instance has a handful (timers, activities, children). */
export const MAX_PENDING_TIMERS = 1000;

/** One reminder-job of an instance: a durable timer, a retry, an activity or child dispatch, a wake-up, the activity fallback. */
export interface PendingTimer {
  /** The reminder-job's name in the timer service. */
  name: string;
  /**
   * `timer`, `act` (an activity to run), `child`, `dispatch`, `wake`, `fallback` (what runs the
   * instance's in-process activities again if they are not done in time), or `other`.
   */
  kind: string;
  /** The history generation it belongs to (`continueAsNew` starts a new one). */
  generation?: number;
  /** The timer id or task id it is for. */
  taskId?: number;
  /** When it is due (ISO 8601), if a tick is left. */
  dueAt?: string;
  /** When it was stored (ISO 8601). */
  createdAt: string;
  /** Ticks delivered so far (a retried delivery counts once it is done). */
  delivered: number;
}

/** `GET /v1.0/ui/workflows/{id}/timers`. */
export interface PendingTimers {
  timers: PendingTimer[];
  /** True when the instance has more than `MAX_PENDING_TIMERS` (only the first are listed). */
  truncated: boolean;
}

/** The reminder-jobs the timer service holds for `instanceId`, soonest due first. */
export async function pendingTimers(
  timers: { listPage(options: ListPageOptions): Promise<JobPage> },
  instanceId: string,
): Promise<PendingTimers> {
  const prefix = reminderNames.instancePrefix(instanceId);
  const page = await timers.listPage({ prefix, limit: MAX_PENDING_TIMERS });
  const list = page.jobs.map((job) => toPendingTimer(job, prefix));
  list.sort((a, b) => (a.dueAt ?? '~').localeCompare(b.dueAt ?? '~'));
  return { timers: list, truncated: page.next !== undefined };
}

function toPendingTimer(job: JobView, prefix: string): PendingTimer {
  // wf~{id}~wake, wf~{id}~fallback, or wf~{id}~{generation}~{kind}~{taskId} (reminderNames).
  const rest = job.name.slice(prefix.length).split('~');
  const [first, kind, taskId] = rest;
  const parsed =
    rest.length === 3 && kind !== undefined
      ? { kind, generation: Number(first), taskId: Number(taskId) }
      : { kind: first === 'wake' || first === 'fallback' ? first : 'other' };
  return {
    name: job.name,
    ...parsed,
    ...(job.nextFireAt !== undefined && { dueAt: job.nextFireAt.toISOString() }),
    createdAt: job.createdAt.toISOString(),
    delivered: job.count ?? 0,
  };
}
