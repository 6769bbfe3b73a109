import type { WorkflowActivityContext, WorkflowContext, WorkflowRuntime } from '../../src/index.js';

/**
 * Workflows for the crash tests, shared by the test and the runtime it runs (and kills) in a child
 * process: both sides must register the same code under the same names.
 */

/** Inputs whose activity takes seconds: certainly still running when the process is killed. */
export const isSlowInput = (n: number): boolean => n % 25 === 0;

/** Takes a little while (some inputs, seconds), so activities are in flight when the process dies. */
export async function slowIncrement(_ctx: WorkflowActivityContext, n: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, isSlowInput(n) ? 3000 : 20 + (n % 7) * 10));
  return n + 1;
}

/** Activity, timer, fan-out of two activities, timer: n -> 2n + 5. */
export async function* crashFlow(ctx: WorkflowContext, n: number) {
  const a = yield* ctx.callActivity<number>(slowIncrement, n);
  yield ctx.createTimer(1);
  const [b, c] = yield* ctx.whenAll([
    ctx.callActivity<number>(slowIncrement, a),
    ctx.callActivity<number>(slowIncrement, a + 1),
  ]);
  yield ctx.createTimer('500ms');
  return b + c;
}

export const crashFlowOutput = (n: number): number => 2 * n + 5;

export function registerCrashWorkflows(runtime: WorkflowRuntime): void {
  runtime.registerWorkflow(crashFlow).registerActivity(slowIncrement);
}
