import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../common/clock.js';
import { GroupCommit, type StoreCommitEvent } from '../etcd/group-commit.js';
import type { KvStore } from '../etcd/kv-store.js';
import type { StoreOp } from '../etcd/store-op.js';
import type { HistoryEvent } from '../history/events.js';
import { normalizePayload } from '../history/serialize.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../history/status.js';
import type { AnyWorkflow } from '../engine/workflow-context.js';
import { checkPayload, payloadBytes, resolveMaxPayloadBytes } from '../engine/payload-limit.js';
import { directTerminationOps } from './lifecycle/direct-termination.js';
import { instanceKeys, INSTANCE_ID_ALLOWED, isValidInstanceId } from './instances/instance-keys.js';
import type { InstanceRecord } from './instances/instance-record.js';
import { CorruptHistoryError, InstanceStore, type LoadedInstance } from './instances/instance-store.js';
import { checkPendingEvents } from './instances/pending-events.js';
import { isUnknownOutcome } from '../etcd/create-once.js';
import type { ReminderPort } from './reminders/reminder-port.js';
import { clearInstanceOps, startInstanceOps } from './lifecycle/start-ops.js';
import { deliverOps, type StepContext } from './reminders/reminder-ops.js';
import {
  WorkflowAlreadyExistsError,
  WorkflowNotFoundError,
  WorkflowStateError,
  WorkflowValidationError,
} from './workflow-errors.js';
import { toWorkflowState, type WorkflowState } from './instances/workflow-state-view.js';
import { waitForRecord } from './record-wait.js';

/** Raised events an instance may hold unconsumed before `raiseEvent` refuses more. */
const DEFAULT_MAX_PENDING_EVENTS = 10_000;
/**
 * Their data in bytes. Unconsumed events are stored (inbox, then history) and read back on every
 * replay, so their total is bounded as well as their count: 4 MiB is 16 events at the largest
 * payload, plenty for events a workflow has not waited for yet.
 */
const DEFAULT_MAX_PENDING_EVENT_BYTES = 4 * 1024 * 1024;
/** Times a direct termination re-reads an instance that changed under it before giving up. */
const DIRECT_END_ATTEMPTS = 5;

export interface ClientCoreOptions {
  kv: KvStore;
  reminders: ReminderPort;
  namespace?: string;
  appId?: string;
  clock?: Clock;
  /**
   * Raised events an instance may hold unconsumed (delivered but not yet taken by a wait); past it
   * `raiseEvent` fails with a WorkflowLimitError. Default 10,000.
   */
  maxPendingEvents?: number;
  /**
   * JSON bytes of the data of those events (default 4 MiB); a raise that would pass it fails with
   * a WorkflowLimitError.
   */
  maxPendingEventBytes?: number;
  /** JSON bytes a workflow input, event data or termination output may have (default 256 KiB). */
  maxPayloadBytes?: number;
  /** Told of each etcd transaction the client's grouped writes send (see `GroupCommit`'s `onTxn`). */
  onStoreCommit?: (event: StoreCommitEvent) => void;
}

/** Which instances `listWorkflows` returns; every filter given must match. */
export interface ListWorkflowsQuery {
  /** Only instances with this status, or with one of these. */
  status?: WorkflowRuntimeStatus | WorkflowRuntimeStatus[];
  /** Only instances whose workflow name starts with this. */
  namePrefix?: string;
  /** true: only instances whose step stalls (see `WorkflowState.stalled`); false: only others. */
  stalled?: boolean;
  /** Only instances created at or after this time. */
  createdFrom?: Date;
  /** Only instances created at or before this time. */
  createdTo?: Date;
  /** Instances per page, 1 to 10,000 (default 100). */
  pageSize?: number;
  /** The `continuationToken` of the previous page, to get the next one. */
  continuationToken?: string;
}

/** One page of `listWorkflows`. */
export interface ListWorkflowsPage {
  /** The matching instances, in instance-id order, without inputs and outputs. */
  instances: WorkflowState[];
  /** Pass back to get the next page; absent on the last page. */
  continuationToken?: string;
}

