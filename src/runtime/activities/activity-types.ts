/** What an activity sees of the workflow that called it. */
export interface WorkflowActivityContext {
  /** The id of the workflow instance that scheduled this activity. */
  getWorkflowInstanceId(): string;
  /** The task's sequence id in its workflow (stable across retries of a delivery). */
  getWorkflowActivityId(): number;
  /** 1-based attempt under the workflow's retry policy. */
  getAttempt(): number;
}

/** An activity: a plain or async function of its context and input. It runs at least once per call. */
export type Activity<TInput = never, TOutput = unknown> = (
  ctx: WorkflowActivityContext,
  input: TInput,
) => TOutput | Promise<TOutput>;

/** Any activity, whatever its input type (what `registerActivity` and the registries take). */
export type AnyActivity = (ctx: WorkflowActivityContext, input: never) => unknown;

/** How an activity is registered. */
export interface ActivityRegistrationOptions {
  /**
   * Run the activity inside the step of the workflow that calls it, and commit its outcome with
   * the workflow's next steps in one etcd transaction (like Temporal's local activities): for
   * short activities, it saves one transaction per call. It still runs at least once; a crash
   * before the commit runs every inline call since the last commit again. Default false. See
   * docs/workflows.md, "Inline activities".
   */
  inline?: boolean;
}
