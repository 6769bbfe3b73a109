import type { KvEntry, KvStore } from './kv-store.js';

interface Waiter {
  resolve(entry: KvEntry | undefined): void;
  reject(error: unknown): void;
}

/**
 * Folds single-key reads issued in the same tick into one `getMany` (read-only transactions of up
 * to etcd's operations per transaction each, see `txnBatches`): a burst of new instances each
 * reading its record costs a few transactions instead of one gRPC call apiece. That call's fixed
 * cost, on both ends, was the largest single share of a short workflow's CPU (docs/performance.md).
 *
 * Each read still sees a committed value no older than its call (a transaction's reads share one
 * revision, taken after the batch was cut); a failed batch fails every read in it, as separate
 * reads failing together would. Reads wait at most one microtask for their batch; the batch is
 * bounded by its callers, and `getMany` splits it by etcd's limits and halves answers too large
 * to receive.
 */
export class GroupRead {
  readonly #kv: KvStore;
  #pending = new Map<string, Waiter[]>();
  #scheduled = false;
  #reads = 0;

  constructor(kv: KvStore) {
    this.#kv = kv;
  }

  /** `getMany` calls sent so far (for tests and benchmarks). */
  get readCount(): number {
    return this.#reads;
  }

  /** The entry under `key`, or undefined; read together with the other keys asked for this tick. */
  get(key: string): Promise<KvEntry | undefined> {
    return new Promise<KvEntry | undefined>((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = new Map();
    const keys = [...batch.keys()];
    this.#reads++;
    this.#kv.getMany(keys).then(
      (entries) => {
        keys.forEach((key, i) => {
          for (const waiter of batch.get(key) ?? []) waiter.resolve(entries[i]);
        });
      },
      (error: unknown) => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
