import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { WorkflowState } from '../runtime/instances/workflow-state-view.js';
import { WorkflowWaitTimeoutError } from '../runtime/workflow-errors.js';

/** What a handler may look at of its call: whether the caller is still there, and until when. */
export type CallLifetime = Pick<ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'cancelled'>;

/**
 * The longest single wait, in seconds. A call without a deadline waits as long as its caller
 * does, but the client's waits take a timeout and no cancellation: waiting in slices of this
 * length bounds how long the etcd watch of a call whose caller went away outlives it.
 */
const SLICE_SECONDS = 60;

/**
 * Runs `wait` (a WorkflowClient wait taking a timeout in seconds) until it resolves or the
 * call's deadline passes; rejects with `WorkflowWaitTimeoutError` then, and stops early when the
 * caller cancels. Other rejections (an unknown instance) pass through.
 */
export async function waitWithinDeadline(
  call: CallLifetime,
  instanceId: string,
  what: string,
  wait: (timeoutInSeconds: number) => Promise<WorkflowState>,
): Promise<WorkflowState> {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  for (;;) {
    const remainingSeconds = (deadlineMs - Date.now()) / 1000;
    if (remainingSeconds <= 0 || call.cancelled) {
      throw new WorkflowWaitTimeoutError(instanceId, what, Math.max(0, remainingSeconds));
    }
    const slice = Math.min(remainingSeconds, SLICE_SECONDS);
    try {
      return await wait(slice);
    } catch (error) {
      if (!(error instanceof WorkflowWaitTimeoutError) || slice < SLICE_SECONDS) throw error;
    }
  }
}
