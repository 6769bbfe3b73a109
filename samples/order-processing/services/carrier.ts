import { ShippingUnavailableError } from '../errors.js';
import type { Order, Shipment } from '../types.js';
import type { Simulator } from './simulator.js';

/** A parcel carrier. It does not serve Antarctica ('AQ'), which is how the demo hits a failure past payment. */
export class ShippingCarrier {
  readonly #sim: Simulator;
  readonly #shipments = new Map<string, Shipment>();

  constructor(sim: Simulator) {
    this.#sim = sim;
  }

  async ship(order: Order): Promise<Shipment> {
    await this.#sim.latency(`ship:${order.id}`, 80, 300);
    if (order.address.country === 'AQ') {
      throw new ShippingUnavailableError(`no carrier serves ${order.address.city}, ${order.address.country}`);
    }
    let shipment = this.#shipments.get(order.id);
    if (!shipment) {
      shipment = { trackingNumber: `TF${order.id.replace(/\W/g, '').toUpperCase()}`, carrier: 'ParcelCo' };
      this.#shipments.set(order.id, shipment);
    }
    return shipment;
  }

  shipments(): string[] {
    return [...this.#shipments.keys()];
  }
}
