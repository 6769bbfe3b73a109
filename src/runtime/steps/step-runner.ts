import { StoreTooLargeError } from '../../etcd/errors.js';
import type { RunnerTag } from '../activities/runner-tag.js';
import { itemBytes, type CommitOutcome } from '../../etcd/group-commit.js';
import { ETCD_MAX_REQUEST_BYTES } from '../../etcd/store-limits.js';
import type { StoreGuard, StoreOp } from '../../etcd/store-op.js';
import type { HistoryEvent } from '../../history/events.js';
import type { WorkflowState } from '../../history/workflow-state.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../../history/status.js';
import type { ScheduleTaskAction } from '../../engine/actions.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { ExecutorCache } from './executor-cache.js';
import { historyLimitResult } from '../instances/history-limit.js';
import { inboxPortion, INBOX_STEP_BYTES } from '../instances/inbox-portion.js';
import { loadInstance } from '../instances/instance-loader.js';
import type { InstanceStore } from '../instances/instance-store.js';
import type { InstanceRecord } from '../instances/instance-record.js';
import { wakeOps } from '../reminders/reminder-ops.js';
import { openingEvent } from '../lifecycle/start-ops.js';
import { StepTooLargeError, stepTooLargeResult, unwritableStepResult } from './step-size-limit.js';
import { buildStepCommit, type StepCommit } from './step-ops.js';
import type { StepDeps } from '../step-deps.js';
import type { FailureDetails } from '../../history/failure-details.js';
import type { ExecutorOptions } from '../../engine/executor.js';
import { nextStallRecord, type StallBackoff } from './stall-backoff.js';
import { messageBatches, STALL_MESSAGE_BYTES, stalledStepOps, valueBytes } from './stall-ops.js';
import { WorkflowStalledError } from './stall-warning.js';
import type { RemoteStepper } from '../remote/remote-executor.js';
import { runInlineRounds, type InlineActivities } from './inline-rounds.js';
import { inlineCalls } from './inline-merge.js';
import { StepMailbox } from './step-mailbox.js';

export interface StepRunnerOptions extends StepDeps {
  cacheSize: number;
  maxTxnOps: number;
  /** Events one generation's history may hold; a step past it fails the instance. */
  maxHistoryEvents: number;
  /** JSON bytes each workflow payload may have (checked by the executor). */
  maxPayloadBytes: number;
  /** The failure policy of each registered workflow, by name (see `WorkflowFailurePolicy`). */
  failurePolicy?: ExecutorOptions['failurePolicy'];
  /** How a stalled step is retried. */
  stallBackoff: StallBackoff;
  /** Reports a warning (coalesced by the runtime): a step failed its instance for its size, or stalled. */
  warn?(error: Error): void;
  /**
   * Activities run in-process after their step commits, their reminders due this much later;
   * undefined (or 0): activities run from their reminders only.
   */
  localActivityDelayMs?(): number | undefined;
  /** This replica, named in the fallback reminders of the activities it runs in-process. */
  runner?: RunnerTag;
  /** Where the steps of workflows not registered here go (see `InstanceLoaderDeps.remote`). */
  remote?: RemoteStepper;
  /** Activities registered to run inside the step that calls them (see `runInlineRounds`). */
  inline?: InlineActivities;
  /** Called once a step that scheduled in-process activities committed. */
  onLocalActivities?(instanceId: string, generation: number, actions: ScheduleTaskAction[]): void;
}

