import { TaskFailedError, type WorkflowContext } from '../../../src/index.js';
import { resolveOrderOptions, validateOrder } from '../order-validation.js';
import {
  orderTotal,
  type ApprovalDecision,
  type Charge,
  type OrderInput,
  type OrderOutcome,
  type OrderResult,
  type OrderStage,
  type OrderStatus,
  type Reservation,
  type Shipment,
} from '../types.js';
import { Saga } from './saga.js';

/**
 * Order fulfilment: reserve stock → (big orders) wait for a manager's approval, at most
 * `approvalTimeout` → charge the card, retrying gateway timeouts → ship → email the customer.
 * A failure once the card is charged undoes everything in reverse order (refund, release stock).
 *
 * Workflow code must be deterministic: it only decides; the activities do the work, and time
 * comes from durable timers. tickflow replays this function from its history after every step.
 */
export async function* orderFulfilment(
  ctx: WorkflowContext,
  input: OrderInput,
): AsyncGenerator<unknown, OrderResult, unknown> {
  const order = validateOrder(input.order);
  const options = resolveOrderOptions(input.options);
  const total = orderTotal(order);
  const saga = new Saga(ctx);
  // The custom status shows the current stage to anyone watching (the demo's live view, `tickflow` clients).
  const stage = (name: OrderStage): void => ctx.setCustomStatus({ stage: name, total } satisfies OrderStatus);
  const finish = (outcome: OrderOutcome, compensations: string[], extra: Partial<OrderResult> = {}) => {
    stage('done');
    return { orderId: order.id, outcome, total, compensations, ...extra } satisfies OrderResult;
  };

  stage('reserving-inventory');
  const reservation = yield* ctx.callActivity<Reservation>('reserveInventory', order);
  saga.add('releaseInventory', reservation.reservationId);

  if (total > options.approvalThreshold) {
    stage('awaiting-approval');
    // Race the manager's answer against a durable timer: whichever comes first wins.
    const approval = ctx.waitForExternalEvent<ApprovalDecision>('approval');
    const deadline = ctx.createTimer(options.approvalTimeout);
    const winner = yield* ctx.whenAny([approval, deadline]);
    const decision = winner === approval ? approval.result : undefined;
    if (decision?.approved !== true) {
      stage('cancelling');
      const compensations = yield* saga.compensate();
      const outcome = decision ? 'rejected' : 'approval-timeout';
      yield* ctx.callActivity('notifyCustomer', {
        to: order.customer,
        subject: `Order ${order.id} cancelled`,
      });
      return finish(outcome, compensations, {
        reason: decision
          ? `rejected by ${decision.approver}`
          : `no approval within ${options.approvalTimeout}`,
      });
    }
    deadline.cancel(); // approved: the timer's reminder is no longer needed
  }

  stage('charging-payment');
  let charge: Charge;
  try {
    // Each retry waits on a durable timer: 'retryInterval', then twice that, and so on.
    charge = yield* ctx.callActivity<Charge>(
      'chargePayment',
      { orderId: order.id, token: order.paymentToken, amount: total },
      { retry: { maxAttempts: 5, firstRetryInterval: options.retryInterval, backoffCoefficient: 2 } },
    );
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    stage('cancelling');
    const compensations = yield* saga.compensate();
    yield* ctx.callActivity('notifyCustomer', {
      to: order.customer,
      subject: `Payment failed for ${order.id}`,
    });
    return finish('payment-failed', compensations, { reason: error.details.message });
  }
  saga.add('refundPayment', charge.chargeId);

  let shipment: Shipment;
  try {
    stage('shipping');
    shipment = yield* ctx.callActivity<Shipment>('shipOrder', order, {
      retry: { maxAttempts: 3, firstRetryInterval: options.retryInterval },
    });
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    // Past payment: put the world back as it was, newest step first.
    stage('compensating');
    const compensations = yield* saga.compensate();
    yield* ctx.callActivity('notifyCustomer', { to: order.customer, subject: `Order ${order.id} refunded` });
    return finish('compensated', compensations, {
      chargeId: charge.chargeId,
      paymentAttempts: charge.attempt,
      reason: error.details.message,
    });
  }

  stage('notifying');
  yield* ctx.callActivity('notifyCustomer', { to: order.customer, subject: `Order ${order.id} shipped` });
  return finish('completed', [], {
    chargeId: charge.chargeId,
    paymentAttempts: charge.attempt,
    trackingNumber: shipment.trackingNumber,
  });
}