/** Schedules, queries and controls workflow instances. Needs no running runtime in this process. */
export class ClientCore {
  readonly #kv: KvStore;
  /** Starts and messages from concurrent calls share transactions. */
  readonly #commit: GroupCommit;
  readonly #reminders: ReminderPort;
  readonly #clock: Clock;
  readonly #store: InstanceStore;
  readonly #maxPendingEvents: number;
  readonly #maxPendingEventBytes: number;
  readonly #maxPayloadBytes: number;

  constructor(options: ClientCoreOptions) {
    this.#kv = options.kv;
    this.#commit = new GroupCommit(this.#kv, options.onStoreCommit ? { onTxn: options.onStoreCommit } : {});
    this.#reminders = options.reminders;
    this.#clock = options.clock ?? systemClock;
    this.#maxPendingEvents = options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS;
    if (!Number.isSafeInteger(this.#maxPendingEvents) || this.#maxPendingEvents < 1) {
      throw new WorkflowValidationError('maxPendingEvents', options.maxPendingEvents, 'an integer >= 1');
    }
    this.#maxPendingEventBytes = options.maxPendingEventBytes ?? DEFAULT_MAX_PENDING_EVENT_BYTES;
    if (!Number.isSafeInteger(this.#maxPendingEventBytes) || this.#maxPendingEventBytes < 1) {
      throw new WorkflowValidationError(
        'maxPendingEventBytes',
        options.maxPendingEventBytes,
        'an integer >= 1 (bytes)',
      );
    }
    this.#maxPayloadBytes = resolveMaxPayloadBytes(
      options.maxPayloadBytes,
      (allowed) => new WorkflowValidationError('maxPayloadBytes', options.maxPayloadBytes, allowed),
    );
    this.#store = new InstanceStore(
      this.#kv,
      instanceKeys(options.namespace ?? 'default', options.appId ?? 'tickflow'),
    );
  }

  /** Starts a new instance (at `startAt` if given) and resolves its id. */
  async scheduleNewWorkflow(
    workflow: string | AnyWorkflow,
    input?: unknown,
    instanceId?: string,
    startAt?: Date,
  ): Promise<string> {
    const request = this.#startRequest(workflow, input, instanceId ?? randomUUID(), startAt);
    const id = request.instanceId;
    // Optimistically create (guarded on the id being free): one round trip in the common case.
    const fresh = startInstanceOps(await this.#ctx(), request, undefined);
    if (await this.#createInstance(fresh)) return id;
    const existing = await this.#store.load(id);
    if (existing && !isTerminalStatus(existing.record.status)) {
      throw new WorkflowAlreadyExistsError(id, existing.record.status);
    }
    const { guards, ops } = startInstanceOps(
      await this.#ctx(),
      request,
      existing && { modRevision: existing.modRevision, generation: existing.record.generation },
    );
    const result = await this.#commit.submit({ guards, ops });
    if (!result.succeeded) throw new WorkflowAlreadyExistsError(id, 'being started concurrently');
    return id;
  }

  /**
   * Starts a new instance under `instanceId` unless an instance with that id exists, in any
   * status (a finished one is kept, not replaced as `scheduleNewWorkflow` would). Resolves true
   * when this call started it, false when the id was taken. For callers that may repeat a start
   * (an at-least-once job tick): repeating it can never start the workflow twice, as long as the
   * instance is not purged in between. Throws as `scheduleNewWorkflow` does for bad input.
   */
  async scheduleNewWorkflowIfAbsent(
    workflow: string | AnyWorkflow,
    input: unknown,
    instanceId: string,
    startAt?: Date,
  ): Promise<boolean> {
    const request = this.#startRequest(workflow, input, instanceId, startAt);
    return this.#createInstance(startInstanceOps(await this.#ctx(), request, undefined));
  }

  /** Checks a start's arguments; nothing is stored for one that fails. */
  #startRequest(
    workflow: string | AnyWorkflow,
    input: unknown,
    id: string,
    startAt: Date | undefined,
  ): { instanceId: string; name: string; input?: unknown; startAt?: Date } {
    const name = typeof workflow === 'string' ? workflow : workflow.name;
    if (typeof name !== 'string' || name.length === 0) {
      throw new WorkflowValidationError(
        'workflow',
        name,
        'a registered workflow name or a named workflow function',
      );
    }
    validateId(id);
    if (startAt !== undefined && (!(startAt instanceof Date) || Number.isNaN(startAt.getTime()))) {
      throw new WorkflowValidationError('startAt', startAt, 'a valid Date');
    }
    // Before anything is stored: an input over the limit would leave its instance unable to step.
    checkPayload('workflow', name, this.#maxPayloadBytes);
    checkPayload('input', normalizePayload(input), this.#maxPayloadBytes);
    return {
      instanceId: id,
      name,
      ...(input !== undefined && { input }),
      ...(startAt && { startAt }),
    };
  }

  /**
   * Commits a fresh start; resolves false when the id is taken. A lost answer (outcome unknown) is
   * settled here rather than handed to the caller: the start is guarded on the id being free, so it
   * lands at most once however often it is sent; after a re-send fails that guard, the stored record
   * is ours if it is the one this call wrote (same name, input and creation time, generation 0).
   */
  async #createInstance(fresh: ReturnType<typeof startInstanceOps>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await this.#commit.submit(fresh)).succeeded) return true;
        if (attempt === 1) return false;
        const stored = await this.#store.loadWithInput(fresh.record.instanceId);
        return stored !== undefined && isSameStart(stored.record, fresh.record);
      } catch (error) {
        if (!isUnknownOutcome(error) || attempt >= START_ATTEMPTS) throw error;
      }
    }
  }

