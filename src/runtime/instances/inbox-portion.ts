import { utf8Bytes } from '../../etcd/store-limits.js';
import { serializeEvent } from '../../history/serialize.js';
import type { InboxMessage } from './instance-store.js';

/**
 * Bytes of inbox messages one step takes in. Each message it takes is appended to history in the
 * step's transaction, which must stay under etcd's request limit with the record and reminders
 * beside it; the rest waits for the next step, which follows at once.
 */
export const INBOX_STEP_BYTES = 256 * 1024;

/**
 * The leading messages whose encoded events fit in `maxBytes` together, and always the first (a
 * message that fits no step alone is still taken, so the inbox never stops at it; its step then
 * fails the instance with a clear error instead). Stops encoding at the first that does not fit.
 */
export function inboxPortion(messages: readonly InboxMessage[], maxBytes: number): InboxMessage[] {
  let bytes = 0;
  let count = 0;
  for (const message of messages) {
    bytes += utf8Bytes(serializeEvent(message.event));
    if (count > 0 && bytes > maxBytes) break;
    count++;
  }
  return messages.slice(0, count);
}
