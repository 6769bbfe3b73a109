import { StoreRequestError } from './errors.js';
import { guardTarget, MAX_TXN_OPS, type StoreGuard, type StoreOp } from './store-op.js';

/**
 * Rejects, before anything is sent, the transactions etcd 3.4 would refuse, so both KvStore
 * implementations fail the same way with the same typed error.
 */
export function checkTxn(guards: readonly StoreGuard[], ops: readonly StoreOp[]): void {
  if (guards.length > MAX_TXN_OPS) {
    throw new StoreRequestError(
      'guards.length',
      guards.length,
      `at most ${MAX_TXN_OPS} guards per transaction`,
    );
  }
  if (ops.length > MAX_TXN_OPS) {
    throw new StoreRequestError(
      'ops.length',
      ops.length,
      `at most ${MAX_TXN_OPS} operations per transaction`,
    );
  }
  for (const guard of guards) {
    if (guard.key === '') throw new StoreRequestError('guard.key', guard.key, 'a non-empty key');
    const { target, revision } = guardTarget(guard);
    if (!Number.isSafeInteger(revision) || revision < 0) {
      throw new StoreRequestError(
        `guard.${target === 'Mod' ? 'modRevision' : 'createRevision'} for ${guard.key}`,
        revision,
        'an integer >= 0 (0 means the key is absent)',
      );
    }
  }
  const puts = new Set<string>();
  const deletedPrefixes: string[] = [];
  const deletedKeys = new Set<string>();
  for (const op of ops) {
    switch (op.op) {
      case 'put':
        if (op.key === '') throw new StoreRequestError('put.key', op.key, 'a non-empty key');
        if (puts.has(op.key)) {
          throw new StoreRequestError('put.key', op.key, 'each key at most once per transaction');
        }
        if (op.lease !== undefined && !/^[1-9][0-9]*$/.test(op.lease)) {
          throw new StoreRequestError(
            `put.lease for ${op.key}`,
            op.lease,
            'a decimal lease id from grantLease',
          );
        }
        puts.add(op.key);
        break;
      case 'delete':
        if (op.key === '') throw new StoreRequestError('delete.key', op.key, 'a non-empty key');
        deletedKeys.add(op.key);
        break;
      case 'deletePrefix':
        if (op.prefix === '') {
          throw new StoreRequestError('deletePrefix.prefix', op.prefix, 'a non-empty prefix');
        }
        deletedPrefixes.push(op.prefix);
        break;
    }
  }
  // etcd refuses a put and a delete of the same key in one transaction ("duplicate key").
  for (const key of puts) {
    if (deletedKeys.has(key) || deletedPrefixes.some((p) => key.startsWith(p))) {
      throw new StoreRequestError('put.key', key, 'a key that is not also deleted in the same transaction');
    }
  }
}
