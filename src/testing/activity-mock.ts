import type { Activity, AnyActivity, WorkflowActivityContext } from '../runtime/activities/activity-types.js';
import type { ActivityReference } from '../engine/workflow-context.js';
import { TestEnvironmentError } from './errors.js';

/** One call of a mocked activity, as the runtime made it. */
export interface ActivityCall<TInput = unknown> {
  /** The calling workflow instance. */
  instanceId: string;
  /** The task's sequence id in its workflow. */
  activityId: number;
  /** 1-based attempt under the workflow's retry policy. */
  attempt: number;
  input: TInput;
}

/** Where a mock installs itself: `RuntimeCore.overrideActivity`. */
export interface ActivityOverrides {
  /** Replaces activity `name` with `activity`; `undefined` removes the replacement. */
  overrideActivity(name: string, activity: AnyActivity | undefined): unknown;
}

/**
 * A replacement for an activity, by name, for one test: records every call (instance, attempt,
 * input) and runs `implementation`. `restore()` puts the registered activity back.
 */
export class ActivityMock<TInput = unknown, TOutput = unknown> {
  /** The name of the activity this mock replaces. */
  readonly name: string;
  /** Every call of the mock so far, in the order they were made. */
  readonly calls: ActivityCall<TInput>[] = [];
  readonly #target: ActivityOverrides;

  /**
   * Installs the mock on `target` (a `WorkflowRuntime`) in place of `activity`. Throws
   * `TestEnvironmentError` when `implementation` is not a function.
   */
  constructor(
    target: ActivityOverrides,
    activity: ActivityReference,
    implementation: Activity<TInput, TOutput>,
  ) {
    this.name = activityName(activity);
    if (typeof implementation !== 'function') {
      throw new TestEnvironmentError(
        'mock implementation',
        implementation,
        'a function (ctx, input) => output, sync or async',
      );
    }
    this.#target = target;
    const calls = this.calls;
    const mock = (ctx: WorkflowActivityContext, input: TInput): TOutput | Promise<TOutput> => {
      calls.push({
        instanceId: ctx.getWorkflowInstanceId(),
        activityId: ctx.getWorkflowActivityId(),
        attempt: ctx.getAttempt(),
        input,
      });
      return implementation(ctx, input);
    };
    target.overrideActivity(this.name, mock as AnyActivity);
  }

  /** How many calls the mock has had (`calls.length`). */
  get callCount(): number {
    return this.calls.length;
  }

  /** Calls made by one instance, in order. */
  callsOf(instanceId: string): ActivityCall<TInput>[] {
    return this.calls.filter((call) => call.instanceId === instanceId);
  }

  /** Removes the replacement: the registered activity (if any) runs again. */
  restore(): void {
    this.#target.overrideActivity(this.name, undefined);
  }
}

/** The name an activity is registered and called by. */
export function activityName(activity: ActivityReference): string {
  const name = typeof activity === 'string' ? activity : typeof activity === 'function' ? activity.name : '';
  if (typeof name !== 'string' || name.length === 0) {
    throw new TestEnvironmentError('activity', activity, 'an activity name or a named activity function');
  }
  return name;
}
