import { systemClock } from '../../common/clock.js';
import { CoalescedWarnings } from '../../common/coalesced-warnings.js';
import { JobTargetTriggerError } from '../../runtime/job-targets/job-target-errors.js';
import { StagedReoffer } from '../../runtime/job-targets/staged-reoffer.js';
import type { JobTrigger, TriggerResult } from '../../timers/schedule/job.js';
import type { TimerService } from '../../timers/timer-service.js';
import { deliveryId } from '../delivery/job-callback.js';
import { PUBLISH_TARGET, type PublishJobTarget } from '../job-targets/publish-job-target.js';
import { PubSubUnavailableError } from './pubsub-errors.js';
import type { PubSubService } from './pubsub-service.js';

/**
 * Takes over the `publish` target of `timers`: at each tick, publishes the job's message. The
 * envelope's id is the tick's delivery id, so a tick published twice (at least once: a crash
 * after the publish, before the tick completed) carries one id a subscriber can de-duplicate on.
 * A broker that cannot be reached stages the tick (no retry spent; offered again after 500 ms,
 * doubling to 10 s); a component no longer configured (the server restarted without it) fails
 * it, and the job's failure policy decides. Warnings are coalesced (a job failing every tick is
 * one line and a count) and go to `warn`. Returns the function that gives the target back.
 */
export function attachPublishJobs(
  timers: TimerService,
  pubsub: PubSubService,
  warn: (error: Error) => void,
): () => void {
  const warnings = new CoalescedWarnings({ clock: systemClock, emit: warn });
  const reoffer = new StagedReoffer(systemClock, (target) => timers.retryStaged(target));
  const off = timers.onTrigger(PUBLISH_TARGET, (trigger) => publishTick(trigger, pubsub, warnings, reoffer));
  return () => {
    off();
    reoffer.stop();
    warnings.flush();
  };
}

async function publishTick(
  trigger: JobTrigger,
  pubsub: PubSubService,
  warnings: CoalescedWarnings,
  reoffer: StagedReoffer,
): Promise<TriggerResult> {
  const target = trigger.data as unknown as PublishJobTarget | undefined;
  const action = `publish to topic ${JSON.stringify(target?.topic)} of pub/sub ${JSON.stringify(target?.pubsubName)}`;
  if (typeof target?.pubsubName !== 'string' || typeof target.topic !== 'string') {
    warnings.report(
      new JobTargetTriggerError(trigger.name, action, 'the stored target has no pubsubName or topic'),
    );
    return 'failed';
  }
  if (!pubsub.has(target.pubsubName)) {
    warnings.report(
      new JobTargetTriggerError(
        trigger.name,
        action,
        `this server has no such pub/sub component (--pubsub gives: ${pubsub.names.join(', ') || 'none'})`,
      ),
    );
    return 'failed';
  }
  try {
    await pubsub.publish(target.pubsubName, target.topic, target.data, 'job', { id: deliveryId(trigger) });
    reoffer.succeeded(PUBLISH_TARGET);
    return 'success';
  } catch (error) {
    const staged = error instanceof PubSubUnavailableError;
    const reason = error instanceof Error ? error.message : String(error);
    warnings.report(new JobTargetTriggerError(trigger.name, action, reason, { cause: error, staged }));
    if (!staged) return 'failed';
    reoffer.staged(PUBLISH_TARGET);
    return 'undeliverable';
  }
}
