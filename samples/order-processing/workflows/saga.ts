import type { RetryPolicy, WorkflowContext } from '../../../src/index.js';
import type { ActivityName } from '../activities.js';

/** An undo step: the activity that reverses something already done, and its input. */
export interface Compensation {
  activity: ActivityName;
  input: unknown;
}

/** Undo must not give up on a blip: keep retrying, backing off up to a minute. */
const UNDO_RETRY: RetryPolicy = {
  maxAttempts: 10,
  firstRetryInterval: '1s',
  backoffCoefficient: 2,
  maxRetryInterval: '1m',
};

/**
 * The saga pattern: each step that changes the world records how to undo itself, and on a
 * failure the undo steps run newest first (refund the payment, then release the stock). Every
 * compensation is an activity, so a crash half-way through resumes where it stopped.
 */
export class Saga {
  readonly #ctx: WorkflowContext;
  readonly #undo: Compensation[] = [];

  constructor(ctx: WorkflowContext) {
    this.#ctx = ctx;
  }

  /** Records how to undo a step that just succeeded. */
  add(activity: ActivityName, input: unknown): void {
    this.#undo.push({ activity, input });
  }

  /** Runs the recorded undo steps in reverse order; returns their names as they ran. */
  *compensate(): Generator<unknown, string[], unknown> {
    const ran: string[] = [];
    while (this.#undo.length > 0) {
      const step = this.#undo.pop() as Compensation;
      yield* this.#ctx.callActivity(step.activity, step.input, { retry: UNDO_RETRY });
      ran.push(step.activity);
    }
    return ran;
  }
}
