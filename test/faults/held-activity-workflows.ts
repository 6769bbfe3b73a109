/**
 * A workflow whose one activity holds its first run until the test lets it go, for the tests of
 * activities left behind by a replica (orphaned-activities.test.ts). Each run leaves a file
 * `<instance>.<pid>` in $HELD_ACTIVITY_DIR, so the test sees where and how often it ran; the first
 * run waits for `<instance>.release` there, any later run returns at once.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowActivityContext, WorkflowContext, WorkflowRuntime } from '../../src/index.js';

function dir(): string {
  const d = process.env['HELD_ACTIVITY_DIR'];
  if (!d) throw new Error('HELD_ACTIVITY_DIR is not set');
  return d;
}

/** The runs of `instanceId`'s activity so far: the pid of each replica that started one, ascending. */
export function runsOf(directory: string, instanceId: string): number[] {
  return readdirSync(directory)
    .filter((f) => f.startsWith(`${instanceId}.`) && !f.endsWith('.release'))
    .map((f) => Number(f.slice(instanceId.length + 1)))
    .sort((a, b) => a - b);
}

export async function holdFirstRun(ctx: WorkflowActivityContext): Promise<number> {
  const id = ctx.getWorkflowInstanceId();
  const first = runsOf(dir(), id).length === 0;
  writeFileSync(join(dir(), `${id}.${process.pid}`), '');
  if (first) {
    // Polls a file: the test runs in another process, and this only has to outlive a kill.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!existsSync(join(dir(), `${id}.release`))) return;
        clearInterval(poll);
        resolve();
      }, 20);
    });
  }
  return process.pid;
}

export async function* heldFlow(ctx: WorkflowContext) {
  const pid: number = yield* ctx.callActivity<number>(holdFirstRun);
  return pid;
}

export function register(runtime: WorkflowRuntime): void {
  runtime.registerWorkflow(heldFlow).registerActivity(holdFirstRun);
}