  /** The instance's state, or undefined when there is no such instance. */
  async getWorkflowState(instanceId: string, getInputsAndOutputs = true): Promise<WorkflowState | undefined> {
    validateId(instanceId);
    const loaded = await (getInputsAndOutputs
      ? this.#store.loadWithInput(instanceId)
      : this.#store.load(instanceId));
    return loaded && toWorkflowState(loaded.record, getInputsAndOutputs);
  }

  /**
   * Resolves once the instance is no longer PENDING (its first step has run), watching etcd.
   * `timeoutInSeconds` is in seconds. Rejects with `WorkflowNotFoundError` when there is no such
   * instance (or it is purged meanwhile) and with `WorkflowWaitTimeoutError` after the timeout.
   * Without `fetchPayloads`, the state comes without input and output.
   */
  waitForWorkflowStart(
    instanceId: string,
    fetchPayloads = true,
    timeoutInSeconds = 60,
  ): Promise<WorkflowState> {
    return this.#waitFor(
      instanceId,
      'start',
      (r) => r.status !== WorkflowRuntimeStatus.PENDING,
      fetchPayloads,
      timeoutInSeconds,
    );
  }

  /**
   * Resolves once the instance is COMPLETED, FAILED or TERMINATED, watching etcd.
   * `timeoutInSeconds` is in seconds. Rejects with `WorkflowNotFoundError` when there is no such
   * instance (or it is purged meanwhile) and with `WorkflowWaitTimeoutError` after the timeout.
   * Without `fetchPayloads`, the state comes without input and output.
   */
  waitForWorkflowCompletion(
    instanceId: string,
    fetchPayloads = true,
    timeoutInSeconds = 60,
  ): Promise<WorkflowState> {
    return this.#waitFor(
      instanceId,
      'complete',
      (r) => isTerminalStatus(r.status),
      fetchPayloads,
      timeoutInSeconds,
    );
  }

  /**
   * Delivers external event `eventName` (1-256 characters) with `eventData` (JSON) to the
   * instance, for a `waitForExternalEvent` of that name. Throws `WorkflowValidationError` for a
   * bad name or id, `PayloadTooLargeError` over `maxPayloadBytes`, `WorkflowNotFoundError` when
   * there is no such instance, and `WorkflowLimitError` when it already holds `maxPendingEvents`
   * unconsumed events or `maxPendingEventBytes` of their data.
   */
  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    await this.raiseEventAs(instanceId, eventName, eventData, undefined);
  }

  /**
   * `raiseEvent` with the inbox message key chosen by the caller (else a fresh one). Raises under
   * one key store one message while the instance has not taken it: a job tick delivered again
   * puts the same key, which overwrites rather than duplicates. Messages are taken in key order,
   * and keys begin with their time in base 36 (`inboxMessageTime`) to keep arrival order.
   * @internal
   */
  async raiseEventAs(
    instanceId: string,
    eventName: string,
    eventData: unknown,
    messageKey: string | undefined,
  ): Promise<void> {
    if (typeof eventName !== 'string' || eventName.length === 0 || eventName.length > 256) {
      throw new WorkflowValidationError('eventName', eventName, 'a string of 1-256 characters');
    }
    const data = normalizePayload(eventData);
    checkPayload('data', data, this.#maxPayloadBytes);
    const loaded = await this.#require(instanceId);
    await checkPendingEvents(
      { kv: this.#kv, keys: this.#store.keys },
      { maxCount: this.#maxPendingEvents, maxBytes: this.#maxPendingEventBytes },
      instanceId,
      loaded.record,
      payloadBytes(data),
    );
    await this.#deliver(
      instanceId,
      loaded,
      {
        type: 'EventRaised',
        timestamp: new Date(this.#clock.now()),
        name: eventName,
        ...(data !== undefined && { data }),
      },
      messageKey,
    );
  }

  /**
   * Terminates the instance (and, by default, its running child workflows) with `output`.
   *
   * A running instance gets a terminate message, which its next step takes. A PENDING one (whose
   * first step may never come: no runtime runs it, or that step cannot commit) is terminated by
   * the client itself, at once; with `force`, any unfinished one is, without waiting for a step:
   * for an instance whose steps keep failing. Either way the instance's reminders and inbox are
   * deleted and a parent hears of it.
   */
  async terminateWorkflow(
    instanceId: string,
    output?: unknown,
    options: { recursive?: boolean; force?: boolean } = {},
  ): Promise<void> {
    const result = normalizePayload(output);
    checkPayload('output', result, this.#maxPayloadBytes);
    const loaded = await this.#require(instanceId);
    const force = options.force === true;
    const children =
      (options.recursive ?? true) ? await this.#children(instanceId, loaded.record, force) : [];
    // The parent first: a child terminated first would report its failure to the parent, which
    // could then fail on it before its own terminate message is read.
    if (!isTerminalStatus(loaded.record.status)) {
      if (force || loaded.record.status === WorkflowRuntimeStatus.PENDING) {
        await this.#terminateDirectly(instanceId, loaded, result, force);
      } else {
        await this.#sendTerminate(instanceId, loaded, result);
      }
    }
    for (const child of children) {
      const state = await this.#store.load(child);
      if (state && !isTerminalStatus(state.record.status)) {
        await this.terminateWorkflow(child, output, options);
      }
    }
  }

  /**
   * Suspends the instance: its next step records the suspension, and from then on it holds
   * activity results, timers and events until resumed. `reason` is stored in history. Throws
   * `WorkflowNotFoundError` when there is no such instance.
   */
  async suspendWorkflow(instanceId: string, reason?: string): Promise<void> {
    // A reason is stored in history like a payload: bounded the same way.
    checkPayload('reason', reason, this.#maxPayloadBytes);
    await this.#send(instanceId, {
      type: 'ExecutionSuspended',
      timestamp: new Date(this.#clock.now()),
      ...(reason !== undefined && { reason }),
    });
  }

  /**
   * Resumes a suspended instance: its next step applies what arrived while it was suspended.
   * Throws `WorkflowNotFoundError` when there is no such instance.
   */
  async resumeWorkflow(instanceId: string, reason?: string): Promise<void> {
    checkPayload('reason', reason, this.#maxPayloadBytes);
    await this.#send(instanceId, {
      type: 'ExecutionResumed',
      timestamp: new Date(this.#clock.now()),
      ...(reason !== undefined && { reason }),
    });
  }

  /**
   * Deletes a finished instance and everything stored for it (children too, by default). Resolves
   * false when there was nothing to purge; refuses an unfinished instance unless `force` is set,
   * which terminates it first (as `terminateWorkflow` with `force` does) and then purges it.
   */
  async purgeWorkflow(
    instanceId: string,
    options: { recursive?: boolean; force?: boolean } = {},
  ): Promise<boolean> {
    validateId(instanceId);
    let loaded: LoadedInstance | undefined;
    try {
      loaded = await this.#store.load(instanceId);
    } catch (error) {
      if (options.force !== true || !(error instanceof CorruptHistoryError)) throw error;
      // A record that cannot be read cannot be terminated either: force deletes what is stored
      // for the id (its children and parent cannot be known).
      await this.#kv.txn([], clearInstanceOps(await this.#ctx(), instanceId));
      return true;
    }
    if (!loaded) return false;
    if (!isTerminalStatus(loaded.record.status)) {
      if (options.force !== true) {
        throw new WorkflowStateError(
          instanceId,
          `is ${loaded.record.status}; terminate it before purging, or purge with force`,
        );
      }
      await this.terminateWorkflow(instanceId, undefined, {
        recursive: options.recursive ?? true,
        force: true,
      });
      loaded = await this.#store.load(instanceId);
      if (!loaded) return true;
    }
    if (options.recursive ?? true) {
      for (const child of await this.#children(instanceId, loaded.record, options.force === true)) {
        const state = await this.#store.load(child);
        if (state && (options.force === true || isTerminalStatus(state.record.status))) {
          await this.purgeWorkflow(child, options);
        }
      }
    }
    const result = await this.#kv.txn(
      [{ key: this.#store.keys.record(instanceId), modRevision: loaded.modRevision }],
      clearInstanceOps(await this.#ctx(), instanceId),
    );
    return result.succeeded;
  }

  /**
   * One page of the stored instances that match `query`, in instance-id order and without
   * payloads; pass the page's `continuationToken` back for the next page. Throws
   * `WorkflowValidationError` for a `pageSize` outside 1-10,000.
   */
  async listWorkflows(query: ListWorkflowsQuery = {}): Promise<ListWorkflowsPage> {
    const pageSize = query.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
      throw new WorkflowValidationError('pageSize', query.pageSize, 'an integer from 1 to 10000');
    }
    if (query.stalled !== undefined && typeof query.stalled !== 'boolean') {
      throw new WorkflowValidationError('stalled', query.stalled, 'true, false or undefined');
    }
    const statuses = query.status === undefined ? undefined : new Set([query.status].flat());
    const matches = (r: InstanceRecord): boolean =>
      (!statuses || statuses.has(r.status)) &&
      (query.namePrefix === undefined || r.name.startsWith(query.namePrefix)) &&
      (query.stalled === undefined || (r.stalled !== undefined) === query.stalled) &&
      (query.createdFrom === undefined || r.createdAt >= query.createdFrom.getTime()) &&
      (query.createdTo === undefined || r.createdAt <= query.createdTo.getTime());
    const instances: WorkflowState[] = [];
    let cursor = query.continuationToken;
    for (;;) {
      const page = await this.#store.listRecords(cursor, Math.max(pageSize, 200));
      for (const { record, key } of page.records) {
        cursor = key;
        if (!matches(record)) continue;
        instances.push(toWorkflowState(record, false));
        if (instances.length === pageSize) {
          return {
            instances,
            ...(page.more || page.records[page.records.length - 1]?.key !== key
              ? { continuationToken: key }
              : {}),
          };
        }
      }
      if (!page.more) return { instances };
    }
  }

  /** The current generation's history, oldest first. */
  async getWorkflowHistory(instanceId: string): Promise<HistoryEvent[]> {
    await this.#require(instanceId);
    return this.#store.history(instanceId);
  }

  /** The context of a client-side write; the first one learns the scope's partition count. */
  async #ctx(): Promise<StepContext> {
    await this.#reminders.ready();
    return { keys: this.#store.keys, reminders: this.#reminders, now: new Date(this.#clock.now()) };
  }

  async #require(instanceId: string): Promise<LoadedInstance> {
    validateId(instanceId);
    const loaded = await this.#store.load(instanceId);
    if (!loaded) throw new WorkflowNotFoundError(instanceId);
    return loaded;
  }

  /** The normal way to terminate: a message the instance's next step takes. */
  async #sendTerminate(instanceId: string, loaded: LoadedInstance, output: unknown): Promise<void> {
    await this.#deliver(instanceId, loaded, {
      type: 'ExecutionTerminated',
      timestamp: new Date(this.#clock.now()),
      ...(output !== undefined && { output }),
    });
  }

  /**
   * Writes the termination itself (see `directTerminationOps`), guarded by the record's revision.
   * When a step moved the instance on meanwhile it looks again: finished now, nothing to do; no
   * longer PENDING (and not forced), the normal message; else it tries again.
   */
  async #terminateDirectly(
    instanceId: string,
    first: LoadedInstance,
    output: unknown,
    force: boolean,
  ): Promise<void> {
    let loaded = first;
    for (let attempt = 1; attempt <= DIRECT_END_ATTEMPTS; attempt++) {
      const { guards, ops } = directTerminationOps(await this.#ctx(), loaded, output);
      if ((await this.#commit.submit({ guards, ops })).succeeded) return;
      const again = await this.#store.load(instanceId);
      if (!again || again.createRevision !== loaded.createRevision)
        throw new WorkflowNotFoundError(instanceId);
      if (isTerminalStatus(again.record.status)) return;
      if (!force && again.record.status !== WorkflowRuntimeStatus.PENDING) {
        return this.#sendTerminate(instanceId, again, output);
      }
      loaded = again;
    }
    throw new WorkflowStateError(
      instanceId,
      `changed ${DIRECT_END_ATTEMPTS} times while being terminated; try again`,
    );
  }

  async #send(instanceId: string, event: HistoryEvent): Promise<void> {
    await this.#deliver(instanceId, await this.#require(instanceId), event);
  }

  /**
   * Puts `event` in the inbox of the instance incarnation that was loaded. Guarded on the record's
   * create revision, not its mod revision: steps may run meanwhile, but a purge (and a new instance
   * under the same id) must not receive a message meant for the one that is gone.
   */
  async #deliver(
    instanceId: string,
    loaded: LoadedInstance,
    event: HistoryEvent,
    messageKey?: string,
  ): Promise<void> {
    const message = messageKey ?? `${inboxMessageTime(this.#clock.now())}~${randomUUID()}`;
    const ops: StoreOp[] = deliverOps(await this.#ctx(), instanceId, message, event);
    const guards = [{ key: this.#store.keys.record(instanceId), createRevision: loaded.createRevision }];
    const { succeeded } = await this.#commit.submit({ guards, ops });
    if (!succeeded) throw new WorkflowNotFoundError(instanceId);
  }

  async #waitFor(
    instanceId: string,
    what: string,
    done: (record: InstanceRecord) => boolean,
    fetchPayloads: boolean,
    timeoutInSeconds: number,
  ): Promise<WorkflowState> {
    validateId(instanceId);
    const record = await waitForRecord(this.#kv, this.#store.keys.record(instanceId), {
      instanceId,
      what,
      done,
      timeoutInSeconds,
    });
    if (fetchPayloads && record.input === undefined && record.chunks > 0) {
      // The input is in history by now (see `InstanceRecord`): read it with a fresh record. That
      // record may be newer than the watched one; if it no longer passes (replaced meanwhile),
      // the watched state is returned without its input.
      const fresh = await this.#store.loadWithInput(instanceId);
      if (fresh && done(fresh.record)) return toWorkflowState(fresh.record, true);
    }
    return toWorkflowState(record, fetchPayloads);
  }

  /**
   * The child instances the history records. With `force`, an unreadable history gives none
   * rather than an error: ending the instance matters more than finding its children.
   */
  async #children(instanceId: string, record: InstanceRecord, force = false): Promise<string[]> {
    // An instance that never stepped has no history, hence no children: skip the read.
    if (record.chunks === 0) return [];
    let events: HistoryEvent[];
    try {
      events = await this.#store.history(instanceId);
    } catch (error) {
      if (force && error instanceof CorruptHistoryError) return [];
      throw error;
    }
    return events.flatMap((e) => (e.type === 'ChildWorkflowCreated' ? [e.instanceId] : []));
  }
}

/**
 * The leading part of an inbox message key: its time in base 36, padded so keys sort by time.
 * @internal
 */
export function inboxMessageTime(epochMs: number): string {
  return epochMs.toString(36).padStart(10, '0');
}

function validateId(instanceId: unknown): asserts instanceId is string {
  if (!isValidInstanceId(instanceId))
    throw new WorkflowValidationError('instanceId', instanceId, INSTANCE_ID_ALLOWED);
}

/** How often a start whose answer was lost is sent in all before the caller sees the error. */
const START_ATTEMPTS = 4;

/** Whether `stored` is the record `sent` created (it may have moved on since: status, events). */
function isSameStart(stored: InstanceRecord, sent: InstanceRecord): boolean {
  return (
    stored.generation === 0 &&
    stored.name === sent.name &&
    stored.createdAt === sent.createdAt &&
    JSON.stringify(stored.input) === JSON.stringify(sent.input)
  );
}
