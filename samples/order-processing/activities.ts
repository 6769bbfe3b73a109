import type { WorkflowActivityContext } from '../../src/index.js';
import type { Services } from './services/index.js';
import type { Charge, Order, Reservation, Shipment, Subscription } from './types.js';

export interface ChargePaymentInput {
  orderId: string;
  token: string;
  amount: number;
}

export interface ChargeSubscriptionInput {
  subscription: Subscription;
  /** Which billing period this charge is for; with the subscription it makes the idempotency key. */
  period: string;
}

export interface NotifyInput {
  to: string;
  subject: string;
}

/**
 * The activities of the samples: the only place that talks to the outside world. tickflow runs
 * each at least once, so every one of them is idempotent (keyed by order, charge or period).
 * Workflows call them by these names.
 */
export function createActivities(services: Services) {
  const { inventory, payments, carrier, mailer } = services;
  return {
    reserveInventory: (_ctx: WorkflowActivityContext, order: Order): Promise<Reservation> =>
      inventory.reserve(order),

    releaseInventory: (_ctx: WorkflowActivityContext, reservationId: string): Promise<boolean> =>
      inventory.release(reservationId),

    chargePayment: (ctx: WorkflowActivityContext, input: ChargePaymentInput): Promise<Charge> =>
      payments.charge({
        idempotencyKey: `order-${input.orderId}`,
        token: input.token,
        amount: input.amount,
        attempt: ctx.getAttempt(),
      }),

    refundPayment: (_ctx: WorkflowActivityContext, chargeId: string): Promise<{ refundId: string }> =>
      payments.refund(chargeId),

    shipOrder: (_ctx: WorkflowActivityContext, order: Order): Promise<Shipment> => carrier.ship(order),

    notifyCustomer: (_ctx: WorkflowActivityContext, email: NotifyInput): Promise<void> => mailer.send(email),

    listActiveSubscriptions: async (): Promise<Subscription[]> => services.subscriptions,

    chargeSubscription: (ctx: WorkflowActivityContext, input: ChargeSubscriptionInput): Promise<Charge> =>
      payments.charge({
        idempotencyKey: `${input.subscription.subscriptionId}-${input.period}`,
        token: 'tok_visa',
        amount: input.subscription.price,
        attempt: ctx.getAttempt(),
      }),
  };
}

export type OrderActivities = ReturnType<typeof createActivities>;
export type ActivityName = keyof OrderActivities;
