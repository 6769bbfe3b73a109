/**
 * A KvStore around a real one whose transactions a test can hold at the door, to open the window
 * between a client's read and its write: hold(), let the client start, await `held` (a transaction
 * is waiting), change the store behind its back, then release().
 */
import type { TxnResult } from '../../src/etcd/kv-store.js';
import type { StoreGuard, StoreOp } from '../../src/etcd/store-op.js';
import { ForwardingKv } from './forwarding-kv.js';

export class GatedKv extends ForwardingKv {
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  #onHeld: (() => void) | undefined;
  /** Resolves when a transaction first waits at the closed gate. */
  held: Promise<void> = Promise.resolve();

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
    this.held = new Promise((resolve) => (this.#onHeld = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  override async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    const gate = this.#gate;
    if (gate) {
      this.#onHeld?.();
      await gate;
    }
    return this.inner.txn(guards, ops);
  }
}
