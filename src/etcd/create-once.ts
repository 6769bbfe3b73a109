import { StoreUnavailableError } from './errors.js';
import type { KvStore } from './kv-store.js';

/**
 * Creates `key` with `value` if it is absent, and settles a lost answer itself instead of handing
 * the caller an unknown outcome. A create-only write is safe to re-send: whichever copy applies
 * first creates the key and every other fails its guard. So after an answer is lost (leader
 * change, deadline) the write is sent again, and a failed guard after that is resolved by reading
 * the key back: holding exactly the value sent means an earlier copy landed, so it was ours.
 *
 * Resolves true when the key was created with `value`, false when it holds something else (it
 * existed already, or another writer created it). Rejects only with errors other than an unknown
 * outcome, or when `attempts` sends all ended with one.
 *
 * Residual case: if an earlier copy landed and the key was deleted again before the re-send (a
 * one-shot job due at once can fire and end that fast), the re-send creates it a second time.
 */
export async function createOnce(
  kv: KvStore,
  key: string,
  value: string,
  options: { attempts?: number; sentBefore?: boolean } = {},
): Promise<boolean> {
  const attempts = options.attempts ?? 4;
  const put = { op: 'put' as const, key, value };
  // Whether a copy may already have been applied (the caller's own attempt, when `sentBefore`).
  let maybeSent = options.sentBefore ?? false;
  for (let attempt = 1; ; attempt++) {
    try {
      const { succeeded } = await kv.txn([{ key, modRevision: 0 }], [put]);
      if (succeeded) return true;
      if (!maybeSent) return false;
      return (await kv.get(key))?.value === value;
    } catch (error) {
      if (!isUnknownOutcome(error) || attempt >= attempts) throw error;
      maybeSent = true;
    }
  }
}

/** Whether `error` leaves a write's outcome unknown (it may or may not have been applied). */
export function isUnknownOutcome(error: unknown): boolean {
  return error instanceof StoreUnavailableError && error.outcomeUnknown;
}
