import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import { systemClock, type Clock } from '../common/clock.js';
import { CoalescedWarnings } from '../common/coalesced-warnings.js';
import { GroupCommit } from '../etcd/group-commit.js';
import type { KvStore } from '../etcd/kv-store.js';
import { MAX_TXN_OPS } from '../etcd/store-op.js';
import { txnBatches } from '../etcd/txn-batches.js';
import type { HistoryEvent } from '../history/events.js';
import { deserializeEvent } from '../history/serialize.js';
import type { WorkflowLogger } from '../engine/logger.js';
import { silentLogger } from '../engine/logger.js';
import type { AnyWorkflow } from '../engine/workflow-context.js';
import type { ActivityRegistrationOptions, AnyActivity } from './activities/activity-types.js';
import { ActivityRunner, activityCall, scheduledCall } from './activities/activity-runner.js';
import { recoverOrphanedActivities } from './activities/orphan-recovery.js';
import { onActivityFallback, type FallbackHandlerDeps } from './activities/fallback-handler.js';
import type { RunnerTag } from './activities/runner-tag.js';
import { DEFAULT_MAX_HISTORY_EVENTS } from './instances/history-limit.js';
import { resolveMaxPayloadBytes } from '../engine/payload-limit.js';
import { WorkflowValidationError } from './workflow-errors.js';
import { ConcurrencyLimit } from './activities/concurrency-limit.js';
import { instanceKeys, ReminderTarget } from './instances/instance-keys.js';
import { InstanceStore } from './instances/instance-store.js';
import { actionFromRecord } from './steps/recorded-action.js';
import type { ReminderPort, ReminderResult, ReminderTrigger } from './reminders/reminder-port.js';
import type { RuntimeEvents } from './runtime-events.js';
import { actionOps, dedupePuts, type StepContext } from './reminders/reminder-ops.js';
import { StepRunner } from './steps/step-runner.js';
import { WorkerHub, type WorkerHubOptions } from './remote/worker-hub.js';
import { startChild } from './lifecycle/child-start.js';
import { resolveStallBackoff, type StallRetryOptions } from './steps/stall-backoff.js';
import { resolveInlineLimits, type InlineActivityLimits } from './steps/inline-limits.js';
import { checkFailurePolicy, type WorkflowFailurePolicy } from '../engine/workflow-failure-policy.js';

export interface RuntimeCoreOptions {
  kv: KvStore;
  reminders: ReminderPort;
  namespace?: string;
  appId?: string;
  clock?: Clock;
  logger?: WorkflowLogger;
  /** Running instances whose executor stays in memory between steps. */
  cacheSize?: number;
  maxConcurrentActivities?: number;
  maxTxnOps?: number;
  /**
   * Activities run in-process as soon as the step that scheduled them commits; their reminder-job,
   * due this many seconds later, runs them again only if this replica died or stopped before the
   * result was recorded. 0: activities run from their reminders only. Default 30.
   */
  activityFallbackSeconds?: number;
  /** Events one generation's history may hold; a step past it fails the instance (default 50,000). */
  maxHistoryEvents?: number;
  /**
   * JSON bytes each workflow payload may have (activity and child inputs, activity results,
   * event data sent, custom status, continue-as-new input, workflow output); default 256 KiB.
   */
  maxPayloadBytes?: number;
  /**
   * How a stalled step (the code threw an error that is not a workflow failure) is retried: after
   * 1 s, doubling up to 5 min by default.
   */
  stallRetry?: StallRetryOptions;
  /**
   * Run workflows and activities that are not registered here in remote workers (Dapr and
   * Durable Task SDKs connected over gRPC, see `workerHub`). Off by default: an unregistered
   * workflow then stalls with WorkflowNotRegisteredError and an unregistered activity fails.
   */
  remoteWorkers?: boolean | WorkerHubOptions;
  /** How far a step goes on with inline activities before it commits (see `InlineActivityLimits`). */
  inlineActivities?: Partial<InlineActivityLimits>;
}

/**
 * How a workflow is registered: which errors escaping its code fail the instance rather than
 * stall the step (see `WorkflowFailurePolicy`; `{ failFast: true }` fails on every error).
 */
export type WorkflowRegistrationOptions = WorkflowFailurePolicy;

/** Instances remembered as waiting for a worker (see `#watchWaiting`). */
const MAX_WAITING_FOR_WORKER = 10_000;

/** Reminder data: instance, generation, the action's record (or records); `s` marks a start-only wake. */
type ReminderData = { i: string; g: number; ev?: string; evs?: string[]; s?: number };

/**
 * A workflow runtime replica: runs the steps and activities of the instances whose reminders its
 * timer-service replica owns. Everything durable goes through etcd; nothing lives only in memory.
 */
