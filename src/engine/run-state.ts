import type {
  ChildWorkflowCompletedEvent,
  ChildWorkflowFailedEvent,
  EventRaisedEvent,
  ExecutionStartedEvent,
  HistoryEvent,
  PatchRecordedEvent,
  TaskCompletedEvent,
  TaskFailedEvent,
  TimerFiredEvent,
  TimerOrigin,
} from '../history/events.js';
import { normalizePayload } from '../history/serialize.js';
import { ActionLog } from './action-log.js';
import type { RecordEvent } from './action-log.js';
import type { CompleteWorkflowAction, ContinueAsNewAction, WorkflowAction } from './actions.js';
import { EventInbox } from './event-inbox.js';
import { PatchLedger, type NewPatchMarker, type PatchBranch } from './patch-ledger.js';
import type { WarningCode } from './execution-result.js';
import { uuidV5 } from './guid.js';
import { seededFraction } from './seeded-random.js';
import { replaySafeLogger } from './logger.js';
import { attemptField, defined } from './payload-fields.js';
import { checkPayload, DEFAULT_MAX_PAYLOAD_BYTES } from './payload-limit.js';
import type { WorkflowLogger } from './logger.js';
import type { AttemptCallbacks, EventWait, StepHost, TimerFireEffect } from './step-host.js';
import type { Task } from './task.js';

export type Completion = CompleteWorkflowAction | ContinueAsNewAction;

/** Why an event was ignored (`accepted: false`) or accepted without effect. */
export interface EventNote {
  code: WarningCode;
  reason: string;
  accepted: boolean;
}

type Waiting =
  | { kind: 'activity' | 'childWorkflow'; callbacks: AttemptCallbacks }
  | { kind: 'timer'; onFired: () => TimerFireEffect };

type AttemptEvent =
  TaskCompletedEvent | TaskFailedEvent | ChildWorkflowCompletedEvent | ChildWorkflowFailedEvent;

const EPOCH = new Date(0);

/**
 * The state of one generation as the code sees it: sequence ids, pending actions, the open
 * tasks keyed by id, timers, external events and the completion. The context calls in through
 * the `StepHost` methods; the executor applies history events through the others.
 */
export class RunState implements StepHost {
  readonly logger: WorkflowLogger;
  readonly #log = new ActionLog();
  readonly #inbox = new EventInbox();
  readonly #patches = new PatchLedger();
  readonly #waiting = new Map<number, Waiting>();
  /** Timers whose creation history recorded and that have neither fired nor been cancelled. */
  readonly #liveTimers = new Set<number>();
  readonly #cancelledTimers = new Set<number>();
  readonly #awaited: () => Task<unknown> | undefined;
  readonly #onFinish: () => void;
  readonly #maxPayloadBytes: number;
  readonly #recordedSteps: boolean;
  #start: ExecutionStartedEvent | undefined;
  #now: Date | undefined;
  #replaying = true;
  #completion: Completion | undefined;
  #forced = false;
  #carryEvents = false;
  #customStatus: unknown;
  #customStatusChanged = false;
  #guids = 0;
  #randoms = 0;

