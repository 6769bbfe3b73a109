import { ReminderTarget } from '../instances/instance-keys.js';
import type { ReminderJson, ReminderPort } from '../reminders/reminder-port.js';
import { isOrphaned, type RunnerTag } from './runner-tag.js';

/**
 * Runs at once the activities a replica now gone was running in-process. Each instance with such
 * activities has a fallback reminder, due `activityFallbackSeconds` after its step, that names the
 * runner (see RunnerTag, `fallbackArmOps`); without this, a replica killed mid-activity left its
 * workflows waiting for those reminders long after its partitions moved (about the lease TTL).
 * Whenever the live replicas change, and whenever this replica takes partitions over, the
 * reminders of its partitions whose runner is not live any more are brought forward
 * (`ReminderPort.expedite`): the trigger path then runs each instance's pending activities here
 * (`onActivityFallback`), exactly as when the reminder comes due. `onRecovered` is told how many
 * reminders were brought forward.
 *
 * A runner that only lost its lease for a moment (etcd unreachable) and is still running its
 * activities gets them run a second time here: the same at-least-once as a fallback reminder that
 * came due, only sooner. Returns the unsubscribe.
 */
export function recoverOrphanedActivities(
  reminders: ReminderPort,
  self: RunnerTag,
  onRecovered: (count: number) => void,
): () => void {
  return reminders.onClusterChange((partitions) => {
    const members = new Set(reminders.members());
    // A view without this replica is not current (or the replica is leaving): judge nobody by it.
    if (!members.has(self.r)) return;
    const orphaned = (data: ReminderJson | undefined): boolean => isOrphaned(data, members, self);
    // Fallback reminders of instances; and single activity reminders written by earlier versions.
    const count =
      reminders.expedite(ReminderTarget.fallback, orphaned, partitions) +
      reminders.expedite(ReminderTarget.activity, orphaned, partitions);
    if (count > 0) onRecovered(count);
  });
}
