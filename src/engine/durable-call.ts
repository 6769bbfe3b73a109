import type { FailureDetails } from '../history/failure-details.js';
import { TaskFailedError } from './errors.js';
import { nextRetryDelay } from './retry-policy.js';
import type { ResolvedRetryPolicy } from './retry-policy.js';
import type { AttemptCallbacks, StepHost } from './step-host.js';
import { settleTask, Task } from './task.js';

/** Where a durable call runs: an activity, or a child workflow (optionally with a fixed id). */
export type CallTarget =
  | { kind: 'activity'; name: string }
  | { kind: 'childWorkflow'; name: string; instanceId: string | undefined };

/**
 * One activity or child-workflow call as the workflow sees it: a single task, behind which
 * each attempt gets its own sequence id and each retry delay is a durable timer whose origin
 * names the failed attempt. The attempt counter and the first attempt's time come from replayed
 * history, so a replay schedules exactly the same retries.
 */
export class DurableCall {
  readonly task = new Task<unknown>();
  readonly #host: StepHost;
  readonly #target: CallTarget;
  readonly #input: unknown;
  readonly #policy: ResolvedRetryPolicy | undefined;
  readonly #firstScheduledAt: number;
  #attempt = 1;

  constructor(host: StepHost, target: CallTarget, input: unknown, policy: ResolvedRetryPolicy | undefined) {
    this.#host = host;
    this.#target = target;
    this.#input = input;
    this.#policy = policy;
    this.#firstScheduledAt = host.now().getTime();
    this.#schedule();
  }

  #schedule(): void {
    const callbacks: AttemptCallbacks = {
      onResult: (value) => {
        settleTask(this.task, { ok: true, value });
      },
      onFailure: (details, attemptId) => this.#failed(details, attemptId),
    };
    const target = this.#target;
    if (target.kind === 'activity') {
      this.#host.scheduleActivity(target.name, this.#input, this.#attempt, callbacks);
    } else {
      this.#host.scheduleChildWorkflow(target.name, target.instanceId, this.#input, this.#attempt, callbacks);
    }
  }

  #failed(details: FailureDetails, attemptId: number): void {
    const failure = new TaskFailedError(this.#target.kind, this.#target.name, attemptId, details);
    let delay: number | undefined;
    try {
      const now = this.#host.now().getTime();
      delay =
        this.#policy && nextRetryDelay(this.#policy, this.#attempt, failure, now - this.#firstScheduledAt);
    } catch (error) {
      // A throwing `handle` callback is the workflow's own bug: surface it where the call is awaited.
      settleTask(this.task, { ok: false, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    if (delay === undefined) {
      settleTask(this.task, { ok: false, error: failure });
      return;
    }
    const fireAt = new Date(this.#host.now().getTime() + delay);
    this.#host.createTimer(fireAt, { kind: 'retry', taskId: attemptId }, () => {
      this.#attempt += 1;
      this.#schedule();
      return 'observed';
    });
  }
}