export class RuntimeCore extends EventEmitter<RuntimeEvents> {
  readonly namespace: string;
  readonly appId: string;
  /** @internal The timer service the runtime's reminder-jobs go through (`timers` on `WorkflowRuntime`). */
  readonly reminders: ReminderPort;
  readonly #kv: KvStore;
  readonly #clock: Clock;
  readonly #logger: WorkflowLogger;
  readonly #store: InstanceStore;
  readonly #commit: GroupCommit;
  readonly #steps: StepRunner;
  readonly #activityRunner: ActivityRunner;
  readonly #warnings: CoalescedWarnings;
  readonly #maxTxnOps: number;
  readonly #workflows = new Map<string, AnyWorkflow>();
  readonly #failurePolicies = new Map<string, WorkflowFailurePolicy>();
  readonly #activities = new Map<string, AnyActivity>();
  readonly #activityOverrides = new Map<string, AnyActivity>();
  /** This replica and process, named in the fallback reminders of its in-process activities. */
  readonly #runner: RunnerTag;
  /** Activities registered with `{ inline: true }`. */
  readonly #inlineActivities = new Set<string>();
  #unsubscribe: Array<() => void> = [];
  #started = false;
  /**
   * @internal The connected remote workers, when `remoteWorkers` is on: the gRPC face adds each
   * worker's `GetWorkItems` stream here and hands it their answers.
   */
  readonly workerHub: WorkerHub | undefined;
  /** Instances stalled for want of a worker, tried again as soon as one connects. */
  readonly #waitingForWorker = new Set<string>();

