import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../../common/clock.js';
import type { StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import { toFailureDetails } from '../../history/failure-details.js';
import { boundedFailure } from '../../engine/bounded-failure.js';
import { PayloadTooLargeError, payloadBytes } from '../../engine/payload-limit.js';
import type { AnyActivity, WorkflowActivityContext } from './activity-types.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { reminderNames } from '../instances/instance-keys.js';
import type { ReminderPort } from '../reminders/reminder-port.js';
import type { RuntimeEvents } from '../runtime-events.js';

/** One activity call as history records it (a TaskScheduled, or the action it records). */
export interface ActivityCall {
  instanceId: string;
  generation: number;
  eventId: number;
  name: string;
  input?: unknown;
  attempt?: number;
}

export interface ActivityRunnerOptions {
  activities: ReadonlyMap<string, AnyActivity>;
  overrides: ReadonlyMap<string, AnyActivity>;
  limit: ConcurrencyLimit;
  clock: Clock;
  events: EventEmitter<RuntimeEvents>;
  /** Reports a warning (coalesced by the runtime). */
  warn: (error: Error) => void;
  reminders: ReminderPort;
  /** JSON bytes an activity's result may have; a larger result fails the activity. */
  maxPayloadBytes: number;
  /** Hands the outcome to the instance; `cleanup` is committed with the step that records it. */
  deliver(instanceId: string, outcome: HistoryEvent, cleanup: StoreOp[]): Promise<void>;
}

/**
 * Runs activities, at least once each. Normally in-process, right after the step that scheduled
 * the call committed: its reminder-job, committed by that step and due only later, is then just a
 * fallback, deleted by the step that records the result. The reminder fires only if this replica
 * died, stopped or lost the instance first, or the activity outlasts the delay; a reminder for a
 * call this replica is still running waits for that run instead of starting a second one.
 */
export class ActivityRunner {
  readonly #o: ActivityRunnerOptions;
  /** In-process runs by reminder name, until their outcome is committed (or given up on). */
  readonly #running = new Map<string, Promise<void>>();

  constructor(options: ActivityRunnerOptions) {
    this.#o = options;
  }

  /** Starts `call` in-process now; its reminder stays the fallback. */
  startLocal(call: ActivityCall): void {
    const name = reminderNames.activity(call.instanceId, call.generation, call.eventId);
    if (this.#running.has(name)) return;
    const run = this.#run(call, this.#o.reminders.deleteJobOps(name, call.instanceId))
      .catch((error: unknown) => {
        // The reminder runs it again later; nothing is lost.
        this.#o.warn(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => this.#running.delete(name));
    this.#running.set(name, run);
  }

  /** The reminder of `call` fired. */
  async onReminder(reminderName: string, call: ActivityCall): Promise<void> {
    const local = this.#running.get(reminderName);
    if (local) return local;
    await this.#run(call, []);
  }

  /** Resolves once every in-process run has settled (for a clean stop). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  async #run(call: ActivityCall, cleanup: StoreOp[]): Promise<void> {
    await this.#o.deliver(call.instanceId, await this.#execute(call), cleanup);
  }

  async #execute(call: ActivityCall): Promise<HistoryEvent> {
    const { activities, overrides, clock, events } = this.#o;
    const activity = overrides.get(call.name) ?? activities.get(call.name);
    const base = { eventId: call.eventId, generation: call.generation };
    if (!activity) {
      return {
        type: 'TaskFailed',
        ...base,
        timestamp: new Date(clock.now()),
        failureDetails: {
          errorType: 'ActivityNotRegisteredError',
          message: `activity ${JSON.stringify(call.name)} is not registered with this runtime; registered: ${[...activities.keys()].join(', ') || 'none'}`,
          nonRetryable: true,
        },
      };
    }
    const attempt = call.attempt ?? 1;
    const ctx: WorkflowActivityContext = {
      getWorkflowInstanceId: () => call.instanceId,
      getWorkflowActivityId: () => call.eventId,
      getAttempt: () => attempt,
    };
    return this.#o.limit.run(async (): Promise<HistoryEvent> => {
      events.emit('activityStarted', call.instanceId, call.name, attempt);
      try {
        const result: unknown = await activity(ctx, call.input as never);
        const bytes = payloadBytes(result);
        if (bytes > this.#o.maxPayloadBytes) {
          // Recorded, the result would not fit the step that delivers it, and the instance would
          // wait for it forever: the activity fails instead, and the workflow can catch it.
          throw new PayloadTooLargeError(
            `result of activity ${JSON.stringify(call.name)}`,
            bytes,
            this.#o.maxPayloadBytes,
          );
        }
        events.emit('activityFinished', call.instanceId, call.name, true);
        return {
          type: 'TaskCompleted',
          ...base,
          timestamp: new Date(clock.now()),
          ...(result !== undefined && { result }),
        };
      } catch (error) {
        events.emit('activityFinished', call.instanceId, call.name, false);
        return {
          type: 'TaskFailed',
          ...base,
          timestamp: new Date(clock.now()),
          failureDetails: boundedFailure(toFailureDetails(error)),
        };
      }
    });
  }
}