  constructor(
    logger: WorkflowLogger,
    awaited: () => Task<unknown> | undefined,
    onFinish: () => void,
    maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
    recordedSteps = false,
  ) {
    this.logger = replaySafeLogger(logger, () => this.#replaying);
    this.#awaited = awaited;
    this.#onFinish = onFinish;
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#recordedSteps = recordedSteps;
  }

  /**
   * A payload the workflow hands over, as it will read back from history, refused with a
   * PayloadTooLargeError (thrown into the workflow at the call, before a sequence id is taken)
   * when over `maxPayloadBytes`: the same payload fails the same way on every replay, so the
   * workflow may catch it and, say, pass a reference instead.
   */
  #payload<K extends string>(field: string, key: K, value: unknown): { [P in K]?: unknown } {
    const normalized = normalizePayload(value);
    checkPayload(field, normalized, this.#maxPayloadBytes);
    return defined(key, normalized);
  }

  /** The limit workflow payloads are held to (the executor checks the output with it). */
  get maxPayloadBytes(): number {
    return this.#maxPayloadBytes;
  }

  // ---- StepHost: called by the workflow context -------------------------------------------

  instanceId(): string {
    return this.#start?.instanceId ?? '';
  }

  workflowName(): string {
    return this.#start?.name ?? '';
  }

  now(): Date {
    return this.#now ?? this.#start?.timestamp ?? EPOCH;
  }

  isReplaying(): boolean {
    return this.#replaying;
  }

  isAwaited(task: Task<unknown>): boolean {
    return this.#awaited() === task;
  }

  scheduleActivity(name: string, input: unknown, attempt: number, callbacks: AttemptCallbacks): number {
    const checked = this.#payload('activity input', 'input', input);
    const id = this.#log.nextId();
    if (this.#completion) return id;
    this.#log.add({ type: 'ScheduleTask', id, name, ...checked, ...attemptField(attempt) });
    this.#waiting.set(id, { kind: 'activity', callbacks });
    return id;
  }

  scheduleChildWorkflow(
    name: string,
    instanceId: string | undefined,
    input: unknown,
    attempt: number,
    callbacks: AttemptCallbacks,
  ): number {
    const checked = this.#payload('child workflow input', 'input', input);
    const id = this.#log.nextId();
    if (this.#completion) return id;
    // The generation keeps default ids unique across continue-as-new; ':' is legal in job names.
    const childId = instanceId ?? `${this.instanceId()}:${this.#start?.generation ?? 0}:${id}`;
    this.#log.add({
      type: 'ScheduleChildWorkflow',
      id,
      name,
      instanceId: childId,
      ...checked,
      ...attemptField(attempt),
    });
    this.#waiting.set(id, { kind: 'childWorkflow', callbacks });
    return id;
  }

  createTimer(fireAt: Date, origin: TimerOrigin, onFired: () => TimerFireEffect): number {
    const id = this.#log.nextId();
    if (this.#completion) return id;
    this.#log.add({ type: 'CreateTimer', id, fireAt, origin });
    this.#waiting.set(id, { kind: 'timer', onFired });
    return id;
  }

  cancelTimer(id: number): void {
    if (this.#waiting.get(id)?.kind !== 'timer') return;
    this.#waiting.delete(id);
    this.#cancelledTimers.add(id);
    if (this.#completion) return;
    // A timer created in this same step was never committed: forget it instead of cancelling.
    if (!this.#log.dropUnrecordedTimer(id)) this.#log.add({ type: 'CancelTimer', id });
  }

  waitForEvent(name: string, onEvent: (data: unknown) => void): EventWait {
    const buffered = this.#inbox.take(name);
    if (buffered) return { consumed: true, data: buffered.data };
    return { consumed: false, cancel: this.#inbox.wait(name, onEvent) };
  }

  sendEvent(instanceId: string, name: string, data: unknown): void {
    const checked = this.#payload('event data', 'data', data);
    const id = this.#log.nextId();
    if (this.#completion) return;
    this.#log.add({ type: 'SendEvent', id, instanceId, name, ...checked });
  }

  continueAsNew(input: unknown, saveEvents: boolean): void {
    const checked = this.#payload('continueAsNew input', 'input', input);
    if (this.#completion) return;
    this.#carryEvents = saveEvents;
    const carriedEvents = saveEvents ? this.#inbox.drain() : [];
    this.finish((id) => ({ type: 'ContinueAsNew', id, carriedEvents, ...checked }), false);
  }

  setCustomStatus(status: unknown): void {
    const normalized = normalizePayload(status);
    // Refused before it is kept: the step then fails at this call, not later at its commit.
    checkPayload('customStatus', normalized, this.#maxPayloadBytes);
    this.#customStatus = normalized;
    this.#customStatusChanged = true;
  }

  newGuid(): string {
    const generation = this.#start?.generation ?? 0;
    return uuidV5(`${this.instanceId()}|${generation}|${this.now().toISOString()}|${this.#guids++}`);
  }

  random(): number {
    // Seeded like newGuid, from what every replay of this step sees; its own counter keeps the
    // guids of existing histories unchanged when code starts drawing numbers.
    const generation = this.#start?.generation ?? 0;
    return seededFraction(
      `${this.instanceId()}|${generation}|${this.now().toISOString()}|${this.#randoms++}`,
    );
  }

  patch(patchId: string, deprecated: boolean): boolean {
    return this.#patches.decide(patchId, deprecated, this.#replaying || this.#recordedSteps);
  }

  // ---- called by the executor as it applies history ----------------------------------------

  get started(): ExecutionStartedEvent | undefined {
    return this.#start;
  }

  get completion(): Completion | undefined {
    return this.#completion;
  }

  get customStatus(): unknown {
    return this.#customStatus;
  }

  /** External events raised but not yet taken by a wait. */
  get bufferedEvents(): number {
    return this.#inbox.bufferedCount;
  }

  /** The JSON bytes of those events' data. */
  get bufferedEventBytes(): number {
    return this.#inbox.bufferedBytes;
  }

  /** Whether `setCustomStatus` was called since `beginStep`. */
  get customStatusChanged(): boolean {
    return this.#customStatusChanged;
  }

  setReplaying(replaying: boolean): void {
    this.#replaying = replaying;
  }

  beginStep(): void {
    this.#customStatusChanged = false;
  }

  begin(event: ExecutionStartedEvent): void {
    this.#start = event;
    this.#now ??= event.timestamp;
  }

  setNow(now: Date): void {
    this.#now = now;
  }

  /** Announces the version markers of the step starting at `events[from]`, before the code runs it. */
  foreseePatches(events: readonly HistoryEvent[], from: number): void {
    this.#patches.foresee(events, from);
  }

  /** Version markers made in this step, not yet recorded. */
  newPatchMarkers(): NewPatchMarker[] {
    return this.#patches.takeNew();
  }

  /** Each patch id the code asked about in this generation, and the branch it took. */
  get patchBranches(): ReadonlyMap<string, PatchBranch> {
    return this.#patches.branches;
  }

  /**
   * Matches a version marker of history; throws `NonDeterminismError` when the code no longer asks
   * about a patch whose marker is not deprecated.
   */
  matchPatch(event: PatchRecordedEvent): EventNote | undefined {
    let outcome: 'matched' | 'duplicate';
    try {
      outcome = this.#patches.match(event, this.#log.peekId());
    } catch (error) {
      // The code was already stopped (it diverged earlier, or was terminated): nothing to match.
      if (!this.#completion || !this.#forced) throw error;
      return undefined;
    }
    if (outcome === 'matched') return undefined;
    const reason = `PatchRecorded ${JSON.stringify(event.patchId)} was already recorded`;
    return { code: 'duplicate-record', reason, accepted: false };
  }

  /** Actions made and not yet recorded, the completion last. */
  actions(): WorkflowAction[] {
    const pending: WorkflowAction[] = this.#log.pending();
    return this.#completion ? [...pending, this.#completion] : pending;
  }

  /**
   * Matches an action record; throws `NonDeterminismError` when the code diverged, including
   * when the code already completed but history shows it went on to act.
   */
  record(event: RecordEvent): EventNote | undefined {
    let outcome: 'matched' | 'duplicate';
    try {
      outcome = this.#log.match(event);
    } catch (error) {
      // Whatever the code does now, history says these reminder-jobs exist (or do not).
      if (event.type === 'TimerCreated') this.#liveTimers.add(event.eventId);
      if (event.type === 'TimerCancelled') this.#liveTimers.delete(event.eventId);
      if (!this.#completion || !this.#forced) throw error;
      // The code was already stopped (it diverged earlier, or was terminated): nothing more to
      // match, but a timer history created still needs its job deleted.
      if (event.type === 'TimerCreated') this.#addLiveTimer(event.eventId);
      return undefined;
    }
    if (outcome === 'duplicate') {
      return {
        code: 'duplicate-record',
        reason: `${event.type} ${event.eventId} was already recorded`,
        accepted: false,
      };
    }
    if (event.type === 'TimerCreated') this.#liveTimers.add(event.eventId);
    if (event.type === 'TimerCancelled') this.#liveTimers.delete(event.eventId);
    return undefined;
  }

  /** TaskCompleted/Failed and ChildWorkflowCompleted/Failed. */
  deliverAttempt(event: AttemptEvent): EventNote | undefined {
    const kind = event.type === 'TaskCompleted' || event.type === 'TaskFailed' ? 'activity' : 'childWorkflow';
    const waiting = this.#waiting.get(event.eventId);
    if (waiting?.kind !== kind) return this.#notOpen(event.eventId, kind);
    this.#waiting.delete(event.eventId);
    if (event.type === 'TaskCompleted' || event.type === 'ChildWorkflowCompleted') {
      waiting.callbacks.onResult(event.result);
    } else {
      waiting.callbacks.onFailure(event.failureDetails, event.eventId);
    }
    return undefined;
  }

  fireTimer(event: TimerFiredEvent): EventNote | undefined {
    const id = event.eventId;
    if (this.#cancelledTimers.has(id)) {
      return { code: 'fired-after-cancel', reason: `timer ${id} was cancelled`, accepted: false };
    }
    const waiting = this.#waiting.get(id);
    if (waiting?.kind !== 'timer') return this.#notOpen(id, 'timer');
    this.#waiting.delete(id);
    this.#liveTimers.delete(id);
    if (waiting.onFired() === 'decided') {
      const reason = `timer ${id} fired after the whenAny waiting on it was decided; nothing resumed`;
      return { code: 'decided-timer', reason, accepted: true };
    }
    return undefined;
  }

  raiseEvent(event: EventRaisedEvent): EventNote | undefined {
    const completion = this.#completion;
    if (!completion) {
      this.#inbox.deliver(event.name, event.data);
      return undefined;
    }
    // Events that arrive in the same step as a continue-as-new that keeps events go along too.
    if (completion.type === 'ContinueAsNew' && this.#carryEvents) {
      completion.carriedEvents.push({ name: event.name, ...defined('data', event.data) });
      return undefined;
    }
    return { code: 'after-completion', reason: 'the instance already completed', accepted: false };
  }

  /**
   * Completes the instance. Timers are settled here so the runtime can trust that every timer
   * ends fired or cancelled: uncommitted CreateTimers are dropped and every live timer gets a
   * CancelTimer. A forced completion (terminate, divergence from history) also drops the other
   * uncommitted actions, and replaces a completion the code made earlier in the same replay.
   */
  finish(make: (id: number) => Completion, forced: boolean): void {
    if (this.#completion && (this.#forced || !forced)) return;
    this.#completion = make(this.#completion?.id ?? this.#log.nextId());
    this.#forced = forced;
    this.#log.retain((a) => a.type === 'CancelTimer' || (!forced && a.type !== 'CreateTimer'));
    for (const id of this.#liveTimers)
      if (!this.#log.isCancelPending(id)) this.#log.add({ type: 'CancelTimer', id });
    this.#waiting.clear();
    this.#onFinish();
  }

  /** History recorded the completion: nothing is pending any more. */
  completionRecorded(): void {
    this.#log.clear();
    this.#waiting.clear();
  }

  #addLiveTimer(id: number): void {
    this.#liveTimers.add(id);
    if (!this.#log.isCancelPending(id)) this.#log.add({ type: 'CancelTimer', id });
  }

  #notOpen(id: number, kind: string): EventNote {
    if (id >= this.#log.peekId() || id < 1) {
      return {
        code: 'unknown-task',
        reason: `no ${kind} with sequence id ${id} was ever scheduled`,
        accepted: false,
      };
    }
    const reason = `no ${kind} with sequence id ${id} is waiting (already completed, or a different kind)`;
    return { code: 'duplicate-completion', reason, accepted: false };
  }
}
