import type { ReminderJson } from '../reminders/reminder-port.js';

/**
 * Which replica runs an instance's activities in-process: its member id and the incarnation of the
 * runtime (a new one per process, so a replica restarted under the same id is told from its former
 * self). It travels in the instance's activity fallback reminder (fields `r` and `n`; see
 * `fallbackArmOps`), and in the single activity reminders of earlier versions, so that when that
 * replica is gone, the partition's owner can run the activities at once instead of when the
 * fallback is due.
 */
export interface RunnerTag {
  r: string;
  n: string;
}

/**
 * Whether the (fallback or activity) reminder with `data` was left by a runner that is gone: a
 * member not among `members`, or this member (`self`) in another incarnation. A reminder without
 * a tag (written to go out at once, or by an older version) is never judged orphaned: it keeps its
 * time.
 */
export function isOrphaned(
  data: ReminderJson | undefined,
  members: ReadonlySet<string>,
  self: RunnerTag,
): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const { r, n } = data;
  if (typeof r !== 'string' || typeof n !== 'string') return false;
  return r === self.r ? n !== self.n : !members.has(r);
}
