import type { Subscription } from '../types.js';
import { ShippingCarrier } from './carrier.js';
import { InventoryService } from './inventory.js';
import { Mailer } from './mailer.js';
import { PaymentGateway } from './payment-gateway.js';
import { Simulator, type SimulationOptions } from './simulator.js';

/** The shop's backing services, simulated in-process. Activities are thin wrappers around these. */
export interface Services {
  sim: Simulator;
  inventory: InventoryService;
  payments: PaymentGateway;
  carrier: ShippingCarrier;
  mailer: Mailer;
  /** The subscription book the monthly billing run charges. */
  subscriptions: Subscription[];
}

export type { SimulationOptions };

export function createServices(options: SimulationOptions): Services {
  const sim = new Simulator(options);
  return {
    sim,
    inventory: new InventoryService(sim),
    payments: new PaymentGateway(sim),
    carrier: new ShippingCarrier(sim),
    mailer: new Mailer(sim),
    subscriptions: [
      { subscriptionId: 'sub-ada', customer: 'ada@example.com', plan: 'pro', price: 2900 },
      { subscriptionId: 'sub-grace', customer: 'grace@example.com', plan: 'team', price: 9900 },
      { subscriptionId: 'sub-linus', customer: 'linus@example.com', plan: 'basic', price: 900 },
    ],
  };
}
