import type { WorkflowState } from '../runtime/instances/workflow-state-view.js';
import { WorkflowWaitTimeoutError } from '../runtime/workflow-errors.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../history/status.js';
import type { Clock } from '../common/clock.js';
import { WorkflowClient, type WorkflowClientOptions } from '../workflow-client.js';
import { StepStalledError, TimeSkippingStalledError } from './errors.js';
import type { TimeSkipper } from './time-skipper.js';

/**
 * Stalled attempts after which a skipping wait gives up with StepStalledError: the retries come
 * 1 s, 2 s, 4 s ... apart in virtual time, so 10 is about 8.5 virtual minutes of a step that
 * keeps failing, which a test waiting for it to finish would otherwise skip through until its
 * real-time timeout.
 */
const STALLED_ATTEMPTS_BEFORE_GIVING_UP = 10;

/**
 * The client of a time-skipping environment. Its waits skip virtual time: while the test awaits
 * `waitForWorkflowCompletion` (or `waitForWorkflowStart`), the clock jumps from one due timer to
 * the next whenever every instance is idle, so a workflow that sleeps for a day completes at
 * once. `timeoutInSeconds` stays in real seconds: it bounds how long the test may hang.
 */
export class TestWorkflowClient extends WorkflowClient {
  readonly #skipper: TimeSkipper;
  readonly #clock: Clock;

  /** @internal Made by `TestWorkflowEnvironment.create`, which owns the time skipper. */
  constructor(options: WorkflowClientOptions & { clock: Clock }, skipper: TimeSkipper) {
    super(options);
    this.#skipper = skipper;
    this.#clock = options.clock;
  }

  /**
   * As `WorkflowClient.waitForWorkflowStart`, skipping virtual time while every instance is idle.
   * `timeoutInSeconds` is real seconds. Rejects with `TimeSkippingStalledError` when nothing is
   * left to skip to and the instance still has not started.
   */
  override async waitForWorkflowStart(
    instanceId: string,
    fetchPayloads = true,
    timeoutInSeconds = 60,
  ): Promise<WorkflowState> {
    await this.#skipUntil(
      instanceId,
      'start',
      (status) => status !== WorkflowRuntimeStatus.PENDING,
      timeoutInSeconds,
    );
    return super.waitForWorkflowStart(instanceId, fetchPayloads, timeoutInSeconds);
  }

  /**
   * As `WorkflowClient.waitForWorkflowCompletion`, skipping virtual time while every instance is
   * idle. `timeoutInSeconds` is real seconds. Rejects with `TimeSkippingStalledError` when nothing
   * is left to skip to and the instance still has not finished (e.g. it waits for an event), and
   * with `StepStalledError` once its step has stalled 10 times in a row (its code keeps throwing).
   */
  override async waitForWorkflowCompletion(
    instanceId: string,
    fetchPayloads = true,
    timeoutInSeconds = 60,
  ): Promise<WorkflowState> {
    await this.#skipUntil(instanceId, 'complete', isTerminalStatus, timeoutInSeconds);
    return super.waitForWorkflowCompletion(instanceId, fetchPayloads, timeoutInSeconds);
  }

  async #skipUntil(
    instanceId: string,
    what: string,
    done: (status: WorkflowRuntimeStatus) => boolean,
    timeoutInSeconds: number,
  ): Promise<void> {
    let status = 'unknown';
    await this.#skipper.skipUntil(
      async () => {
        // A missing instance counts as done: the real wait below then reports it as not found.
        const state = await this.getWorkflowState(instanceId, false);
        status = state?.runtimeStatus ?? 'missing';
        if (state?.stalled && state.stalled.attempts >= STALLED_ATTEMPTS_BEFORE_GIVING_UP) {
          throw new StepStalledError(instanceId, what, state.stalled);
        }
        return !state || done(state.runtimeStatus);
      },
      {
        timeoutMs: timeoutInSeconds * 1000,
        onTimeout: () => new WorkflowWaitTimeoutError(instanceId, what, timeoutInSeconds),
        onStall: () => new TimeSkippingStalledError(instanceId, what, status, new Date(this.#clock.now())),
      },
    );
  }
}
