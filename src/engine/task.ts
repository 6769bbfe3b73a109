/** How a task ended. */
export type TaskOutcome<T> = { ok: true; value: T } | { ok: false; error: Error };

interface Dependent {
  /** The composite task that is waiting; once it completes, it no longer cares. */
  owner: Task<unknown>;
  notify(child: Task<unknown>): void;
}

let settle: <T>(task: Task<T>, outcome: TaskOutcome<T>) => boolean;
let depend: (task: Task<unknown>, dependent: Dependent) => void;
let dependents: (task: Task<unknown>) => readonly Dependent[];

/**
 * Something a workflow can `yield` and get a result from. Tasks are completed only by the
 * executor as it applies history, which is what makes a replay reach the same decisions.
 */
export class Task<T = unknown> {
  #outcome: TaskOutcome<T> | undefined;
  #dependents: Dependent[] | undefined;

  static {
    settle = <U>(task: Task<U>, outcome: TaskOutcome<U>): boolean => {
      if (task.#outcome !== undefined) return false;
      task.#outcome = outcome;
      const dependents = task.#dependents;
      task.#dependents = undefined;
      if (dependents) for (const dependent of dependents) dependent.notify(task);
      return true;
    };
    depend = (task, dependent) => {
      if (task.#outcome !== undefined) dependent.notify(task);
      else (task.#dependents ??= []).push(dependent);
    };
    dependents = (task) => task.#dependents ?? [];
  }

  /** True once the task has completed, successfully or not. */
  get isComplete(): boolean {
    return this.#outcome !== undefined;
  }

  /** True when the task completed with a failure (`error` says which). */
  get isFailed(): boolean {
    return this.#outcome?.ok === false;
  }

  /** The value the task completed with; undefined while pending or after a failure. */
  get result(): T | undefined {
    return this.#outcome?.ok ? this.#outcome.value : undefined;
  }

  /** Why the task failed; undefined while pending or after success. */
  get error(): Error | undefined {
    return this.#outcome?.ok === false ? this.#outcome.error : undefined;
  }

  /** How the task ended, or undefined while it is pending. */
  get outcome(): TaskOutcome<T> | undefined {
    return this.#outcome;
  }

  /**
   * Lets a workflow write `const x = yield* task` and get `x` typed as the task's result
   * (a plain `yield` can only give `unknown`). The executor sees the same yielded task either way.
   */
  *[Symbol.iterator](): Generator<Task<T>, T, unknown> {
    return (yield this) as T;
  }
}

/** Completes a pending task; returns false (and changes nothing) if it had already completed. */
export function settleTask<T>(task: Task<T>, outcome: TaskOutcome<T>): boolean {
  return settle(task, outcome);
}

/** Calls `notify` once `task` completes (at once if it already has). */
export function dependOn(
  task: Task<unknown>,
  owner: Task<unknown>,
  notify: (child: Task<unknown>) => void,
): void {
  depend(task, { owner, notify });
}

/**
 * Whether composite tasks wait on a pending `task`: `none`, some still `pending`, or all of
 * them already `decided` (a whenAny that another child won).
 */
export function dependentState(task: Task<unknown>): 'none' | 'pending' | 'decided' {
  const list = dependents(task);
  if (list.length === 0) return 'none';
  return list.some((d) => !d.owner.isComplete) ? 'pending' : 'decided';
}