  constructor(options: RuntimeCoreOptions) {
    super();
    this.namespace = options.namespace ?? 'default';
    this.appId = options.appId ?? 'tickflow';
    this.reminders = options.reminders;
    this.#runner = { r: this.reminders.memberId, n: nanoid(8) };
    this.#kv = options.kv;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#maxTxnOps = options.maxTxnOps ?? MAX_TXN_OPS;
    this.#store = new InstanceStore(this.#kv, instanceKeys(this.namespace, this.appId));
    this.#commit = new GroupCommit(this.#kv, {
      maxOps: this.#maxTxnOps,
      onTxn: (event) => this.emit('storeCommit', event),
    });
    // One coalescer for every warning: in an outage each due reminder fails the same way, again on each retry.
    this.#warnings = new CoalescedWarnings({
      clock: this.#clock,
      emit: (error) => this.emit('warning', error),
    });
    const maxPayloadBytes = resolveMaxPayloadBytes(
      options.maxPayloadBytes,
      (allowed) => new WorkflowValidationError('maxPayloadBytes', options.maxPayloadBytes, allowed),
    );
    const hub =
      options.remoteWorkers === undefined || options.remoteWorkers === false
        ? undefined
        : new WorkerHub(options.remoteWorkers === true ? {} : options.remoteWorkers);
    this.workerHub = hub;
    if (hub) this.#watchWaiting(hub);
    this.#activityRunner = new ActivityRunner({
      ...(hub && { remote: hub }),
      maxPayloadBytes,
      activities: this.#activities,
      overrides: this.#activityOverrides,
      limit: new ConcurrencyLimit(options.maxConcurrentActivities ?? 256),
      clock: this.#clock,
      events: this,
      warn: (error) => this.#warnings.report(error),
      deliver: (instanceId, outcome) => this.#steps.deliver(instanceId, [outcome], false),
    });
    const fallbackSeconds = options.activityFallbackSeconds ?? 30;
    if (typeof fallbackSeconds !== 'number' || !Number.isFinite(fallbackSeconds) || fallbackSeconds < 0) {
      throw new WorkflowValidationError(
        'activityFallbackSeconds',
        fallbackSeconds,
        'a number of seconds >= 0',
      );
    }
    const fallbackMs = fallbackSeconds * 1000;
    const maxHistoryEvents = options.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
    if (!Number.isSafeInteger(maxHistoryEvents) || maxHistoryEvents < 1) {
      throw new WorkflowValidationError('maxHistoryEvents', maxHistoryEvents, 'an integer >= 1');
    }
    const stallBackoff = resolveStallBackoff(
      options.stallRetry,
      (field, value, allowed) => new WorkflowValidationError(field, value, allowed),
    );
    this.#steps = new StepRunner({
      ...(hub && { remote: hub }),
      stallBackoff,
      failurePolicy: (name) => this.#failurePolicies.get(name),
      store: this.#store,
      commit: this.#commit,
      reminders: this.reminders,
      workflows: this.#workflows,
      clock: this.#clock,
      events: this,
      logger: this.#logger,
      cacheSize: options.cacheSize ?? 10_000,
      maxTxnOps: this.#maxTxnOps,
      maxHistoryEvents,
      maxPayloadBytes,
      warn: (error) => this.#warnings.report(error),
      inline: {
        // While stopping, no new inline run starts: the step commits, the reminder runs it.
        isInline: (name) => this.#started && this.#inlineActivities.has(name),
        run: (instanceId, generation, a) =>
          this.#activityRunner.executeInline(activityCall(instanceId, generation, a)),
        limits: resolveInlineLimits(
          options.inlineActivities,
          (field, value, allowed) => new WorkflowValidationError(field, value, allowed),
        ),
      },
      // While stopping, new activities go out through their reminders, due at once.
      localActivityDelayMs: () => (this.#started ? fallbackMs : undefined),
      runner: this.#runner,
      onLocalActivities: (instanceId, generation, actions) => {
        for (const a of actions) this.#activityRunner.startLocal(activityCall(instanceId, generation, a));
      },
    });
  }

  /**
   * Registers a workflow under its function's `name`; returns the runtime, for chaining. Throws
   * `TypeError` for an anonymous function. A second registration under a name replaces the first.
   * `options` says which errors fail its instances (by default only uncaught TaskFailedError,
   * TaskCanceledError and WorkflowFailure; other errors stall the step, which is retried).
   */
  registerWorkflow(workflow: AnyWorkflow, options?: WorkflowRegistrationOptions): this {
    return this.registerWorkflowWithName(workflow.name, workflow, options);
  }

  /**
   * Registers a workflow under `name` (the name clients start it by); returns the runtime, for
   * chaining. Throws `TypeError` for an empty name and `WorkflowValidationError` for bad `options`.
   */
  registerWorkflowWithName(name: string, workflow: AnyWorkflow, options?: WorkflowRegistrationOptions): this {
    if (!name)
      throw new TypeError('a workflow needs a name: pass a named function or use registerWorkflowWithName');
    const policy = checkFailurePolicy(
      options,
      (field, value, allowed) => new WorkflowValidationError(field, value, allowed),
    );
    this.#workflows.set(name, workflow);
    this.#failurePolicies.set(name, policy);
    return this;
  }

  /**
   * Registers an activity under its function's `name`; returns the runtime, for chaining. Throws
   * `TypeError` for an anonymous function. A second registration under a name replaces the first.
   */
  registerActivity(activity: AnyActivity, options?: ActivityRegistrationOptions): this {
    return this.registerActivityWithName(activity.name, activity, options);
  }

  /**
   * Registers an activity under `name` (the name workflows call it by); returns the runtime, for
   * chaining. Throws `TypeError` for an empty name. `{ inline: true }` runs it inside the calling
   * step (see `ActivityRegistrationOptions`).
   */
  registerActivityWithName(name: string, activity: AnyActivity, options?: ActivityRegistrationOptions): this {
    if (!name)
      throw new TypeError('an activity needs a name: pass a named function or use registerActivityWithName');
    const inline = options?.inline ?? false;
    if (typeof inline !== 'boolean') throw new WorkflowValidationError('inline', inline, 'true or false');
    this.#activities.set(name, activity);
    if (inline) this.#inlineActivities.add(name);
    else this.#inlineActivities.delete(name);
    return this;
  }

  /** Replaces an activity by name (for tests); `undefined` removes the replacement. */
  overrideActivity(name: string, activity: AnyActivity | undefined): this {
    if (activity) this.#activityOverrides.set(name, activity);
    else this.#activityOverrides.delete(name);
    return this;
  }

  /** The names of the registered workflows. */
  get registeredWorkflows(): string[] {
    return [...this.#workflows.keys()];
  }

  /** The names of the registered activities. */
  get registeredActivities(): string[] {
    return [...this.#activities.keys()];
  }

  /** Transactions sent by this runtime's step commits (for benchmarks). */
  get txnCount(): number {
    return this.#commit.txnCount;
  }

  /** Instances whose executor is kept in memory between steps right now. */
  get cachedInstances(): number {
    return this.#steps.cachedInstances;
  }

  /**
   * Starts the replica: subscribes to the runtime's reminder-jobs and starts the timer service,
   * which joins the scope's replicas and takes its share of the partitions. Register workflows
   * and activities first. A second call does nothing.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.workerHub?.reopen();
    const on = (target: string, fn: (data: ReminderData, t: ReminderTrigger) => Promise<void>): void => {
      this.#unsubscribe.push(
        this.reminders.onTrigger(target, async (trigger): Promise<ReminderResult> => {
          const data = trigger.data as ReminderData | undefined;
          if (!data || typeof data.i !== 'string') return 'success'; // not ours to understand; never retry it
          try {
            await fn(data, trigger);
            return 'success';
          } catch (error) {
            this.#warnings.report(error instanceof Error ? error : new Error(String(error)));
            return 'failed';
          }
        }),
      );
    };
    on(ReminderTarget.wake, (d) => this.#steps.deliver(d.i, [], d.s !== 1));
    on(ReminderTarget.timer, (d) => this.#onTimer(d));
    on(ReminderTarget.activity, (d, trigger) =>
      this.#activityRunner.onReminder(trigger.name, scheduledCall(d.i, d.g, recorded(d, 'TaskScheduled'))),
    );
    on(ReminderTarget.child, (d) =>
      startChild(
        {
          store: this.#store,
          commit: this.#commit,
          ctx: () => this.#ctx(),
          deliver: (instanceId, event) => this.#steps.deliver(instanceId, [event], false),
        },
        d.i,
        d.g,
        recorded(d, 'ChildWorkflowCreated'),
      ),
    );
    on(ReminderTarget.dispatch, (d) => this.#onDispatch(d));
    on(ReminderTarget.fallback, async (d, trigger) => {
      const { rerun, orphaned } = await onActivityFallback(this.#fallbackDeps(), d.i, trigger.data);
      if (rerun > 0) this.emit(orphaned ? 'activitiesRecovered' : 'activitiesRerun', rerun);
    });
    this.#unsubscribe.push(
      recoverOrphanedActivities(this.reminders, this.#runner, (count) => {
        this.#logger.info(`running now the activities of ${count} workflow instances whose replica is gone`);
      }),
    );
    await this.reminders.start();
  }

  /**
   * Stops the replica: lets in-process activities finish and commits their results, then stops
   * the timer service, which hands its partitions to the other replicas. Does nothing when not
   * started.
   */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    // In-process activities finish and their results are committed before partitions are handed
    // over; otherwise the next owner would wait for their fallback reminders.
    // Remote items in flight or waiting for a worker are given up: their reminders retry them.
    this.workerHub?.close();
    await this.#activityRunner.drain();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    await this.reminders.stop();
    this.#steps.clearCache();
    this.#warnings.flush();
  }

  /** Keeps the set of instances waiting for a worker, and steps them when one connects. */
  #watchWaiting(hub: WorkerHub): void {
    this.on('stalled', ({ instanceId, failure }) => {
      if (failure.errorType !== 'WorkflowNotServedError' && failure.errorType !== 'WorkerUnavailableError')
        return;
      // Bounded: past it the rest are retried on their stall backoff alone.
      if (this.#waitingForWorker.size < MAX_WAITING_FOR_WORKER) this.#waitingForWorker.add(instanceId);
    });
    const done = (instanceId: string): void => void this.#waitingForWorker.delete(instanceId);
    this.on('stallCleared', done);
    this.on('completed', done);
    hub.on('connected', () => {
      if (!this.#started) return;
      const waiting = [...this.#waitingForWorker];
      this.#waitingForWorker.clear();
      for (const instanceId of waiting) {
        this.#steps.deliver(instanceId, [], true).catch((error: unknown) => {
          this.#warnings.report(error instanceof Error ? error : new Error(String(error)));
        });
      }
    });
  }

  #fallbackDeps(): FallbackHandlerDeps {
    return {
      store: this.#store,
      commit: this.#commit,
      reminders: this.reminders,
      clock: this.#clock,
      self: this.#runner,
      cachedState: (instanceId) => this.#steps.cachedState(instanceId),
      isRunning: (instanceId, generation, eventId) =>
        this.#activityRunner.isRunning(instanceId, generation, eventId),
      startLocal: (call) => this.#activityRunner.startLocal(call),
    };
  }

  #ctx(): StepContext {
    return { keys: this.#store.keys, reminders: this.reminders, now: new Date(this.#clock.now()) };
  }

  async #onTimer(d: ReminderData): Promise<void> {
    const created = recorded(d, 'TimerCreated');
    await this.#steps.deliver(
      d.i,
      [
        {
          type: 'TimerFired',
          timestamp: new Date(this.#clock.now()),
          eventId: created.eventId,
          fireAt: created.fireAt,
          generation: d.g,
        },
      ],
      false,
    );
  }

  /** Writes the reminders of a step whose actions did not fit its transaction, in batches. */
  async #onDispatch(d: ReminderData): Promise<void> {
    const ctx = this.#ctx();
    const ops = dedupePuts(
      (d.evs ?? []).flatMap((text) => {
        const action = actionFromRecord(deserializeEvent(text));
        return action ? actionOps(ctx, d.i, d.g, action) : [];
      }),
    );
    await Promise.all(
      txnBatches(ops, this.#maxTxnOps).map((batch) => this.#commit.submit({ guards: [], ops: batch })),
    );
  }
}

function recorded<K extends HistoryEvent['type']>(
  d: ReminderData,
  type: K,
): Extract<HistoryEvent, { type: K }> {
  const event = d.ev === undefined ? undefined : deserializeEvent(d.ev);
  if (!event || event.type !== type) throw new Error(`reminder for ${d.i} carries no ${type} record`);
  return event as Extract<HistoryEvent, { type: K }>;
}
