import { nanoid } from 'nanoid';
import type { Clock } from '../common/clock.js';
import { durationToMs, type DurationInput } from '../engine/duration.js';
import type { Activity } from '../runtime/activities/activity-types.js';
import type { ActivityReference } from '../engine/workflow-context.js';
import type { KvStore } from '../etcd/kv-store.js';
import type { HistoryEvent } from '../history/events.js';
import type { WorkflowClient } from '../workflow-client.js';
import type { WorkflowRuntime } from '../workflow-runtime.js';
import { ActivityMock } from './activity-mock.js';
import {
  createOnEtcd,
  createSkipping,
  entries,
  startAndOwn,
  type EnvironmentParts,
  type TestWorkflowEnvironmentOptions,
} from './environment-setup.js';
import { TestEnvironmentError } from './errors.js';
import {
  activityCalls,
  assertActivityCalledWith,
  assertTimeline,
  timeline,
  type RecordedActivityCall,
  type TimelineOptions,
} from './history-assertions.js';
import type { IdleProbe } from './idle-probe.js';
import type { TimeSkipper } from './time-skipper.js';

export type { TestWorkflowEnvironmentOptions };

const DEFAULT_PARTITIONS = 4;

/**
 * A workflow runtime and client for tests. With time skipping (the default) they run in this
 * process on an in-memory store and a virtual clock: `env.client.waitForWorkflowCompletion`
 * skips from one due timer to the next, `env.sleep('2h')` and `env.advanceTo(date)` move time
 * explicitly, and timers fire in due order, never before their virtual due time, through the
 * real timer service. With `{ etcd: { hosts } }` the same API runs on a real etcd and clock.
 */
export class TestWorkflowEnvironment {
  /** The started runtime replica: register more workflows and activities on it, or read its events. */
  readonly runtime: WorkflowRuntime;
  /** In a time-skipping environment, its waits skip virtual time. */
  readonly client: WorkflowClient;
  /** The clock the runtime and client run on: virtual with time skipping, else the system clock. */
  readonly clock: Clock;
  /** Whether this environment skips virtual time (false on a real etcd). */
  readonly timeSkipping: boolean;
  /** Warnings the runtime and its timer service reported (e.g. a failed commit that will be retried). */
  readonly warnings: Error[] = [];
  readonly #kv: KvStore;
  readonly #skipper: TimeSkipper | undefined;
  readonly #probe: IdleProbe | undefined;
  readonly #mocks = new Set<ActivityMock<never, unknown>>();
  #tornDown = false;

  private constructor(parts: EnvironmentParts) {
    this.runtime = parts.runtime;
    this.client = parts.client;
    this.clock = parts.clock;
    this.#kv = parts.kv;
    this.#skipper = parts.skipper;
    this.#probe = parts.probe;
    this.timeSkipping = parts.skipper !== undefined;
    this.runtime.on('warning', (error) => this.warnings.push(error));
    this.runtime.timers.on('warning', (error) => this.warnings.push(error));
  }

  /** Builds the environment, registers `workflows` and `activities`, and starts the runtime. */
  static async create(options: TestWorkflowEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    const timeSkipping = options.timeSkipping ?? options.etcd === undefined;
    if (timeSkipping && options.etcd !== undefined) {
      throw new TestEnvironmentError(
        'timeSkipping',
        true,
        'false with { etcd } (time skipping runs on an in-process store), or no etcd option',
      );
    }
    if (!timeSkipping && (options.etcd === undefined || options.etcd.hosts.length === 0)) {
      throw new TestEnvironmentError('etcd', options.etcd, '{ hosts: [...] } when timeSkipping is false');
    }
    if (!timeSkipping && options.startTime !== undefined) {
      throw new TestEnvironmentError('startTime', options.startTime, 'only with time skipping');
    }
    const partitions = options.partitions ?? DEFAULT_PARTITIONS;
    const scope = {
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      appId: options.appId ?? `test-${nanoid(8)}`,
      partitions,
    };
    // Validated before anything is opened, so bad input leaves no connection behind.
    const workflows = entries(options.workflows, 'workflows');
    const activities = entries(options.activities, 'activities');
    const parts = timeSkipping
      ? createSkipping(options, scope)
      : await createOnEtcd(options.etcd?.hosts ?? [], options, scope);
    const env = new TestWorkflowEnvironment(parts);
    for (const [name, workflow] of workflows) env.runtime.registerWorkflowWithName(name, workflow);
    for (const [name, activity] of activities) env.runtime.registerActivityWithName(name, activity);
    try {
      await startAndOwn(env.runtime, partitions);
    } catch (error) {
      await env.teardown();
      throw error;
    }
    return env;
  }

