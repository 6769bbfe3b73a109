import type { KvStore } from '../../etcd/kv-store.js';
import type { HistoryEvent } from '../../history/events.js';
import { deserializeEvent } from '../../history/serialize.js';
import { isTerminalStatus } from '../../history/status.js';
import { payloadBytes } from '../../engine/payload-limit.js';
import type { InstanceKeys } from './instance-keys.js';
import type { InstanceRecord } from './instance-record.js';
import { WorkflowLimitError } from '../workflow-errors.js';

/**
 * Refuses an event past `maxCount` (the client's maxPendingEvents) or `maxBytes`
 * (maxPendingEventBytes): those the workflow holds unconsumed (recorded by its last step) plus
 * those still in its inbox. Concurrent raises may pass the check together, so the limits can be
 * exceeded by what the callers racing add; they bound growth, not an exact total.
 */
export async function checkPendingEvents(
  store: { kv: KvStore; keys: InstanceKeys },
  limits: { maxCount: number; maxBytes: number },
  instanceId: string,
  record: InstanceRecord,
  dataBytes: number,
): Promise<void> {
  if (isTerminalStatus(record.status)) return;
  const held = record.pendingEvents ?? 0;
  const heldBytes = record.pendingEventBytes ?? 0;
  const queued = await queuedEvents(store, instanceId, limits.maxCount - held, limits.maxBytes - heldBytes);
  const hint =
    'nothing was raised: let the workflow consume its events (waitForExternalEvent) or raise the limit';
  if (held + queued.count >= limits.maxCount) {
    throw new WorkflowLimitError(instanceId, 'maxPendingEvents', held + queued.count, limits.maxCount, hint);
  }
  const bytes = heldBytes + queued.bytes;
  if (bytes + dataBytes > limits.maxBytes) {
    throw new WorkflowLimitError(
      instanceId,
      'maxPendingEventBytes',
      bytes,
      limits.maxBytes,
      `this event's ${dataBytes} bytes would pass it; ${hint}`,
    );
  }
}

/**
 * Raised events waiting in the inbox, counted until `maxCount` events or `maxBytes` of data are
 * seen (enough to decide): read page by page, each page bounded in bytes by the store.
 */
async function queuedEvents(
  store: { kv: KvStore; keys: InstanceKeys },
  instanceId: string,
  maxCount: number,
  maxBytes: number,
): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  let startAfter: string | undefined;
  while (count < maxCount && bytes <= maxBytes) {
    const page = await store.kv.range(store.keys.inboxPrefix(instanceId), {
      limit: Math.min(maxCount - count, 1000),
      ...(startAfter !== undefined && { startAfter }),
    });
    for (const entry of page.entries) {
      let event: HistoryEvent;
      try {
        event = deserializeEvent(entry.value);
      } catch {
        continue; // unreadable: the next step clears it away
      }
      if (event.type !== 'EventRaised') continue;
      count++;
      bytes += payloadBytes(event.data);
    }
    startAfter = page.entries[page.entries.length - 1]?.key;
    if (!page.more || startAfter === undefined) break;
  }
  return { count, bytes };
}
