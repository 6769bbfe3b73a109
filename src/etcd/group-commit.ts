import type { KvStore, TxnResult } from './kv-store.js';
import { MAX_TXN_OPS, type StoreGuard, type StoreOp } from './store-op.js';
import { ETCD_MAX_REQUEST_BYTES } from './store-limits.js';

/** Rough protobuf framing per operation or guard, on top of its key and value bytes. */
const OP_OVERHEAD_BYTES = 32;

export interface CommitItem {
  guards: StoreGuard[];
  ops: StoreOp[];
}

/** `revision` is the store revision the item committed at (or was refused at). */
export interface CommitOutcome {
  succeeded: boolean;
  revision: number;
}

interface Pending extends CommitItem {
  bytes: number;
  resolve(outcome: CommitOutcome): void;
  reject(error: unknown): void;
}

/**
 * One transaction a GroupCommit sent: how long etcd took to answer (from the send to the answer,
 * in this process), how many commits and operations it carried, and how it ended.
 */
export interface StoreCommitEvent {
  seconds: number;
  /** Commits (callers' items) batched into it. */
  items: number;
  /** Operations (puts and deletes) it carried. */
  ops: number;
  /** `refused`: a guard did not hold (its items are then re-sent one by one); `failed`: etcd failed. */
  outcome: 'committed' | 'refused' | 'failed';
}

export interface GroupCommitOptions {
  /** Transactions allowed in flight at once; more batches wait. */
  maxInFlight?: number;
  /** Operations per transaction (etcd's --max-txn-ops, 128 by default). */
  maxOps?: number;
  /**
   * Bytes of keys and values per transaction of several items; default 90 % of etcd's 1.5 MiB
   * `--max-request-bytes`, so items that fit one by one are never refused for travelling together.
   * An item larger than this still goes out, alone (etcd decides).
   */
  maxBytes?: number;
  /** Told about every transaction sent (for metrics); it must not throw. */
  onTxn?: (event: StoreCommitEvent) => void;
  /** Milliseconds, for the transaction times `onTxn` reports; default `performance.now`. */
  now?: () => number;
}

/**
 * Folds many small guarded writes into few multi-op transactions, pipelined: one txn per
 * write caps out near 5k/s on a single etcd, batches of 128 reach well beyond (see
 * `npm run bench:etcd` and docs/performance.md).
 *
 * Each item keeps its own meaning: a batch whose guards all hold commits every item at once; if
 * any guard fails the batch is re-run item by item, so one stale item never fails its neighbours.
 */
export class GroupCommit {
  readonly #kv: KvStore;
  readonly #maxInFlight: number;
  readonly #maxOps: number;
  readonly #maxBytes: number;
  readonly #onTxn: ((event: StoreCommitEvent) => void) | undefined;
  readonly #now: () => number;
  /** Waiting items are `#queue[#head..]`; consumed slots are dropped in bulk, not shifted one by one. */
  #queue: Array<Pending | undefined> = [];
  #head = 0;
  #inFlight = 0;
  #scheduled = false;
  #txns = 0;

  constructor(kv: KvStore, options: GroupCommitOptions = {}) {
    this.#kv = kv;
    this.#maxInFlight = options.maxInFlight ?? 8;
    this.#maxOps = Math.min(options.maxOps ?? MAX_TXN_OPS, MAX_TXN_OPS);
    this.#maxBytes = options.maxBytes ?? Math.floor(ETCD_MAX_REQUEST_BYTES * 0.9);
    this.#onTxn = options.onTxn;
    this.#now = options.now ?? ((): number => performance.now());
  }

  /** Transactions sent so far (for benchmarks and metrics). */
  get txnCount(): number {
    return this.#txns;
  }

