import { EventEmitter } from 'eventemitter3';
import { systemClock, type Clock } from '../../common/clock.js';
import { GroupCommit } from '../../etcd/group-commit.js';
import type { KvStore } from '../../etcd/kv-store.js';
import { MAX_TXN_OPS } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import { toFailureDetails } from '../../history/failure-details.js';
import { isTerminalStatus } from '../../history/status.js';
import { deserializeEvent } from '../../history/serialize.js';
import type { WorkflowLogger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { AnyWorkflow } from '../workflow-context.js';
import type { AnyActivity, WorkflowActivityContext } from './activity-types.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { instanceKeys, ReminderTarget } from './instance-keys.js';
import { InstanceStore, type LoadedInstance } from './instance-store.js';
import { actionFromRecord } from './recorded-action.js';
import type { ReminderPort, ReminderResult, ReminderTrigger } from './reminder-port.js';
import type { RuntimeEvents } from './runtime-events.js';
import { startInstanceOps } from './start-ops.js';
import { actionOps, dedupePuts, type StepContext } from './step-ops.js';
import { StepRunner } from './step-runner.js';
import { WorkflowAlreadyExistsError } from './workflow-errors.js';

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
}

type ReminderData = { i: string; g: number; ev?: string; evs?: string[] };

/**
 * A workflow runtime replica: runs the steps and activities of the instances whose reminders its
 * timer-service replica owns. Everything durable goes through etcd; nothing lives only in memory.
 */
export class RuntimeCore extends EventEmitter<RuntimeEvents> {
  readonly namespace: string;
  readonly appId: string;
  readonly reminders: ReminderPort;
  readonly #kv: KvStore;
  readonly #clock: Clock;
  readonly #logger: WorkflowLogger;
  readonly #store: InstanceStore;
  readonly #commit: GroupCommit;
  readonly #steps: StepRunner;
  readonly #activityLimit: ConcurrencyLimit;
  readonly #maxTxnOps: number;
  readonly #workflows = new Map<string, AnyWorkflow>();
  readonly #activities = new Map<string, AnyActivity>();
  readonly #activityOverrides = new Map<string, AnyActivity>();
  #unsubscribe: Array<() => void> = [];
  #started = false;