  /** The environment's current time (virtual with time skipping). */
  now(): Date {
    return new Date(this.clock.now());
  }

  /**
   * Lets `duration` pass (a number of **milliseconds**, or a Go or ISO 8601 duration string such as
   * `'24h'` or `'P1D'`): with time skipping, every timer due meanwhile fires at its own virtual
   * time and its work completes; without, this really waits.
   */
  async sleep(duration: DurationInput): Promise<void> {
    const ms = durationToMs(duration, 'sleep duration');
    if (this.#skipper) await this.#skipper.advanceTo(this.clock.now() + ms);
    else await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Moves virtual time to `time` (time skipping only), firing everything due on the way in order. */
  async advanceTo(time: Date | number): Promise<void> {
    const skipper = this.#requireSkipping('advanceTo');
    const target = time instanceof Date ? time.getTime() : time;
    if (!Number.isFinite(target) || target < this.clock.now()) {
      throw new TestEnvironmentError(
        'advanceTo time',
        time,
        `a Date (or epoch ms) not before the virtual now, ${this.now().toISOString()}`,
      );
    }
    await skipper.advanceTo(target);
  }

  /** Waits until every instance is idle at the current virtual time (time skipping only). */
  async settle(): Promise<void> {
    await this.#requireSkipping('settle').settle();
  }

  /** Replaces an activity by name for this environment and records its calls. */
  mockActivity<TInput = unknown, TOutput = unknown>(
    activity: ActivityReference,
    implementation: Activity<TInput, TOutput>,
  ): ActivityMock<TInput, TOutput> {
    const mock = new ActivityMock(this.runtime, activity, implementation);
    this.#mocks.add(mock as ActivityMock<never, unknown>);
    return mock;
  }

  /** The instance's history (current generation), oldest first. */
  getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.client.getWorkflowHistory(instanceId);
  }

  /**
   * The instance's activity attempts as its current history records them (see the `activityCalls`
   * function), optionally only those of `activity`. Throws `WorkflowNotFoundError` for an unknown id.
   */
  async activityCalls(instanceId: string, activity?: ActivityReference): Promise<RecordedActivityCall[]> {
    return activityCalls(await this.getHistory(instanceId), activity);
  }

  /**
   * The instance's current history as readable lines, e.g. `+3h EventRaised approval` (see the
   * `timeline` function). Throws `WorkflowNotFoundError` for an unknown id.
   */
  async timeline(instanceId: string, options?: TimelineOptions): Promise<string[]> {
    return timeline(await this.getHistory(instanceId), options);
  }

  /** Throws an AssertionError unless the instance called `activity` with `input`. */
  async assertActivityCalledWith(
    instanceId: string,
    activity: ActivityReference,
    input: unknown,
  ): Promise<void> {
    assertActivityCalledWith(await this.getHistory(instanceId), activity, input);
  }

  /** Throws an AssertionError (showing both) unless the instance's timeline is `expected`. */
  async assertTimeline(
    instanceId: string,
    expected: readonly string[],
    options?: TimelineOptions,
  ): Promise<void> {
    assertTimeline(await this.getHistory(instanceId), expected, options);
  }

  /** Stops the runtime and closes the store connections. Safe to call twice. */
  async teardown(): Promise<void> {
    if (this.#tornDown) return;
    this.#tornDown = true;
    for (const mock of this.#mocks) mock.restore();
    this.#mocks.clear();
    await this.runtime.stop();
    this.#probe?.close();
    await this.client.close();
    await this.#kv.close();
  }

  #requireSkipping(operation: string): TimeSkipper {
    if (!this.#skipper) {
      throw new TestEnvironmentError(
        `${operation} environment`,
        'a real-clock environment',
        'an environment created with { timeSkipping: true }',
      );
    }
    return this.#skipper;
  }
}