  /** Resolves `succeeded: false` when one of the item's guards did not hold; rejects if etcd failed. */
  submit(item: CommitItem): Promise<CommitOutcome> {
    if (item.ops.length > this.#maxOps || item.guards.length > this.#maxOps) {
      return Promise.reject(
        new RangeError(`a single commit may hold at most ${this.#maxOps} operations and guards`),
      );
    }
    return new Promise<CommitOutcome>((resolve, reject) => {
      this.#queue.push({ guards: item.guards, ops: item.ops, bytes: itemBytes(item), resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Let the current tick's callers add to the batch before it is cut.
        queueMicrotask(() => {
          this.#scheduled = false;
          this.#pump();
        });
      }
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#head < this.#queue.length) {
      const batch = this.#cutBatch();
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  /** Takes the longest prefix of the queue that fits one txn without touching a key twice. */
  #cutBatch(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    const queue = this.#queue;
    let ops = 0;
    let guards = 0;
    let bytes = 0;
    while (this.#head < queue.length) {
      const next = queue[this.#head];
      if (next === undefined) break;
      if (batch.length > 0) {
        if (ops + next.ops.length > this.#maxOps || guards + next.guards.length > this.#maxOps) break;
        // Large values (job data, workflow payloads) must not add up past etcd's request limit.
        if (bytes + next.bytes > this.#maxBytes) break;
        // A prefix delete may overlap any key, so it travels alone.
        if (!touchesOnlyNewKeys(next, keys)) break;
      }
      queue[this.#head++] = undefined; // let the item be collected
      batch.push(next);
      ops += next.ops.length;
      guards += next.guards.length;
      bytes += next.bytes;
      if (!addKeys(next, keys)) break;
    }
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  async #run(batch: Pending[]): Promise<void> {
    try {
      const allGuards: StoreGuard[] = [];
      const allOps: StoreOp[] = [];
      for (const p of batch) {
        for (const g of p.guards) allGuards.push(g);
        for (const o of p.ops) allOps.push(o);
      }
      const result = await this.#txn(allGuards, allOps, batch.length);
      if (result.succeeded || batch.length === 1) {
        for (const p of batch) p.resolve({ succeeded: result.succeeded, revision: result.revision });
        return;
      }
      await Promise.all(
        batch.map(async (p) => {
          try {
            const single = await this.#txn(p.guards, p.ops, 1);
            p.resolve({ succeeded: single.succeeded, revision: single.revision });
          } catch (error) {
            p.reject(error);
          }
        }),
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  /** One transaction, counted and, with `onTxn`, timed. */
  async #txn(guards: StoreGuard[], ops: StoreOp[], items: number): Promise<TxnResult> {
    this.#txns++;
    const report = this.#onTxn;
    if (!report) return this.#kv.txn(guards, ops);
    const started = this.#now();
    let outcome: StoreCommitEvent['outcome'] = 'failed';
    try {
      const result = await this.#kv.txn(guards, ops);
      outcome = result.succeeded ? 'committed' : 'refused';
      return result;
    } finally {
      report({ seconds: (this.#now() - started) / 1000, items, ops: ops.length, outcome });
    }
  }
}

/** An estimate of the bytes `item` adds to a transaction request (keys, values, framing). */
export function itemBytes(item: CommitItem): number {
  let bytes = 0;
  for (const guard of item.guards) bytes += guard.key.length + OP_OVERHEAD_BYTES;
  for (const op of item.ops) {
    if (op.op === 'put') bytes += Buffer.byteLength(op.key) + Buffer.byteLength(op.value) + OP_OVERHEAD_BYTES;
    else bytes += (op.op === 'delete' ? op.key.length : op.prefix.length * 2) + OP_OVERHEAD_BYTES;
  }
  return bytes;
}

/** Whether `item` writes no key already in `keys` (and no prefix, which may overlap any key). */
function touchesOnlyNewKeys(item: CommitItem, keys: ReadonlySet<string>): boolean {
  for (const op of item.ops) {
    if (op.op === 'deletePrefix' || keys.has(op.key)) return false;
  }
  return true;
}

/** Adds the keys `item` writes to `keys`; false when it deletes a prefix (the batch must end). */
function addKeys(item: CommitItem, keys: Set<string>): boolean {
  for (const op of item.ops) {
    if (op.op === 'deletePrefix') return false;
    keys.add(op.key);
  }
  return true;
}
