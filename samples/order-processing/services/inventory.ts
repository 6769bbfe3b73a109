import type { Order, Reservation } from '../types.js';
import type { Simulator } from './simulator.js';

/** A warehouse that holds stock for orders. Reserving twice for one order is a no-op. */
export class InventoryService {
  readonly #sim: Simulator;
  readonly #reservations = new Map<string, Order['items']>();
  readonly #released = new Set<string>();

  constructor(sim: Simulator) {
    this.#sim = sim;
  }

  async reserve(order: Order): Promise<Reservation> {
    await this.#sim.latency(`reserve:${order.id}`, 20, 120);
    // Keyed by order: an activity runs at least once, so a redelivery must not reserve twice.
    const reservationId = `res-${order.id}`;
    if (!this.#reservations.has(reservationId)) this.#reservations.set(reservationId, order.items);
    return { reservationId, orderId: order.id };
  }

  /** Puts the stock back; resolves false if it was already released (a repeated compensation). */
  async release(reservationId: string): Promise<boolean> {
    await this.#sim.latency(`release:${reservationId}`, 20, 80);
    if (this.#released.has(reservationId)) return false;
    this.#released.add(reservationId);
    return true;
  }

  /** Reservations still holding stock. */
  held(): string[] {
    return [...this.#reservations.keys()].filter((id) => !this.#released.has(id));
  }

  released(): string[] {
    return [...this.#released];
  }
}
