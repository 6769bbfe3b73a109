/**
 * Storage operations as plain data, so one module can describe writes (e.g. the timer
 * service creating a reminder) that another commits inside its own etcd transaction.
 */
export type StoreOp =
  | { op: 'put'; key: string; value: string; lease?: string }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string };

/** A transaction precondition on one key's mod revision; `modRevision: 0` means "absent". */
export interface StoreGuard {
  key: string;
  modRevision: number;
}

/** etcd 3.4 allows 128 operations per transaction by default. */
export const MAX_TXN_OPS = 128;
