import { isInboundEvent } from '../history/events.js';
import type { EventHandlerMap, HistoryEvent, InboundEvent } from '../history/events.js';
import { toFailureDetails } from '../history/failure-details.js';
import { applyEvents } from '../history/fold.js';
import { initialWorkflowState } from '../history/workflow-state.js';
import type { WorkflowState } from '../history/workflow-state.js';
import { recordActionEvent, recordPatchMarker } from './actions.js';
import { BodyRunner } from './body-runner.js';
import { NonDeterminismError, WorkflowError, WorkflowNotRegisteredError } from './errors.js';
import type { ExecutionResult, ExecutionWarning } from './execution-result.js';
import { silentLogger } from './logger.js';
import type { WorkflowLogger } from './logger.js';
import { ReplayContext } from './replay-context.js';
import { defined } from './payload-fields.js';
import { normalizePayload } from '../history/serialize.js';
import { boundedFailure } from './bounded-failure.js';
import { PayloadTooLargeError, payloadBytes } from './payload-limit.js';
import { RunState } from './run-state.js';
import type { EventNote } from './run-state.js';
import type { PatchBranch } from './patch-ledger.js';
import type { AnyWorkflow } from './workflow-context.js';
import { isWorkflowFailure, type WorkflowFailurePolicy } from './workflow-failure-policy.js';
import type { FailureDetails } from '../history/failure-details.js';

/** Finds workflows by the name history gives them (a `Map` qualifies). */
export interface WorkflowLookup {
  /** The workflow registered as `name`, or undefined (the instance then fails with `WorkflowNotRegisteredError`). */
  get(name: string): AnyWorkflow | undefined;
}

/** One workflow function (used whatever name history gives), or a lookup by name. */
export type WorkflowSource = AnyWorkflow | WorkflowLookup;

/** Options of `WorkflowExecutor` and `execute`. */
export interface ExecutorOptions {
  /** Receives the workflow's replay-safe log lines and a `warn` per ignored event. */
  logger?: WorkflowLogger;
  /**
   * JSON bytes each payload the workflow hands over (activity and child inputs, event data,
   * custom status, continue-as-new input, its output) may have; default 256 KiB.
   */
  maxPayloadBytes?: number;
  /**
   * The failure policy of the workflow history names, by that name. Without one the defaults
   * apply: only an uncaught TaskFailedError, TaskCanceledError or WorkflowFailure fails the
   * instance; any other error stalls the step (`ExecutionResult.stalled`).
   */
  failurePolicy?: (workflowName: string) => WorkflowFailurePolicy | undefined;
  /**
   * For replay checks that re-run a recorded history step by step through `step()`, to compare
   * the actions: every step is one history already recorded, given with its PatchRecorded
   * events, so `ctx.patched()` answers from those as on replay instead of taking the patched
   * branch of a new step. Default false (the runtime's steps are new).
   */
  recordedSteps?: boolean;
}

type Handlers = EventHandlerMap<WorkflowExecutor>;

/**
 * Replays one workflow instance: history in, actions out. Feed it stored history with
 * `replay()`, then each step's new events with `step()`, which returns the actions to carry out
 * and the events to append. After `step()` it assumes that `newHistory` was committed, so a
 * cached executor needs only the next step's events (O(new events)). If a commit fails, drop
 * the executor and rebuild from stored history: `execute(fn, old, new)` gives the same result.
 */
export class WorkflowExecutor {
  readonly #source: WorkflowSource;
  readonly #logger: WorkflowLogger;
  readonly #body: BodyRunner;
  readonly #run: RunState;
  readonly #ctx: ReplayContext;
  readonly #handlers: Handlers;
  #state: WorkflowState = initialWorkflowState();
  #suspended = false;
  #held: InboundEvent[] = [];
  #requeued: InboundEvent[] = [];
  #completionRecorded = false;
  #replaying = true;
  #warnings: ExecutionWarning[] = [];
  #rejected = false;
  #work: Promise<void> | undefined;
  #busy = false;
  readonly #failurePolicy: ExecutorOptions['failurePolicy'];
  /** Why the code stalled (first error only); the step's work then counts for nothing. */
  #stalled: FailureDetails | undefined;

