import { createOnce } from '../etcd/create-once.js';
import type { KvStore } from '../etcd/kv-store.js';
import { ClusterError, PartitionCountMismatchError } from './errors.js';

/** The partition count of a scope whose first process did not choose one. */
export const DEFAULT_PARTITIONS = 32;

/**
 * The scope's partition count, as stored in etcd under `key`. The first process to ask stores
 * its `requested` count (or DEFAULT_PARTITIONS) there, created only if absent; everyone after
 * adopts the stored one. So a client or replica started without the option hashes job names
 * exactly as the cluster does: a default of its own would put jobs in partitions nobody looks in.
 * A `requested` count that differs from the stored one is a PartitionCountMismatchError.
 */
export async function agreePartitionCount(kv: KvStore, key: string, requested?: number): Promise<number> {
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested < 1)) {
    throw new ClusterError(`partitions must be an integer >= 1, got ${String(requested)}`);
  }
  const proposed = requested ?? DEFAULT_PARTITIONS;
  // Read first: after the scope's first process, this is one read and no write. The create is
  // create-only (createOnce settles a lost answer), and the key is never deleted.
  let value = (await kv.get(key))?.value;
  if (value === undefined) {
    if (await createOnce(kv, key, String(proposed))) return proposed;
    value = (await kv.get(key))?.value;
  }
  const stored = Number(value);
  if (!Number.isSafeInteger(stored) || stored < 1) {
    throw new ClusterError(`the partition count stored under ${key} is not a positive integer`);
  }
  if (requested !== undefined && stored !== requested) {
    throw new PartitionCountMismatchError(key, stored, requested);
  }
  return stored;
}

/**
 * One process's copy of its scope's partition count: read (or stored) once, on first need, and
 * then known synchronously for building job keys inside transactions.
 */
export class ScopePartitions {
  readonly #kv: KvStore;
  readonly #key: string;
  readonly #requested: number | undefined;
  #count: number | undefined;
  #agreed: Promise<number> | undefined;

  constructor(kv: KvStore, key: string, requested?: number) {
    this.#kv = kv;
    this.#key = key;
    this.#requested = requested;
  }

  /** The count, agreed with etcd on the first call; a failed read is tried again by the next call. */
  agreed(): Promise<number> {
    this.#agreed ??= agreePartitionCount(this.#kv, this.#key, this.#requested).then(
      (count) => (this.#count = count),
      (error: unknown) => {
        this.#agreed = undefined;
        throw error;
      },
    );
    return this.#agreed;
  }

  /** The count if already agreed. */
  get count(): number | undefined {
    return this.#count;
  }
}