/** Inbox messages consumed per step; more are taken by the next step right away. */
const INBOX_BATCH = 64;
const NO_MESSAGES: Awaited<ReturnType<InstanceStore['inbox']>> = {
  messages: [],
  unreadable: [],
  more: false,
};
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
  readonly #mailbox: StepMailbox;

  constructor(options: StepRunnerOptions) {
    this.#o = options;
    this.#cache = new ExecutorCache(options.cacheSize);
    this.#mailbox = new StepMailbox(
      (instanceId, events, readInbox) => this.#runSteps(instanceId, events, readInbox),
      (instanceId) => this.#cache.delete(instanceId),
    );
  }

  get cachedInstances(): number {
    return this.#cache.size;
  }

  /** What history says of `instanceId` as its cached executor has it; undefined when not cached here. */
  cachedState(instanceId: string): WorkflowState | undefined {
    return this.#cache.get(instanceId)?.executor.state;
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
    return this.#mailbox.deliver(instanceId, events, readInbox);
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
    const { store } = this.#o;
    const commit = (ops: StoreOp[]): Promise<CommitOutcome> => this.#commit(guard, ops);
    const cached = this.#cache.get(instanceId) ?? (await loadInstance(this.#o, instanceId));
    if (!cached) return 'done';
    const { record } = cached;
    // A stalled instance's inbox holds what its failed attempts took in: every attempt needs it.
    const inbox = readInbox || record.stalled ? await store.inbox(instanceId, INBOX_BATCH) : NO_MESSAGES;
    // A running instance takes its inbox in byte-bounded portions: every message taken lands in
    // this step's one transaction. A finished one only deletes them, so it takes the whole page.
    const portion = isTerminalStatus(record.status)
      ? inbox.messages
      : inboxPortion(inbox.messages, INBOX_STEP_BYTES);
    const consumed = [...portion.map((m) => m.key), ...inbox.unreadable];
    const more = inbox.more || portion.length < inbox.messages.length ? 'more' : 'done';
    const guard = { key: store.keys.record(instanceId), modRevision: cached.modRevision };

    if (isTerminalStatus(record.status)) {
      // Late messages for a finished instance change nothing; they are only cleared away.
      if (consumed.length === 0) return 'done';
      const result = await commit(consumed.map((key) => ({ op: 'delete', key })));
      if (!result.succeeded) this.#cache.delete(instanceId);
      return result.succeeded ? more : 'conflict';
    }
    // A PENDING record stands for its ExecutionStarted, which the first step appends.
    const opening = record.status === WorkflowRuntimeStatus.PENDING ? [openingEvent(record)] : [];
    const incoming = [...opening, ...portion.map((m) => m.event), ...local];
    // A stalled instance's retry may bring nothing new: the attempt is the point of it.
    if (incoming.length === 0 && consumed.length === 0 && !record.stalled) return 'done';

    const now = new Date(this.#o.clock.now());
    const startAt = record.status === WorkflowRuntimeStatus.PENDING ? record.scheduledStartAt : undefined;
    if (startAt !== undefined && startAt > now.getTime() && !incoming.some(isTermination)) {
      // A message for a delayed instance re-armed its wake to "now": it must still not start early.
      // Messages wait in the inbox; the wake goes back to the start time. Only a terminate is
      // taken at once.
      const ctx = { keys: store.keys, reminders: this.#o.reminders, now };
      const rearmed = await commit(wakeOps(ctx, instanceId, new Date(startAt)));
      if (!rearmed.succeeded) this.#cache.delete(instanceId);
      return rearmed.succeeded ? 'done' : 'conflict';
    }
    let result;
    /** Set when inline rounds left the executor unusable after this step (see `runInlineRounds`). */
    let executorSpent = false;
    let leftovers: HistoryEvent[] = [];
    try {
      result = await cached.executor.step([{ type: 'OrchestratorStarted', timestamp: now }, ...incoming]);
      const inline = this.#o.inline;
      // Workflows run by remote workers are left out: each round would be a round trip to one.
      const goesOn = inline !== undefined && inlineCalls(result, inline.isInline).length > 0;
      if (goesOn && this.#o.workflows.get(record.name) !== undefined) {
        ({ result, executorSpent, leftovers } = await runInlineRounds({
          executor: cached.executor,
          first: result,
          instanceId,
          generation: record.generation,
          storedEvents: record.events,
          maxHistoryEvents: this.#o.maxHistoryEvents,
          inline,
          clock: this.#o.clock,
        }));
      }
    } catch (error) {
      this.#cache.delete(instanceId);
      throw error;
    }
    if (result.stalled) {
      const requeue = [...opening, ...local];
      return this.#stall(instanceId, record, guard, result.stalled, requeue, inbox.unreadable, now);
    }
    // A stalled instance's first good attempt is committed even when it adds nothing: it clears the stall.
    if (isNoOp(result) && !record.stalled) {
      // Only duplicates or late deliveries: appending the step's OrchestratorStarted alone would
      // make history depend on how often something was delivered. Still commit under the guard: a
      // stale cached executor may have refused an event the stored instance would accept.
      const checked = await commit(consumed.map((key) => ({ op: 'delete', key })));
      if (!checked.succeeded) {
        this.#cache.delete(instanceId);
        return 'conflict';
      }
      for (const warning of result.warnings) this.#o.logger.warn(`${instanceId}: ${warning.message}`);
      return more;
    }
    const limited = historyLimitResult(record, result, now, this.#o.maxHistoryEvents);
    if (limited)
      this.#o.logger.error(`${instanceId}: history limit of ${this.#o.maxHistoryEvents} events reached`);
    const build = (stepResult: ExecutionResult, from: InstanceRecord = record): StepCommit =>
      buildStepCommit({
        ctx: { keys: store.keys, reminders: this.#o.reminders, now, runner: this.#o.runner },
        record: from,
        chunks: cached.chunks,
        result: stepResult,
        consumedInbox: consumed,
        maxOps: this.#o.maxTxnOps,
        localActivityDelayMs: this.#o.localActivityDelayMs?.() ?? 0,
      });
    let stepped = limited ?? result;
    let built: StepCommit;
    try {
      built = build(stepped);
    } catch (error) {
      // Building is pure: what fails now fails on every retry. The instance fails instead.
      stepped = unwritableStepResult(record, result, now, error);
      this.#o.logger.error(`${instanceId}: ${failureMessage(stepped)}`);
      this.#o.warn?.(new StepTooLargeError(error instanceof Error ? error.message : String(error)));
      built = build(stepped);
    }
    let outcome: CommitOutcome;
    try {
      outcome = await this.#commitSized(guard, built.ops);
    } catch (error) {
      if (!(error instanceof StoreTooLargeError)) throw error;
      // The same writes would be refused the same way on every retry: fail the instance instead,
      // with a step that writes little (the failure, the consumed inbox, cancelled timers).
      const bytes = itemBytes({ guards: [guard], ops: built.ops });
      // Under the limit by this estimate, yet refused: etcd runs with a smaller --max-request-bytes.
      const detail =
        bytes > ETCD_MAX_REQUEST_BYTES
          ? "etcd's --max-request-bytes"
          : `etcd refused it: ${String(error.value)}`;
      stepped = stepTooLargeResult(record, result, now, bytes, ETCD_MAX_REQUEST_BYTES, detail);
      this.#o.logger.error(`${instanceId}: ${failureMessage(stepped)}`);
      this.#o.warn?.(new StepTooLargeError(`${bytes} bytes, over ${detail} of ${ETCD_MAX_REQUEST_BYTES}`));
      built = build(stepped);
      try {
        outcome = await commit(built.ops);
      } catch (again) {
        if (!(again instanceof StoreTooLargeError)) throw again;
        // Even the failure does not fit: the record's own payloads are too large (an input stored
        // before limits were checked). The failure is recorded without them rather than never.
        const slim: InstanceRecord = { ...record };
        delete slim.input;
        delete slim.customStatus;
        built = build({ ...stepped, customStatus: undefined }, slim);
        outcome = await commit(built.ops);
      }
    }
    if (!outcome.succeeded) {
      // Someone else moved the instance on (another replica, a purge): replay from what is stored.
      this.#cache.delete(instanceId);
      return 'conflict';
    }
    const toStart =
      leftovers.length === 0
        ? built.localActivities
        : this.#deliverLeftovers(built.localActivities, instanceId, leftovers);
    if (toStart.length > 0) this.#o.onLocalActivities?.(instanceId, record.generation, toStart);
    for (const warning of stepped.warnings) this.#o.logger.warn(`${instanceId}: ${warning.message}`);
    this.#o.events.emit('step', {
      instanceId,
      status: built.record.status,
      events: stepped.newHistory.length,
      actions: stepped.actions.length,
    });
    if (built.restarted || isTerminalStatus(built.record.status) || executorSpent) {
      this.#cache.delete(instanceId);
    } else {
      this.#cache.set(instanceId, {
        executor: cached.executor,
        record: built.record,
        modRevision: outcome.revision,
        chunks: built.chunks,
      });
    }
    if (record.stalled) {
      this.#o.logger.info(`${instanceId}: resumed after ${record.stalled.attempts} stalled attempts`);
      this.#o.events.emit('stallCleared', instanceId, record.stalled.attempts);
    }
    if (isTerminalStatus(built.record.status))
      this.#o.events.emit('completed', instanceId, built.record.status);
    return built.restarted ? 'more' : more;
  }

  /**
   * Hands the outcomes of inline calls that did not fit their step to the instance's next steps;
   * returns the step's other in-process activities, which are still to start.
   */
  #deliverLeftovers(
    local: ScheduleTaskAction[],
    instanceId: string,
    leftovers: HistoryEvent[],
  ): ScheduleTaskAction[] {
    const ran = new Set<number>();
    for (const outcome of leftovers) {
      if (!('eventId' in outcome)) continue;
      ran.add(outcome.eventId);
      // Should this fail, the instance's fallback reminder runs the activity again: nothing is lost.
      this.deliver(instanceId, [outcome], false).catch((error: unknown) =>
        this.#o.warn?.(error instanceof Error ? error : new Error(String(error))),
      );
    }
    return local.filter((a) => !ran.has(a.id));
  }

  /**
   * Commits a stalled attempt (see `stalledStepOps`): nothing of what the code did, only the stall
   * and what the attempt took in, for the retry at the next backoff. The executor is spent.
   */
  async #stall(
    instanceId: string,
    record: InstanceRecord,
    guard: StoreGuard,
    failure: FailureDetails,
    requeue: HistoryEvent[],
    unreadable: string[],
    now: Date,
  ): Promise<'done' | 'conflict'> {
    this.#cache.delete(instanceId);
    const stall = nextStallRecord(record.stalled, failure, now.getTime(), this.#o.stallBackoff);
    const ctx = { keys: this.#o.store.keys, reminders: this.#o.reminders, now };
    const built = stalledStepOps(ctx, record, stall, requeue, unreadable);
    const { maxTxnOps, commit } = this.#o;
    const fits =
      built.ops.length + built.messages.length <= maxTxnOps &&
      valueBytes(built.messages) <= STALL_MESSAGE_BYTES;
    if (!fits) {
      // Too many or too large to go with the stall (a burst of results): the messages go first,
      // in batches. Should the stall then lose its race, the step runs again with the same events
      // and finds them in the inbox as well: the executor ignores the duplicates.
      for (const batch of messageBatches(built.messages, maxTxnOps)) {
        await commit.submit({ guards: [], ops: batch });
      }
    }
    const outcome = await this.#commit(guard, fits ? [...built.messages, ...built.ops] : built.ops);
    if (!outcome.succeeded) return 'conflict';
    const nextRetryAt = new Date(stall.nextRetryAt);
    if (stall.attempts === 1) {
      this.#o.logger.warn(
        `${instanceId}: workflow ${JSON.stringify(record.name)} stalled on ${failure.errorType}: ` +
          `${failure.message}; retried with backoff, next at ${nextRetryAt.toISOString()}`,
      );
    }
    this.#o.warn?.(new WorkflowStalledError(instanceId, record.name, failure));
    this.#o.events.emit('stalled', {
      instanceId,
      workflowName: record.name,
      failure,
      attempts: stall.attempts,
      nextRetryAt,
    });
    return 'done';
  }

  /**
   * Like `#commit`, but a step whose writes cannot fit one etcd request is refused here with
   * StoreTooLargeError, without sending megabytes that etcd would refuse anyway.
   */
  #commitSized(guard: StoreGuard, ops: StoreOp[]): Promise<CommitOutcome> {
    const bytes = itemBytes({ guards: [guard], ops });
    if (bytes > ETCD_MAX_REQUEST_BYTES) {
      const detail = `about ${bytes} bytes, over etcd's --max-request-bytes (${ETCD_MAX_REQUEST_BYTES})`;
      return Promise.reject(new StoreTooLargeError('txn', detail));
    }
    return this.#commit(guard, ops);
  }

  /** Commits a step's `ops` under its guard (in a shared transaction, see `GroupCommit`). */
  #commit(guard: StoreGuard, ops: StoreOp[]): Promise<CommitOutcome> {
    return this.#o.commit.submit({ guards: [guard], ops });
  }
}

/** The failure message of a step that fails its instance. */
function failureMessage(result: ExecutionResult): string {
  const final = result.actions[result.actions.length - 1];
  return final?.type === 'CompleteWorkflow' ? (final.failureDetails?.message ?? '') : '';
}

function isTermination(event: HistoryEvent): boolean {
  return event.type === 'ExecutionTerminated';
}

/** A step that accepted nothing but its own OrchestratorStarted and asks for nothing. */
function isNoOp(result: ExecutionResult): boolean {
  return result.actions.length === 0 && result.newHistory.every((e) => e.type === 'OrchestratorStarted');
}
