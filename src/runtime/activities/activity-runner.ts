import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../../common/clock.js';
import type { HistoryEvent, TaskScheduledEvent } from '../../history/events.js';
import type { ScheduleTaskAction } from '../../engine/actions.js';
import { toFailureDetails } from '../../history/failure-details.js';
import { boundedFailure } from '../../engine/bounded-failure.js';
import { PayloadTooLargeError, payloadBytes } from '../../engine/payload-limit.js';
import type { AnyActivity, WorkflowActivityContext } from './activity-types.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { reminderNames } from '../instances/instance-keys.js';
import type { RuntimeEvents } from '../runtime-events.js';
import type { ActivityAnswer, ActivityWork } from '../remote/remote-work.js';

/** What runs activities elsewhere (the remote worker hub). */
export interface RemoteActivities {
  runActivity(work: ActivityWork): Promise<ActivityAnswer>;
}

/** One activity call as history records it (a TaskScheduled, or the action it records). */
export interface ActivityCall {
  instanceId: string;
  generation: number;
  eventId: number;
  name: string;
  input?: unknown;
  attempt?: number;
}

/** The call that history's record of a scheduled activity (of `instanceId`'s `generation`) stands for. */
export function scheduledCall(
  instanceId: string,
  generation: number,
  event: TaskScheduledEvent,
): ActivityCall {
  return callOf(instanceId, generation, event.eventId, event);
}

/** The call a ScheduleTask action of `instanceId`'s `generation` stands for. */
export function activityCall(
  instanceId: string,
  generation: number,
  action: ScheduleTaskAction,
): ActivityCall {
  return callOf(instanceId, generation, action.id, action);
}

function callOf(
  instanceId: string,
  generation: number,
  eventId: number,
  what: { name: string; input?: unknown; attempt?: number },
): ActivityCall {
  return {
    instanceId,
    generation,
    eventId,
    name: what.name,
    ...(what.input !== undefined && { input: what.input }),
    ...(what.attempt !== undefined && { attempt: what.attempt }),
  };
}

export interface ActivityRunnerOptions {
  activities: ReadonlyMap<string, AnyActivity>;
  overrides: ReadonlyMap<string, AnyActivity>;
  limit: ConcurrencyLimit;
  clock: Clock;
  events: EventEmitter<RuntimeEvents>;
  /** Reports a warning (coalesced by the runtime). */
  warn: (error: Error) => void;
  /** JSON bytes an activity's result may have; a larger result fails the activity. */
  maxPayloadBytes: number;
  /**
   * Where activities not registered in this process run: connected remote workers (the hub waits
   * for one when none is connected). Without it such an activity fails as not registered.
   */
  remote?: RemoteActivities;
  /** Hands the outcome to the instance; resolves once a step recorded it. */
  deliver(instanceId: string, outcome: HistoryEvent): Promise<void>;
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

  /** Starts `call` in-process now; the instance's fallback reminder guards it (see `planFallback`). */
  startLocal(call: ActivityCall): void {
    const name = reminderNames.activity(call.instanceId, call.generation, call.eventId);
    if (this.#running.has(name)) return;
    const run = this.#run(call)
      .catch((error: unknown) => {
        // The instance's fallback reminder runs it again later; nothing is lost.
        this.#o.warn(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => this.#running.delete(name));
    this.#running.set(name, run);
  }

  /**
   * Runs `call` in-process now and returns its outcome without delivering it: an inline activity,
   * whose outcome the calling step commits itself (see `runInlineRounds`).
   */
  executeInline(call: ActivityCall): Promise<HistoryEvent> {
    return this.#execute(call);
  }

  /** Whether activity `eventId` of the instance's `generation` runs in this process (until its outcome is committed). */
  isRunning(instanceId: string, generation: number, eventId: number): boolean {
    return this.#running.has(reminderNames.activity(instanceId, generation, eventId));
  }

  /** The reminder of `call` fired. */
  async onReminder(reminderName: string, call: ActivityCall): Promise<void> {
    const local = this.#running.get(reminderName);
    if (local) return local;
    await this.#run(call);
  }

  /** Resolves once every in-process run has settled (for a clean stop). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  async #run(call: ActivityCall): Promise<void> {
    await this.#o.deliver(call.instanceId, await this.#execute(call));
  }

  async #execute(call: ActivityCall): Promise<HistoryEvent> {
    const { activities, overrides, clock, events } = this.#o;
    const activity = overrides.get(call.name) ?? activities.get(call.name);
    const base = { eventId: call.eventId, generation: call.generation };
    const remote = this.#o.remote;
    if (!activity && remote) return this.#o.limit.run(() => this.#executeRemote(remote, call));
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

  /**
   * Runs `call` on a remote worker. A worker that cannot be reached makes this throw: the run is
   * then retried from the activity's reminder, as when this replica dies. Its result is bounded
   * like an in-process one.
   */
  async #executeRemote(remote: RemoteActivities, call: ActivityCall): Promise<HistoryEvent> {
    const { clock, events } = this.#o;
    const base = { eventId: call.eventId, generation: call.generation };
    events.emit('activityStarted', call.instanceId, call.name, call.attempt ?? 1);
    let answer: ActivityAnswer;
    try {
      answer = await remote.runActivity({
        instanceId: call.instanceId,
        generation: call.generation,
        taskId: call.eventId,
        name: call.name,
        ...(call.input !== undefined && { input: call.input }),
      });
    } catch (error) {
      events.emit('activityFinished', call.instanceId, call.name, false);
      throw error;
    }
    if (answer.ok) {
      const bytes = payloadBytes(answer.result);
      if (bytes <= this.#o.maxPayloadBytes) {
        events.emit('activityFinished', call.instanceId, call.name, true);
        return {
          type: 'TaskCompleted',
          ...base,
          timestamp: new Date(clock.now()),
          ...(answer.result !== undefined && { result: answer.result }),
        };
      }
      const tooLarge = new PayloadTooLargeError(
        `result of activity ${JSON.stringify(call.name)}`,
        bytes,
        this.#o.maxPayloadBytes,
      );
      answer = { ok: false, failure: toFailureDetails(tooLarge) };
    }
    events.emit('activityFinished', call.instanceId, call.name, false);
    return {
      type: 'TaskFailed',
      ...base,
      timestamp: new Date(clock.now()),
      failureDetails: boundedFailure(answer.failure),
    };
  }
}
