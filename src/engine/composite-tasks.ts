import { WorkflowArgumentError } from './errors.js';
import { dependOn, settleTask, Task } from './task.js';

/** The result of a task type: `TaskResult<Task<number>>` is `number`. */
export type TaskResult<TTask> = TTask extends Task<infer R> ? R : never;

/** The results of a list (or tuple) of tasks, in order. */
export type TaskResults<TTasks extends readonly Task<unknown>[]> = {
  -readonly [K in keyof TTasks]: TaskResult<TTasks[K]>;
};

/**
 * Completes once every child has completed. If any failed it fails with the first failure (in
 * the order failures arrived) only after all are done, so every child's own result stays
 * readable through its task; otherwise its result is the children's results in order.
 */
export class WhenAllTask<TTasks extends readonly Task<unknown>[]> extends Task<TaskResults<TTasks>> {
  /** The tasks it waits for, as given. */
  readonly tasks: TTasks;
  #remaining: number;
  #firstError: Error | undefined;

  constructor(tasks: TTasks) {
    super();
    this.tasks = tasks;
    this.#remaining = tasks.length;
    if (tasks.length === 0) {
      settleTask(this, { ok: true, value: [] as unknown as TaskResults<TTasks> });
      return;
    }
    for (const task of tasks) dependOn(task, this, (child) => this.#childDone(child));
  }

  #childDone(child: Task<unknown>): void {
    if (child.error && !this.#firstError) this.#firstError = child.error;
    this.#remaining -= 1;
    if (this.#remaining > 0) return;
    if (this.#firstError) settleTask(this, { ok: false, error: this.#firstError });
    else settleTask(this, { ok: true, value: this.tasks.map((task) => task.result) as TaskResults<TTasks> });
  }
}

/**
 * Completes as soon as one child completes, successfully or not; its result is that child, so
 * the workflow can tell which one won (and read its result or error). Children that are
 * already complete when it is created win in list order.
 */
export class WhenAnyTask<TTask extends Task<unknown>> extends Task<TTask> {
  /** The tasks that race, as given. */
  readonly tasks: readonly TTask[];

  constructor(tasks: readonly TTask[]) {
    super();
    if (tasks.length === 0) throw new WorkflowArgumentError('whenAny tasks', tasks, 'at least one task');
    this.tasks = tasks;
    for (const task of tasks) {
      dependOn(task, this, () => {
        settleTask(this, { ok: true, value: task });
      });
    }
  }
}
