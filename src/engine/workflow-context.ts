import type { WhenAllTask, WhenAnyTask } from './composite-tasks.js';
import type { TimerFireAt } from './duration.js';
import type { WorkflowLogger } from './logger.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Task } from './task.js';
import type { TimerTask } from './timer-task.js';

/**
 * A workflow: an `async function*` or `function*` that yields tasks from `ctx` and returns its
 * output, or a plain (async) function that returns it directly. It must be deterministic:
 * time, ids and randomness come from `ctx`, never from the environment.
 */
export type Workflow<TInput = never, TOutput = unknown> = (
  ctx: WorkflowContext,
  input: TInput,
) =>
  | AsyncGenerator<unknown, TOutput, unknown>
  | Generator<unknown, TOutput, unknown>
  | Promise<TOutput>
  | TOutput;

/** Any workflow, whatever its input type (for registries and the executor). */
export type AnyWorkflow = (ctx: WorkflowContext, input: never) => unknown;

/** An activity by name, or the activity function itself (its `name` is used). */
export type ActivityReference = string | ((...args: never[]) => unknown);

/** A child workflow by name, or the workflow function itself (its `name` is used). */
export type WorkflowReference = string | AnyWorkflow;

/** Options of `ctx.callActivity`. */
export interface CallActivityOptions {
  /** Retries a failed activity, each delay a durable timer; without it, one attempt. */
  retry?: RetryPolicy;
}

/** Options of `ctx.callChildWorkflow`. */
export interface CallChildWorkflowOptions {
  /** Defaults to `${parentInstanceId}:${generation}:${sequenceId}`, unique across generations. */
  instanceId?: string;
  /** Retries a failed child workflow, each delay a durable timer; without it, one attempt. */
  retry?: RetryPolicy;
}

/** Options of `ctx.waitForExternalEvent`. */
export interface WaitForExternalEventOptions {
  /**
   * Give up at this time: the task then fails with `TaskCanceledError`. As for `createTimer`: a
   * `Date`; a number of **seconds** from now (from 1e11 up, epoch **milliseconds**); or a duration
   * from now, Go (`'30s'`, `'1h30m'`) or ISO 8601 (`'PT30S'`, `'P1D'`).
   */
  timeout?: TimerFireAt;
}

/** What workflow code sees. Names follow the Dapr JS SDK so its samples port with an import change. */
export interface WorkflowContext {
  /** Schedules an activity; yield the task to get its result or a `TaskFailedError`. */
  callActivity<TOutput = unknown>(
    activity: ActivityReference,
    input?: unknown,
    options?: CallActivityOptions,
  ): Task<TOutput>;
  /**
   * A durable timer, due at `fireAt`: a `Date`; a number of **seconds** from now, as in the Dapr JS
   * SDK (`createTimer(5)` is 5 s), except that numbers from `EPOCH_MS_THRESHOLD` (1e11) up are epoch
   * **milliseconds** (a deadline computed from `getCurrentUtcDateTime().getTime()`); or a duration
   * from now, Go (`'300ms'`, `'5s'`, `'1h30m'`) or ISO 8601 (`'PT5S'`, `'P1DT2H'`; `'P1M'` is a
   * calendar month, in UTC). A time in the past fires at once; it never fires early.
   */
  createTimer(fireAt: TimerFireAt): TimerTask;
  /**
   * Waits for an external event. Events raised before the wait are buffered and consumed first
   * in, first out per name; names match case-insensitively.
   */
  waitForExternalEvent<TData = unknown>(name: string, options?: WaitForExternalEventOptions): Task<TData>;
  /**
   * Starts a child workflow instance; yield the task to get its output, or a `TaskFailedError`
   * when the child fails. Throws `WorkflowArgumentError` for an empty `options.instanceId`.
   */
  callChildWorkflow<TOutput = unknown>(
    workflow: WorkflowReference,
    input?: unknown,
    options?: CallChildWorkflowOptions,
  ): Task<TOutput>;
  /** Completes with every result once all tasks are done; fails with the first failure. */
  whenAll<const TTasks extends readonly Task<unknown>[]>(tasks: TTasks): WhenAllTask<TTasks>;
  /** Completes with the first task to finish (successfully or not). */
  whenAny<TTask extends Task<unknown>>(tasks: readonly TTask[]): WhenAnyTask<TTask>;
  /**
   * Ends this generation and restarts the workflow with `input` and a fresh history. With
   * `saveEvents`, external events not yet consumed are raised again on the new generation.
   */
  continueAsNew(input: unknown, saveEvents?: boolean): void;
  /** Raises event `name` on another instance. */
  sendEvent(instanceId: string, name: string, data?: unknown): void;
  /**
   * Sets the instance's custom status (any JSON value), stored with the instance when the step
   * commits and shown to clients. Throws `PayloadTooLargeError` over the runtime's
   * `maxPayloadBytes`.
   */
  setCustomStatus(status: unknown): void;
  /** The id of the instance this code runs for. */
  getWorkflowInstanceId(): string;
  /** The name the workflow was registered (and started) under. */
  getWorkflowName(): string;
  /** The step's deterministic "now" (from history), identical on every replay. */
  getCurrentUtcDateTime(): Date;
  /** True while the code is re-running past events rather than handling new ones. */
  isReplaying(): boolean;
  /** A UUID derived from instance, generation, step time and a counter: identical on replay. */
  newGuid(): string;
  /**
   * The step's deterministic "now", the same as `getCurrentUtcDateTime()`: use it instead of
   * `Date.now()` / `new Date()`, which differ on every replay.
   */
  now(): Date;
  /**
   * A number in [0, 1), like `Math.random()`, but derived from instance, generation, step time and
   * a counter: identical on replay, different across steps and instances. Not for secrets.
   */
  random(): number;
  /**
   * Versioning: whether to take the new branch of a code change named `patchId`. A new step takes
   * it and records a PatchRecorded marker in history; on replay the answer is true from the step
   * whose history has the marker, false in histories written before the patch (so they keep
   * running the old branch). Throws `WorkflowArgumentError` for an empty id. See the Versioning
   * section of docs/workflows.md.
   */
  patched(patchId: string): boolean;
  /**
   * Versioning, second deploy: the old branch of `patched(patchId)` is gone and every instance takes
   * the new one. It matches the markers `patched` recorded, and in a new step records one itself,
   * flagged deprecated: the version before (with `patched`) still replays what this one writes,
   * and the version after, without any call for the patch, replays deprecated markers (but not
   * those of `patched`). Throws `WorkflowArgumentError` for an empty id.
   */
  deprecatePatch(patchId: string): void;
  /** Writes only when not replaying, so each line appears once. */
  readonly logger: WorkflowLogger;
}
