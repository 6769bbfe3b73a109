import type { HistoryEvent } from '../../history/events.js';
import { payloadBytes } from '../../engine/payload-limit.js';

/** Events handed to an instance in-process (an activity's outcome, a timer, a wake-up), not yet stepped. */
export interface Delivery {
  events: HistoryEvent[];
  /** The delivery asked for the inbox to be read. */
  readInbox: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Payload bytes of in-process deliveries one step takes in, like `INBOX_STEP_BYTES` for the
 * inbox: a burst of large activity results (a fan-out) is recorded over several steps that follow
 * at once, instead of one step over etcd's request limit that would fail the instance.
 */
export const DELIVERY_STEP_BYTES = 256 * 1024;

/**
 * Takes the leading deliveries whose payloads fit in `maxBytes` together out of `queue`, and
 * always the first (one that fits no step alone is still taken; its step then fails the instance
 * with a clear error instead of holding up the rest).
 */
export function takeDeliveries(queue: Delivery[], maxBytes: number): Delivery[] {
  // The first is always taken: a lone delivery (the usual case) needs no sizing at all.
  if (queue.length <= 1) return queue.splice(0);
  let bytes = 0;
  let count = 0;
  for (const delivery of queue) {
    for (const event of delivery.events) bytes += eventPayloadBytes(event);
    if (count > 0 && bytes > maxBytes) break;
    count++;
  }
  return queue.splice(0, count);
}

/** JSON bytes of what an event carries (a result, data, a failure); 0 for bare events. */
export function eventPayloadBytes(event: HistoryEvent): number {
  switch (event.type) {
    case 'TaskCompleted':
    case 'ChildWorkflowCompleted':
      return payloadBytes(event.result);
    case 'TaskFailed':
    case 'ChildWorkflowFailed':
      return payloadBytes(event.failureDetails);
    case 'EventRaised':
      return payloadBytes(event.data);
    case 'ExecutionTerminated':
      return payloadBytes(event.output);
    default:
      return 0;
  }
}
