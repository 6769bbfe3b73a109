import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../../common/clock.js';
import type { GroupCommit } from '../../etcd/group-commit.js';
import type { StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../../history/status.js';
import type { ExecutionResult } from '../execution-result.js';
import { WorkflowExecutor, type WorkflowLookup } from '../executor.js';
import type { WorkflowLogger } from '../logger.js';
import { ExecutorCache, type CachedInstance } from './executor-cache.js';
import { openingEvent } from './start-ops.js';
import { buildStepCommit, wakeOps } from './step-ops.js';
import { CorruptHistoryError, type InstanceStore } from './instance-store.js';
import type { ReminderPort } from './reminder-port.js';
import type { RuntimeEvents } from './runtime-events.js';

export interface StepRunnerOptions {
  store: InstanceStore;
  commit: GroupCommit;
  reminders: ReminderPort;
  workflows: WorkflowLookup;
  clock: Clock;
  events: EventEmitter<RuntimeEvents>;
  logger: WorkflowLogger;
  cacheSize: number;
  maxTxnOps: number;
}

interface Mailbox {
  pending: HistoryEvent[];
  /** Some delivery (a wake) asked for the inbox to be read. */
  readInbox: boolean;
  waiters: Array<{ resolve(): void; reject(error: unknown): void }>;
}

/** Inbox messages consumed per step; more are taken by the next step right away. */
const INBOX_BATCH = 64;
const NO_MESSAGES: Awaited<ReturnType<InstanceStore['inbox']>> = { messages: [], unreadable: [] };
/** Lost races in a row before a delivery is reported failed (and retried by its reminder). */
const MAX_CONFLICTS = 25;

/**
 * Runs workflow steps: load (or take from cache), replay, commit in one guarded transaction.
 * Deliveries for one instance queue up while its step runs and go into the next step together,
 * so a burst of results costs one step, and steps of many instances share transactions.
 */
export class StepRunner {
  readonly #o: StepRunnerOptions;
  readonly #cache: ExecutorCache;
  readonly #mailboxes = new Map<string, Mailbox>();

  constructor(options: StepRunnerOptions) {
    this.#o = options;
    this.#cache = new ExecutorCache(options.cacheSize);
  }

  get cachedInstances(): number {
    return this.#cache.size;
  }

  clearCache(): void {
    this.#cache.clear();
  }

  /**
   * Resolves once `events` (and, with `readInbox`, the messages in the instance's inbox) are
   * committed to history, or dropped.
   *
   * Only wake-ups read the inbox; a step for an in-process delivery (an activity result, a timer)
   * skips that etcd read. That is safe because every message is put into an inbox in the same txn
   * that re-arms the instance's wake reminder (`deliverOps`, continue-as-new), and the wake job is
   * deleted only after a step that read the inbox committed, guarded by the job's revision (a
   * message re-arming it meanwhile makes a new incarnation that fires again). So a message waits
   * at most for its own wake-up, never forever.
   */
  deliver(instanceId: string, events: HistoryEvent[], readInbox: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let mailbox = this.#mailboxes.get(instanceId);
      const start = !mailbox;
      if (!mailbox) {
        mailbox = { pending: [], readInbox: false, waiters: [] };
        this.#mailboxes.set(instanceId, mailbox);
      }
      mailbox.pending.push(...events);
      mailbox.readInbox ||= readInbox;
      mailbox.waiters.push({ resolve, reject });
      if (start) void this.#drain(instanceId, mailbox);
    });
  }

  async #drain(instanceId: string, mailbox: Mailbox): Promise<void> {
    while (mailbox.waiters.length > 0) {
      const events = mailbox.pending;
      const waiters = mailbox.waiters;
      const readInbox = mailbox.readInbox;
      mailbox.pending = [];
      mailbox.waiters = [];
      mailbox.readInbox = false;
      try {
        await this.#runSteps(instanceId, events, readInbox);
        for (const w of waiters) w.resolve();
      } catch (error) {
        this.#cache.delete(instanceId);
        for (const w of waiters) w.reject(error);
      }
    }
    this.#mailboxes.delete(instanceId);
  }

  async #runSteps(instanceId: string, local: HistoryEvent[], readInbox: boolean): Promise<void> {
    let pending = local;
    let read = readInbox;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS;) {
      const outcome = await this.#step(instanceId, pending, read);
      if (outcome === 'conflict') {
        conflicts++;
        continue;
      }
      if (outcome === 'more') {
        pending = [];
        read = true;
        continue;
      }
      return;
    }
    throw new Error(`workflow ${instanceId}: gave up after ${MAX_CONFLICTS} conflicting commits`);
  }

  async #step(
    instanceId: string,
    local: HistoryEvent[],
    readInbox: boolean,
  ): Promise<'done' | 'more' | 'conflict'> {
    const { store, commit } = this.#o;
    const cached = this.#cache.get(instanceId) ?? (await this.#load(instanceId));
    if (!cached) return 'done';
    const { record } = cached;
    const inbox = readInbox ? await store.inbox(instanceId, INBOX_BATCH) : NO_MESSAGES;
    const consumed = [...inbox.messages.map((m) => m.key), ...inbox.unreadable];
    const more = inbox.messages.length + inbox.unreadable.length >= INBOX_BATCH ? 'more' : 'done';
    const guard = { key: store.keys.record(instanceId), modRevision: cached.modRevision };

    if (isTerminalStatus(record.status)) {
      // Late messages for a finished instance change nothing; they are only cleared away.
      if (consumed.length === 0) return 'done';
      const ops: StoreOp[] = consumed.map((key) => ({ op: 'delete', key }));
      const result = await commit.submit({ guards: [guard], ops });
      if (!result.succeeded) this.#cache.delete(instanceId);
      return result.succeeded ? more : 'conflict';
    }
    // A PENDING record stands for its ExecutionStarted, which the first step appends.
    const opening = record.status === WorkflowRuntimeStatus.PENDING ? [openingEvent(record)] : [];
    const incoming = [...opening, ...inbox.messages.map((m) => m.event), ...local];
    if (incoming.length === 0 && consumed.length === 0) return 'done';

    const now = new Date(this.#o.clock.now());
    const startAt = record.status === WorkflowRuntimeStatus.PENDING ? record.scheduledStartAt : undefined;
    if (startAt !== undefined && startAt > now.getTime() && !incoming.some(isTermination)) {
      // A message for a delayed instance re-armed its wake to "now": it must still not start early.
      // Messages wait in the inbox; the wake goes back to the start time. Only a terminate is
      // taken at once.
      const ctx = { keys: store.keys, reminders: this.#o.reminders, now };
      const rearmed = await commit.submit({
        guards: [guard],
        ops: wakeOps(ctx, instanceId, new Date(startAt)),
      });
      if (!rearmed.succeeded) this.#cache.delete(instanceId);
      return rearmed.succeeded ? 'done' : 'conflict';
    }
    let result;
    try {
      result = await cached.executor.step([{ type: 'OrchestratorStarted', timestamp: now }, ...incoming]);
    } catch (error) {
      this.#cache.delete(instanceId);
      throw error;
    }
    if (isNoOp(result)) {
      // Only duplicates or late deliveries: appending the step's OrchestratorStarted alone would
      // make history depend on how often something was delivered. Still commit under the guard: a
      // stale cached executor may have refused an event the stored instance would accept.
      const ops: StoreOp[] = consumed.map((key) => ({ op: 'delete', key }));
      const checked = await commit.submit({ guards: [guard], ops });
      if (!checked.succeeded) {
        this.#cache.delete(instanceId);
        return 'conflict';
      }
      for (const warning of result.warnings) this.#o.logger.warn(`${instanceId}: ${warning.message}`);
      return more;
    }
    const built = buildStepCommit({
      ctx: { keys: store.keys, reminders: this.#o.reminders, now },
      record,
      chunks: cached.chunks,
      result,
      consumedInbox: consumed,
      maxOps: this.#o.maxTxnOps,
    });
    const outcome = await commit.submit({ guards: [guard], ops: built.ops });
    if (!outcome.succeeded) {
      // Someone else moved the instance on (another replica, a purge): replay from what is stored.
      this.#cache.delete(instanceId);
      return 'conflict';
    }
    for (const warning of result.warnings) this.#o.logger.warn(`${instanceId}: ${warning.message}`);
    this.#o.events.emit('step', {
      instanceId,
      status: built.record.status,
      events: result.newHistory.length,
      actions: result.actions.length,
    });
    if (built.restarted || isTerminalStatus(built.record.status)) {
      this.#cache.delete(instanceId);
    } else {
      this.#cache.set(instanceId, {
        executor: cached.executor,
        record: built.record,
        modRevision: outcome.revision,
        chunks: built.chunks,
      });
    }
    if (isTerminalStatus(built.record.status))
      this.#o.events.emit('completed', instanceId, built.record.status);
    return built.restarted ? 'more' : more;
  }

  async #load(instanceId: string): Promise<CachedInstance | undefined> {
    const loaded = await this.#o.store.load(instanceId);
    if (!loaded) return undefined;
    const { record, modRevision } = loaded;
    const executor = new WorkflowExecutor(this.#o.workflows, { logger: this.#o.logger });
    if (isTerminalStatus(record.status))
      return { executor, record, modRevision, chunks: { chunks: record.chunks, tail: [] } };
    let events: HistoryEvent[] = [];
    try {
      // A new instance has no history yet: skip the read.
      if (record.chunks > 0) events = await this.#o.store.history(instanceId);
    } catch (error) {
      if (!(error instanceof CorruptHistoryError)) throw error;
      await this.#failCorrupt(instanceId, modRevision, record, error);
      return undefined;
    }
    await executor.replay(events);
    const tail = record.tailEvents > 0 ? events.slice(-record.tailEvents) : [];
    return { executor, record, modRevision, chunks: { chunks: record.chunks, tail } };
  }

  /** A history that cannot be read fails its instance with the reason; the process goes on. */
  async #failCorrupt(
    instanceId: string,
    modRevision: number,
    record: CachedInstance['record'],
    error: CorruptHistoryError,
  ): Promise<void> {
    this.#o.logger.error(error.message);
    const failed = {
      ...record,
      status: WorkflowRuntimeStatus.FAILED,
      lastUpdatedAt: this.#o.clock.now(),
      failureDetails: { errorType: error.name, message: error.message, nonRetryable: true },
    };
    await this.#o.commit.submit({
      guards: [{ key: this.#o.store.keys.record(instanceId), modRevision }],
      ops: [
        { op: 'put', key: this.#o.store.keys.record(instanceId), value: JSON.stringify(failed) },
        ...this.#o.reminders.deleteJobPrefixOps(`wf~${instanceId}~`, instanceId),
      ],
    });
    this.#o.events.emit('completed', instanceId, WorkflowRuntimeStatus.FAILED);
  }
}

function isTermination(event: HistoryEvent): boolean {
  return event.type === 'ExecutionTerminated';
}

/** A step that accepted nothing but its own OrchestratorStarted and asks for nothing. */
function isNoOp(result: ExecutionResult): boolean {
  return result.actions.length === 0 && result.newHistory.every((e) => e.type === 'OrchestratorStarted');
}