  constructor(options: RuntimeCoreOptions) {
    super();
    this.namespace = options.namespace ?? 'default';
    this.appId = options.appId ?? 'tickflow';
    this.reminders = options.reminders;
    this.#kv = options.kv;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#maxTxnOps = options.maxTxnOps ?? MAX_TXN_OPS;
    this.#store = new InstanceStore(this.#kv, instanceKeys(this.namespace, this.appId));
    this.#commit = new GroupCommit(this.#kv, { maxOps: this.#maxTxnOps });
    this.#activityLimit = new ConcurrencyLimit(options.maxConcurrentActivities ?? 256);
    this.#steps = new StepRunner({
      store: this.#store,
      commit: this.#commit,
      reminders: this.reminders,
      workflows: this.#workflows,
      clock: this.#clock,
      events: this,
      logger: this.#logger,
      cacheSize: options.cacheSize ?? 10_000,
      maxTxnOps: this.#maxTxnOps,
    });
  }

  registerWorkflow(workflow: AnyWorkflow): this {
    return this.registerWorkflowWithName(workflow.name, workflow);
  }

  registerWorkflowWithName(name: string, workflow: AnyWorkflow): this {
    if (!name)
      throw new TypeError('a workflow needs a name: pass a named function or use registerWorkflowWithName');
    this.#workflows.set(name, workflow);
    return this;
  }

  registerActivity(activity: AnyActivity): this {
    return this.registerActivityWithName(activity.name, activity);
  }

  registerActivityWithName(name: string, activity: AnyActivity): this {
    if (!name)
      throw new TypeError('an activity needs a name: pass a named function or use registerActivityWithName');
    this.#activities.set(name, activity);
    return this;
  }

  /** Replaces an activity by name (for tests); `undefined` removes the replacement. */
  overrideActivity(name: string, activity: AnyActivity | undefined): this {
    if (activity) this.#activityOverrides.set(name, activity);
    else this.#activityOverrides.delete(name);
    return this;
  }

  get registeredWorkflows(): string[] {
    return [...this.#workflows.keys()];
  }

  get registeredActivities(): string[] {
    return [...this.#activities.keys()];
  }

  /** Transactions sent by this runtime's step commits (for benchmarks). */
  get txnCount(): number {
    return this.#commit.txnCount;
  }

  get cachedInstances(): number {
    return this.#steps.cachedInstances;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const on = (target: string, fn: (data: ReminderData, t: ReminderTrigger) => Promise<void>): void => {
      this.#unsubscribe.push(
        this.reminders.onTrigger(target, async (trigger): Promise<ReminderResult> => {
          const data = trigger.data as ReminderData | undefined;
          if (!data || typeof data.i !== 'string') return 'success'; // not ours to understand; never retry it
          try {
            await fn(data, trigger);
            return 'success';
          } catch (error) {
            this.emit('warning', error instanceof Error ? error : new Error(String(error)));
            return 'failed';
          }
        }),
      );
    };
    on(ReminderTarget.wake, (d) => this.#steps.deliver(d.i, [], true));
    on(ReminderTarget.timer, (d) => this.#onTimer(d));
    on(ReminderTarget.activity, (d) => this.#onActivity(d));
    on(ReminderTarget.child, (d) => this.#onChild(d));
    on(ReminderTarget.dispatch, (d) => this.#onDispatch(d));
    await this.reminders.start();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    await this.reminders.stop();
    this.#steps.clearCache();
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

  async #onActivity(d: ReminderData): Promise<void> {
    const scheduled = recorded(d, 'TaskScheduled');
    const activity = this.#activityOverrides.get(scheduled.name) ?? this.#activities.get(scheduled.name);
    const attempt = scheduled.attempt ?? 1;
    let outcome: HistoryEvent;
    const base = { timestamp: new Date(), eventId: scheduled.eventId, generation: d.g };
    if (!activity) {
      outcome = {
        type: 'TaskFailed',
        ...base,
        failureDetails: {
          errorType: 'ActivityNotRegisteredError',
          message: `activity ${JSON.stringify(scheduled.name)} is not registered with this runtime; registered: ${[...this.#activities.keys()].join(', ') || 'none'}`,
          nonRetryable: true,
        },
      };
    } else {
      const ctx: WorkflowActivityContext = {
        getWorkflowInstanceId: () => d.i,
        getWorkflowActivityId: () => scheduled.eventId,
        getAttempt: () => attempt,
      };
      this.emit('activityStarted', d.i, scheduled.name, attempt);
      outcome = await this.#activityLimit.run(async (): Promise<HistoryEvent> => {
        try {
          const result = await activity(ctx, scheduled.input as never);
          this.emit('activityFinished', d.i, scheduled.name, true);
          return {
            type: 'TaskCompleted',
            ...base,
            timestamp: new Date(this.#clock.now()),
            ...(result !== undefined && { result }),
          };
        } catch (error) {
          this.emit('activityFinished', d.i, scheduled.name, false);
          return {
            type: 'TaskFailed',
            ...base,
            timestamp: new Date(this.#clock.now()),
            failureDetails: toFailureDetails(error),
          };
        }
      });
    }
    await this.#steps.deliver(d.i, [outcome], false);
  }

  /**
   * Creates the child instance. A child this very call created already (a repeated delivery) is
   * left alone; a finished instance holding the id (e.g. the child of an earlier generation) is
   * replaced, as `scheduleNewWorkflow` would; a running instance of someone else's fails the call.
   */
  async #onChild(d: ReminderData): Promise<void> {
    const created = recorded(d, 'ChildWorkflowCreated');
    const parent = await this.#store.load(d.i);
    if (!parent || parent.record.generation !== d.g || isTerminalStatus(parent.record.status)) return;
    const isOurs = (loaded: LoadedInstance | undefined): boolean => {
      const p = loaded?.record.parent;
      return p !== undefined && p.instanceId === d.i && p.generation === d.g && p.taskId === created.eventId;
    };
    const existing = await this.#store.load(created.instanceId);
    if (isOurs(existing)) return;
    if (existing && !isTerminalStatus(existing.record.status)) {
      await this.#steps.deliver(
        d.i,
        [
          {
            type: 'ChildWorkflowFailed',
            timestamp: new Date(this.#clock.now()),
            eventId: created.eventId,
            generation: d.g,
            failureDetails: {
              errorType: 'WorkflowAlreadyExistsError',
              message: new WorkflowAlreadyExistsError(created.instanceId, existing.record.status).message,
              nonRetryable: true,
            },
          },
        ],
        false,
      );
      return;
    }
    const { guards, ops } = startInstanceOps(
      this.#ctx(),
      {
        instanceId: created.instanceId,
        name: created.name,
        input: created.input,
        parent: { name: parent.record.name, instanceId: d.i, generation: d.g, taskId: created.eventId },
      },
      existing && { modRevision: existing.modRevision, generation: existing.record.generation },
    );
    const result = await this.#commit.submit({ guards, ops });
    // Lost a race: fine if the winner was this same call (a concurrent duplicate); else try again.
    if (!result.succeeded && !isOurs(await this.#store.load(created.instanceId))) {
      throw new Error(`child workflow ${created.instanceId} changed while being created; will retry`);
    }
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
    const batches = [];
    for (let i = 0; i < ops.length; i += this.#maxTxnOps) {
      batches.push(this.#commit.submit({ guards: [], ops: ops.slice(i, i + this.#maxTxnOps) }));
    }
    await Promise.all(batches);
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
