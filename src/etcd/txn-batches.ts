import { MAX_TXN_OPS } from './store-op.js';

/**
 * `items` cut into consecutive batches of at most `size` (default etcd's limit of operations per
 * transaction, MAX_TXN_OPS): the one place writes and reads too many for one transaction are split.
 * Every batch is a transaction of its own, so the whole is not atomic: callers split only writes
 * that are safe to apply in parts (deletes, idempotent puts) and reads that need no single revision.
 */
export function txnBatches<T>(items: readonly T[], size: number = MAX_TXN_OPS): T[][] {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`batch size must be an integer >= 1, got ${size}`);
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
