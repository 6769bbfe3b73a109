import { InvalidYieldError } from './errors.js';
import { OutsideAwaitError, withinMicrotasks } from './outside-await.js';
import { Task } from './task.js';
import type { TaskOutcome } from './task.js';
import type { AnyWorkflow, WorkflowContext } from './workflow-context.js';

type AnyGenerator = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/** How the body reports back: it returned, it threw, or the executor has already finished it. */
export interface BodyCallbacks {
  complete(output: unknown): void;
  fail(error: unknown): void;
  /** True once the instance completed some other way (terminate, continue-as-new, failure). */
  isFinished(): boolean;
}

/**
 * Runs the workflow function and steps its generator. Sync generators are stepped without any
 * `await`, so replaying them costs no promise turns; async generators and plain async
 * functions are awaited. The body only ever runs between events, never concurrently with them.
 */
export class BodyRunner {
  readonly #callbacks: BodyCallbacks;
  #generator: AnyGenerator | undefined;
  #isAsync = false;
  #awaiting: Task<unknown> | undefined;
  /** The error for a body that awaited outside the engine (see outside-await.ts). */
  #outsideAwait: () => Error = () => new OutsideAwaitError('(not started)');

  constructor(callbacks: BodyCallbacks) {
    this.#callbacks = callbacks;
  }

  /** The task the body is suspended on, if any. */
  get awaiting(): Task<unknown> | undefined {
    return this.#awaiting;
  }

  /** Whether the task the body waits on has completed, so `resume()` has work to do. */
  get canResume(): boolean {
    return this.#awaiting?.isComplete === true && !this.#callbacks.isFinished();
  }

  start(workflow: AnyWorkflow, ctx: WorkflowContext, input: unknown): Promise<void> | undefined {
    this.#outsideAwait = () => new OutsideAwaitError(ctx.getWorkflowName());
    let returned: unknown;
    try {
      returned = (workflow as (ctx: WorkflowContext, input: unknown) => unknown)(ctx, input);
    } catch (error) {
      this.#callbacks.fail(error);
      return undefined;
    }
    if (isGenerator(returned)) {
      this.#generator = returned;
      this.#isAsync = Symbol.asyncIterator in returned;
      return this.#step({ ok: true, value: undefined });
    }
    if (isThenable(returned)) {
      return withinMicrotasks(Promise.resolve(returned), this.#outsideAwait).then(
        (output) => this.#callbacks.complete(output),
        (error: unknown) => this.#callbacks.fail(error),
      );
    }
    this.#callbacks.complete(returned);
    return undefined;
  }

  /** Feeds the awaited task's outcome back into the generator and runs it to its next wait. */
  resume(): Promise<void> | undefined {
    const outcome = this.#awaiting?.outcome;
    if (!outcome || this.#callbacks.isFinished()) return undefined;
    this.#awaiting = undefined;
    return this.#step(outcome);
  }

  /** Stops driving the generator; its pending `finally` blocks are deliberately not run. */
  abandon(): void {
    this.#generator = undefined;
    this.#awaiting = undefined;
  }

  #step(outcome: TaskOutcome<unknown>): Promise<void> | undefined {
    return this.#isAsync ? this.#stepAsync(outcome) : this.#stepSync(outcome);
  }

  #stepSync(outcome: TaskOutcome<unknown>): undefined {
    let next: TaskOutcome<unknown> | undefined = outcome;
    while (next) {
      const generator = this.#generator as Generator<unknown, unknown, unknown> | undefined;
      if (!generator) return undefined;
      let result: IteratorResult<unknown, unknown>;
      try {
        result = next.ok ? generator.next(next.value) : generator.throw(next.error);
      } catch (error) {
        this.#finish();
        this.#callbacks.fail(error);
        return undefined;
      }
      next = this.#handle(result);
    }
    return undefined;
  }

  async #stepAsync(outcome: TaskOutcome<unknown>): Promise<void> {
    let next: TaskOutcome<unknown> | undefined = outcome;
    while (next) {
      const generator = this.#generator as AsyncGenerator<unknown, unknown, unknown> | undefined;
      if (!generator) return;
      let result: IteratorResult<unknown, unknown>;
      try {
        const step = next.ok ? generator.next(next.value) : generator.throw(next.error);
        result = await withinMicrotasks(step, this.#outsideAwait);
      } catch (error) {
        this.#finish();
        this.#callbacks.fail(error);
        return;
      }
      next = this.#handle(result);
    }
  }

  /** Returns the outcome to feed straight back when the yielded task is already complete. */
  #handle(result: IteratorResult<unknown, unknown>): TaskOutcome<unknown> | undefined {
    if (result.done) {
      this.#finish();
      this.#callbacks.complete(result.value);
      return undefined;
    }
    if (this.#callbacks.isFinished()) {
      // e.g. continueAsNew() was called before this yield: nothing more may run.
      this.#finish();
      return undefined;
    }
    const task = result.value;
    if (!(task instanceof Task)) {
      this.#finish();
      this.#callbacks.fail(new InvalidYieldError(task));
      return undefined;
    }
    if (task.outcome) return task.outcome;
    this.#awaiting = task;
    return undefined;
  }

  #finish(): void {
    this.#generator = undefined;
  }
}

function isGenerator(value: unknown): value is AnyGenerator {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { throw?: unknown }).throw === 'function'
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
