// A `--workflows` module for benchmarks that need many stored instances: each waits for an event.
import type { WorkflowContext } from './tickflow.js';

/** Waits for `go` and returns it: an instance that stays RUNNING, stored, until raised. */
async function* waiting(ctx: WorkflowContext, input: { n: number }) {
  ctx.setCustomStatus({ waiting: input.n });
  const go: unknown = yield ctx.waitForExternalEvent('go');
  return go;
}

export const workflows = { waiting };
export const activities = {};
