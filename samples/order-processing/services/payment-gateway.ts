import { GatewayTimeoutError, PaymentDeclinedError } from '../errors.js';
import type { Charge } from '../types.js';
import type { Simulator } from './simulator.js';

export interface ChargeRequest {
  /** The gateway charges each key at most once, however often it is asked. */
  idempotencyKey: string;
  token: string;
  amount: number;
  attempt: number;
}

export interface LedgerEntry {
  chargeId: string;
  idempotencyKey: string;
  amount: number;
  refunded: boolean;
}

/**
 * A card processor. 'tok_declined' is always declined, 'tok_flaky' times out on its first two
 * attempts, and any attempt may time out at the simulator's transient failure rate.
 */
export class PaymentGateway {
  readonly #sim: Simulator;
  readonly #ledger = new Map<string, LedgerEntry>();

  constructor(sim: Simulator) {
    this.#sim = sim;
  }

  async charge(request: ChargeRequest): Promise<Charge> {
    const { idempotencyKey: key, attempt } = request;
    await this.#sim.latency(`charge:${key}:${attempt}`, 50, 250);
    if (request.token === 'tok_declined') throw new PaymentDeclinedError(`card declined for ${key}`);
    const flaky = request.token === 'tok_flaky' && attempt <= 2;
    if (flaky || this.#sim.chance(`charge-fails:${key}:${attempt}`, this.#sim.transientFailureRate)) {
      throw new GatewayTimeoutError(`payment gateway timed out (attempt ${attempt})`);
    }
    let entry = this.#ledger.get(key);
    if (!entry) {
      entry = { chargeId: `ch_${key}`, idempotencyKey: key, amount: request.amount, refunded: false };
      this.#ledger.set(key, entry);
    }
    return { chargeId: entry.chargeId, amount: entry.amount, attempt };
  }

  /** Refunds a charge; refunding twice changes nothing. */
  async refund(chargeId: string): Promise<{ refundId: string }> {
    await this.#sim.latency(`refund:${chargeId}`, 50, 150);
    for (const entry of this.#ledger.values()) if (entry.chargeId === chargeId) entry.refunded = true;
    return { refundId: `re_${chargeId}` };
  }

  ledger(): LedgerEntry[] {
    return [...this.#ledger.values()];
  }
}
