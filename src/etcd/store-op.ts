/**
 * One write of a `KvStore.txn`, as plain data: put a key (attached to a lease, optionally),
 * delete a key, or delete every key under a prefix. Storage operations as plain data, so one module can describe writes (e.g. the timer
 * service creating a reminder) that another commits inside its own etcd transaction.
 */
export type StoreOp =
  | { op: 'put'; key: string; value: string; lease?: string }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string };

/**
 * A transaction precondition on one key: its mod revision (this exact version; `modRevision: 0`
 * means "absent"), or its create revision (this incarnation of the key, whatever was written to
 * it since: a key deleted and created again has a new create revision).
 */
export type StoreGuard = { key: string; modRevision: number } | { key: string; createRevision: number };

/** The revision a guard compares, and which one; 0 stands for "absent". */
export function guardTarget(guard: StoreGuard): { target: 'Mod' | 'Create'; revision: number } {
  return 'createRevision' in guard
    ? { target: 'Create', revision: guard.createRevision }
    : { target: 'Mod', revision: guard.modRevision };
}

/** etcd 3.4 allows 128 operations per transaction by default. */
export const MAX_TXN_OPS = 128;
