/**
 * A MemoryKv whose next writes lose their answer: the caller gets a StoreUnavailableError with
 * `outcomeUnknown`, whether or not the write was applied (as after an etcd leader change or a
 * deadline that passed once the request was sent).
 */
import { StoreUnavailableError } from '../../src/etcd/errors.js';
import type { TxnResult } from '../../src/etcd/kv-store.js';
import { MemoryKv } from '../../src/etcd/memory-kv.js';
import type { StoreGuard, StoreOp } from '../../src/etcd/store-op.js';

export type Loss = 'applied' | 'not applied';

export class LosingKv extends MemoryKv {
  /** What happens to each coming write before its answer is lost; empty = answers arrive. */
  readonly losses: Loss[] = [];
  txns = 0;

  override async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    this.txns++;
    const loss = this.losses.shift();
    if (loss === 'applied') await super.txn(guards, ops);
    if (loss !== undefined) {
      throw new StoreUnavailableError('txn', 'etcdserver: leader changed', { outcomeUnknown: true });
    }
    return super.txn(guards, ops);
  }
}
