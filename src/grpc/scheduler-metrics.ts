import type { TimerService } from '../timers/timer-service.js';
import type { SidecarHub } from '../scheduler/sidecar-hub.js';
import { CallbackGauge, Counter, type MetricsRegistry } from '../server/prometheus.js';

/** The counters the scheduler's service increments itself (the rest are read from the hub). */
export interface SchedulerCounters {
  /** An answer on a `WatchJobs` stream matched no trigger in flight. */
  unmatchedAnswer(): void;
  /** A `WatchJobs` stream was refused (bad first message, too many streams). */
  refusedStream(): void;
}

/**
 * The Scheduler API's figures in /metrics: sidecars connected, triggers in flight on their
 * streams, triggers sent and how each was answered (`success`, `failed`, `timeout`, `gone`: the
 * stream ended first and the trigger went on to another sidecar or the staging queue), triggers
 * waiting for a slot on a stream, and triggers staged (no sidecar for their app or actor type, or
 * the app's bound reached) and staged now.
 */
export function registerSchedulerMetrics(
  registry: MetricsRegistry,
  hub: SidecarHub,
  timers: TimerService,
): SchedulerCounters {
  const triggers = registry.register(
    new Counter(
      'tickflow_scheduler_triggers_total',
      'Triggers sent on WatchJobs streams, by outcome: success and failed (the sidecar answered), timeout (no answer in time; the failure policy retries), gone (the stream ended first; sent again to another sidecar, or staged).',
    ),
  );
  const staged = registry.register(
    new Counter(
      'tickflow_scheduler_triggers_staged_total',
      'Triggers staged because no connected sidecar takes them (no stream for the app or actor type), or their app or actor type holds as many as it may; delivered when one connects, or as it drains.',
    ),
  );
  const streams = registry.register(
    new Counter(
      'tickflow_scheduler_streams_total',
      'WatchJobs streams opened, by result (accepted, refused).',
    ),
  );
  const unmatched = registry.register(
    new Counter(
      'tickflow_scheduler_answers_unmatched_total',
      'WatchJobs answers that matched no trigger in flight (late after a timeout, duplicate, unknown id); dropped.',
    ),
  );
  hub.on('outcome', (outcome) => triggers.inc({ outcome }));
  hub.on('connected', () => streams.inc({ result: 'accepted' }));
  timers.on('staged', () => staged.inc());
  registry.register(
    new CallbackGauge(
      'tickflow_scheduler_sidecars_connected',
      'WatchJobs streams connected to this replica now.',
      () => [{ labels: {}, value: hub.connections }],
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_scheduler_triggers_inflight',
      'Triggers sent on WatchJobs streams and not answered yet.',
      () => [{ labels: {}, value: hub.inflight }],
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_scheduler_triggers_waiting',
      'Triggers waiting for a slot on a WatchJobs stream of their app or actor type (every one at its in-flight bound).',
      () => [{ labels: {}, value: hub.waiting }],
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_scheduler_triggers_staged',
      'Triggers of the scheduler staged on this replica now, waiting for a sidecar.',
      () => [{ labels: {}, value: timers.stagedCount() }],
    ),
  );
  return {
    unmatchedAnswer: () => unmatched.inc(),
    refusedStream: () => streams.inc({ result: 'refused' }),
  };
}