  constructor(source: WorkflowSource, options: ExecutorOptions = {}) {
    this.#source = source;
    this.#logger = options.logger ?? silentLogger;
    this.#failurePolicy = options.failurePolicy;
    this.#body = new BodyRunner({
      complete: (output) => this.#complete(output),
      fail: (error) => this.#fail(error, false),
      isFinished: () => this.#run.completion !== undefined || this.#completionRecorded,
    });
    this.#run = new RunState(
      this.#logger,
      () => this.#body.awaiting,
      () => this.#body.abandon(),
      options.maxPayloadBytes,
      options.recordedSteps,
    );
    this.#ctx = new ReplayContext(this.#run);
    this.#handlers = this.#createHandlers();
  }

  /** The fold of all history this executor has applied (including committed steps). */
  get state(): WorkflowState {
    return this.#state;
  }

  /**
   * Each patch id the code asked about (`ctx.patched`, `ctx.deprecatePatch`) in this generation,
   * and how: `patched` or `unpatched` (the branch taken; `unpatched` once any call took the old
   * branch), or `deprecated`.
   */
  get patchBranches(): ReadonlyMap<string, PatchBranch> {
    return this.#run.patchBranches;
  }

  /** Applies events already in history; the workflow re-runs with `isReplaying()` true. */
  async replay(events: readonly HistoryEvent[]): Promise<void> {
    this.#enter();
    try {
      await this.#process(events, true);
      this.#state = applyEvents(this.#state, events);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Applies one step's new events (normally starting with OrchestratorStarted, whose time is
   * the step's "now") and returns what the runtime must do and append to history.
   */
  async step(newEvents: readonly HistoryEvent[]): Promise<ExecutionResult> {
    this.#enter();
    try {
      this.#warnings = [];
      this.#run.beginStep();
      const newHistory = await this.#process(newEvents, false);
      // A termination ends the instance whatever the code did; any other stall voids the step.
      if (this.#stalled && !this.#terminated()) return this.#stalledResult(this.#stalled);
      const actions = this.#completionRecorded ? [] : this.#run.actions();
      const now = this.#run.now();
      if (this.#run.customStatusChanged && !this.#completionRecorded) {
        newHistory.push({
          type: 'CustomStatusSet',
          timestamp: now,
          ...defined('customStatus', this.#run.customStatus),
        });
      }
      const markers = this.#completionRecorded ? [] : this.#run.newPatchMarkers();
      const records = [
        ...markers.map((marker) => recordPatchMarker(marker, now)),
        ...actions.map((action) => recordActionEvent(action, now)),
      ];
      newHistory.push(...records);
      // The runtime commits the records with the step; applying them marks the actions as done.
      await this.#process(records, true);
      this.#state = applyEvents(this.#state, newHistory);
      return {
        actions,
        newHistory,
        status: this.#state.status,
        customStatus: this.#run.customStatus,
        pendingEvents: this.#run.bufferedEvents + this.#held.length,
        pendingEventBytes: this.#run.bufferedEventBytes + heldBytes(this.#held),
        state: this.#state,
        warnings: this.#warnings,
      };
    } finally {
      this.#busy = false;
    }
  }

  #terminated(): boolean {
    const completion = this.#run.completion;
    return completion?.type === 'CompleteWorkflow' && completion.status === 'TERMINATED';
  }

  /** A step that must not be committed: what the code did is dropped, the state is unchanged. */
  #stalledResult(stalled: FailureDetails): ExecutionResult {
    return {
      actions: [],
      newHistory: [],
      status: this.#state.status,
      customStatus: this.#state.customStatus,
      pendingEvents: this.#run.bufferedEvents + this.#held.length,
      pendingEventBytes: this.#run.bufferedEventBytes + heldBytes(this.#held),
      state: this.#state,
      warnings: this.#warnings,
      stalled,
    };
  }

  #enter(): void {
    if (this.#busy)
      throw new WorkflowError('WorkflowExecutor is already applying events; await the previous call');
    this.#busy = true;
  }

  /** Applies events in order and returns those that were accepted. */
  async #process(events: readonly HistoryEvent[], replaying: boolean): Promise<HistoryEvent[]> {
    this.#replaying = replaying;
    this.#run.setReplaying(replaying);
    const accepted: HistoryEvent[] = [];
    for (const [index, event] of events.entries()) {
      // A step's version markers are recorded after its code ran, which needs them before.
      if (index === 0 || event.type === 'OrchestratorStarted') this.#run.foreseePatches(events, index);
      // Most events resume nothing; handling them without a promise turn keeps replay cheap.
      const applied = this.#apply(event);
      if (applied === true || (applied !== false && (await applied))) accepted.push(event);
      // Events held during a suspension were accepted when they arrived; now they take effect.
      for (let next = this.#requeued.shift(); next; next = this.#requeued.shift()) await this.#apply(next);
    }
    return accepted;
  }

  /** Applies one event, then lets the workflow run as far as it can. False if ignored. */
  #apply(event: HistoryEvent): boolean | Promise<boolean> {
    this.#rejected = false;
    try {
      this.#dispatch(event);
    } catch (error) {
      this.#fail(error, true);
    }
    const accepted = !this.#rejected;
    const work = this.#work;
    this.#work = undefined;
    const running = work ? work.then(() => this.#runBody()) : this.#runBody();
    return running ? running.then(() => accepted) : accepted;
  }

  /** Resumes the body for as long as the task it waits on is complete. */
  #runBody(): Promise<void> | undefined {
    while (this.#body.canResume) {
      const running = this.#body.resume();
      if (running) return running.then(() => this.#runBody());
    }
    return undefined;
  }

  #dispatch(event: HistoryEvent): void {
    if (this.#completionRecorded) {
      // Every step opens with OrchestratorStarted; only real deliveries are worth a warning.
      if (event.type === 'OrchestratorStarted') this.#rejected = true;
      else this.#note(event, afterCompletion);
      return;
    }
    if (isInboundEvent(event)) {
      const generation = 'generation' in event ? event.generation : undefined;
      const current = this.#run.started?.generation;
      if (generation !== undefined && current !== undefined && generation !== current) {
        const reason = `it belongs to generation ${generation}, the instance is at ${current}`;
        return this.#note(event, { code: 'stale-generation', reason, accepted: false });
      }
      if (this.#suspended && !this.#run.completion) {
        this.#held.push(event);
        return;
      }
    }
    // The table is typed per event kind; TypeScript cannot correlate `event.type` with it here.
    (this.#handlers[event.type] as (target: WorkflowExecutor, e: HistoryEvent) => void)(this, event);
  }

  #createHandlers(): Handlers {
    const run = this.#run;
    return {
      ExecutionStarted: (_, e) => {
        if (run.started)
          return this.#note(e, { code: 'duplicate-start', reason: 'already started', accepted: false });
        if (run.completion) return this.#note(e, afterCompletion);
        run.begin(e);
        const workflow = typeof this.#source === 'function' ? this.#source : this.#source.get(e.name);
        if (!workflow) return this.#fail(new WorkflowNotRegisteredError(e.name), true);
        this.#work = this.#body.start(workflow, this.#ctx, e.input);
      },
      OrchestratorStarted: (_, e) => run.setNow(e.timestamp),
      TaskScheduled: (_, e) => this.#note(e, run.record(e)),
      TaskCompleted: (_, e) => this.#note(e, run.completion ? afterCompletion : run.deliverAttempt(e)),
      TaskFailed: (_, e) => this.#note(e, run.completion ? afterCompletion : run.deliverAttempt(e)),
      TimerCreated: (_, e) => this.#note(e, run.record(e)),
      TimerFired: (_, e) => this.#note(e, run.completion ? afterCompletion : run.fireTimer(e)),
      TimerCancelled: (_, e) => this.#note(e, run.record(e)),
      EventRaised: (_, e) => this.#note(e, run.raiseEvent(e)),
      EventSent: (_, e) => this.#note(e, run.record(e)),
      ChildWorkflowCreated: (_, e) => this.#note(e, run.record(e)),
      ChildWorkflowCompleted: (_, e) =>
        this.#note(e, run.completion ? afterCompletion : run.deliverAttempt(e)),
      ChildWorkflowFailed: (_, e) => this.#note(e, run.completion ? afterCompletion : run.deliverAttempt(e)),
      ExecutionSuspended: (_, e) => {
        if (run.completion) return this.#note(e, afterCompletion);
        if (this.#suspended)
          return this.#note(e, { code: 'already-suspended', reason: 'already suspended', accepted: false });
        this.#suspended = true;
      },
      ExecutionResumed: (_, e) => {
        if (run.completion) return this.#note(e, afterCompletion);
        if (!this.#suspended)
          return this.#note(e, { code: 'not-suspended', reason: 'not suspended', accepted: false });
        this.#suspended = false;
        this.#requeued.push(...this.#held);
        this.#held = [];
      },
      ExecutionTerminated: (_, e) => {
        if (run.completion) return this.#note(e, afterCompletion);
        this.#held = [];
        run.finish(
          (id) => ({ type: 'CompleteWorkflow', id, status: 'TERMINATED', ...defined('result', e.output) }),
          true,
        );
      },
      // Custom status is recomputed by re-running the code; the event exists for the fold.
      CustomStatusSet: () => undefined,
      PatchRecorded: (_, e) => this.#note(e, run.matchPatch(e)),
      // A recorded completion is final, whatever the code would decide now.
      ContinueAsNew: () => this.#recordCompletion(),
      ExecutionCompleted: () => this.#recordCompletion(),
    };
  }

  /** The body returned: the instance completes with its output, or fails if the output is too large. */
  #complete(output: unknown): void {
    if (this.#stalled) return;
    const result = normalizePayload(output);
    const bytes = payloadBytes(result);
    if (bytes > this.#run.maxPayloadBytes) {
      this.#fail(new PayloadTooLargeError('workflow output', bytes, this.#run.maxPayloadBytes), false);
      return;
    }
    this.#run.finish(
      (id) => ({ type: 'CompleteWorkflow', id, status: 'COMPLETED', ...defined('result', result) }),
      false,
    );
  }

  #recordCompletion(): void {
    this.#completionRecorded = true;
    this.#run.completionRecorded();
    this.#body.abandon();
  }

  /**
   * An error escaped the code. A workflow failure (see `isWorkflowFailure`) fails the instance
   * with the error's details; divergence from history (and any error while applying an event)
   * then also drops the step's other actions: they came from code that no longer matches its
   * history. Any other error stalls the step: the code stops here and nothing of the step counts.
   */
  #fail(error: unknown, forced: boolean): void {
    // Once stalled, whatever the abandoned code still does (an async body settling) is void.
    if (this.#stalled) return;
    const name = this.#run.started?.name;
    const policy = name === undefined ? undefined : this.#failurePolicy?.(name);
    if (!isWorkflowFailure(error, policy)) {
      this.#stalled = boundedFailure(toFailureDetails(error));
      this.#body.abandon();
      return;
    }
    // Bounded: an error's message or stack of megabytes would otherwise fail the step's commit.
    const failureDetails = boundedFailure(toFailureDetails(error));
    if (error instanceof NonDeterminismError || error instanceof WorkflowNotRegisteredError) {
      failureDetails.nonRetryable = true;
    }
    this.#run.finish((id) => ({ type: 'CompleteWorkflow', id, status: 'FAILED', failureDetails }), forced);
  }

  /** Records what happened to an ignored (or effect-free) event, once, outside replay. */
  #note(event: HistoryEvent, note: EventNote | undefined): void {
    if (!note) return;
    if (!note.accepted) this.#rejected = true;
    if (this.#replaying) return;
    const message = `${event.type}${'eventId' in event ? ` ${event.eventId}` : ''} ${note.accepted ? 'changed nothing' : 'ignored'}: ${note.reason}`;
    const warning: ExecutionWarning = { code: note.code, message, event };
    this.#warnings.push(warning);
    this.#logger.warn(message, warning);
  }
}

/** The data bytes of events held while suspended (EventRaised; other held events carry none). */
function heldBytes(held: readonly InboundEvent[]): number {
  let bytes = 0;
  for (const event of held) if (event.type === 'EventRaised') bytes += payloadBytes(event.data);
  return bytes;
}

const afterCompletion: EventNote = {
  code: 'after-completion',
  reason: 'the instance already completed',
  accepted: false,
};

/**
 * Runs one step from scratch: replays `oldEvents` (stored history), then applies `newEvents`.
 * Pure apart from the workflow's own code; identical to a cached executor fed step by step.
 */
export async function execute(
  workflow: WorkflowSource,
  oldEvents: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  options?: ExecutorOptions,
): Promise<ExecutionResult> {
  const executor = new WorkflowExecutor(workflow, options);
  await executor.replay(oldEvents);
  return executor.step(newEvents);
}
