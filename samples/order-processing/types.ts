/** The shop's domain: what the order workflows take and return. Everything here is plain JSON. */

export interface OrderItem {
  sku: string;
  quantity: number;
  /** In cents, so totals add up exactly. */
  unitPrice: number;
}

export interface Address {
  name: string;
  city: string;
  /** ISO 3166 code; the simulated carrier does not deliver to 'AQ' (Antarctica). */
  country: string;
}

export interface Order {
  id: string;
  customer: string;
  items: OrderItem[];
  /**
   * A payment-gateway token, like a card processor's test cards: 'tok_visa' pays,
   * 'tok_flaky' times out on the first two attempts, 'tok_declined' is declined for good.
   */
  paymentToken: string;
  address: Address;
}

/** Knobs a caller may set per order; the demo and the tests shorten the timeouts this way. */
export interface OrderOptions {
  /** Orders above this total (cents) need a manager's approval. Default 100_000 ($1,000). */
  approvalThreshold?: number;
  /** How long to wait for the approval before cancelling. Default '24h'. */
  approvalTimeout?: string;
  /** Delay before the first retry of a payment or a shipment; later ones double. Default '2s'. */
  retryInterval?: string;
}

export interface OrderInput {
  order: Order;
  options?: OrderOptions;
}

/** The manager's answer, raised on the order as the external event `approval`. */
export interface ApprovalDecision {
  approved: boolean;
  approver: string;
  note?: string;
}

/** Business outcomes. They are all normal completions of the workflow, not workflow failures. */
export type OrderOutcome = 'completed' | 'rejected' | 'approval-timeout' | 'payment-failed' | 'compensated';

export const ORDER_OUTCOMES: readonly OrderOutcome[] = [
  'completed',
  'rejected',
  'approval-timeout',
  'payment-failed',
  'compensated',
];

export interface OrderResult {
  orderId: string;
  outcome: OrderOutcome;
  /** Cents. */
  total: number;
  trackingNumber?: string;
  chargeId?: string;
  /** Attempts the successful payment took (1 = no retry). */
  paymentAttempts?: number;
  /** Why the order did not complete. */
  reason?: string;
  /** Compensations that ran, in the order they ran. */
  compensations: string[];
}

/** The stages an order shows as its custom status while it runs. */
export type OrderStage =
  | 'reserving-inventory'
  | 'awaiting-approval'
  | 'charging-payment'
  | 'shipping'
  | 'notifying'
  | 'compensating'
  | 'cancelling'
  | 'done';

export interface OrderStatus {
  stage: OrderStage;
  total: number;
}

export interface Reservation {
  reservationId: string;
  orderId: string;
}

export interface Charge {
  chargeId: string;
  amount: number;
  /** Which attempt (under the workflow's retry policy) went through. */
  attempt: number;
}

export interface Shipment {
  trackingNumber: string;
  carrier: string;
}

/** A recurring customer subscription (see workflows/subscription.ts). */
export interface Subscription {
  subscriptionId: string;
  customer: string;
  plan: string;
  /** Cents per period. */
  price: number;
}

export function orderTotal(order: Order): number {
  return order.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}
