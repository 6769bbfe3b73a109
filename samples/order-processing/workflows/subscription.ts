import type { WorkflowContext } from '../../../src/index.js';
import type { Charge, Subscription } from '../types.js';

export interface SubscriptionInput {
  subscription: Subscription;
  /** Time between renewals. Default '720h' (30 days); the demo and tests use seconds. */
  period?: string;
  /** Stop after this many renewals (a fixed-term contract); default: until cancelled. */
  maxRenewals?: number;
  /** Carried from one generation to the next by continue-as-new. */
  renewals?: number;
  billed?: number;
}

export interface SubscriptionResult {
  subscriptionId: string;
  ended: 'cancelled' | 'term-completed';
  renewals: number;
  /** Cents. */
  billed: number;
}

/**
 * One customer's subscription, alive for as long as the subscription is: sleep one period on a
 * durable timer (or stop if the customer cancels), charge the renewal, and start over with
 * `continueAsNew`. Starting over drops the history, so after years of renewals it is still a
 * handful of events: the only state kept is what the next generation's input carries.
 */
export async function* subscriptionWorkflow(
  ctx: WorkflowContext,
  input: SubscriptionInput,
): AsyncGenerator<unknown, SubscriptionResult | undefined, unknown> {
  const { subscription, period = '720h' } = input;
  const renewals = input.renewals ?? 0;
  const billed = input.billed ?? 0;
  ctx.setCustomStatus({ renewals, billed });

  const renewal = ctx.createTimer(period);
  const cancel = ctx.waitForExternalEvent('cancel');
  const winner = yield* ctx.whenAny([renewal, cancel]);
  if (winner === cancel) {
    renewal.cancel();
    return { subscriptionId: subscription.subscriptionId, ended: 'cancelled', renewals, billed };
  }

  const charge = yield* ctx.callActivity<Charge>(
    'chargeSubscription',
    // The renewal number makes the charge's idempotency key: a repeated delivery never bills twice.
    { subscription, period: `renewal-${renewals + 1}` },
    { retry: { maxAttempts: 5, firstRetryInterval: '1s', backoffCoefficient: 2 } },
  );
  const next = { ...input, renewals: renewals + 1, billed: billed + charge.amount };
  // The wait for 'cancel' is still open while the renewal is charged, so a cancel sent meanwhile
  // lands here (not in the next generation): honour it now.
  if (cancel.isComplete) {
    return {
      subscriptionId: subscription.subscriptionId,
      ended: 'cancelled',
      renewals: next.renewals,
      billed: next.billed,
    };
  }
  if (input.maxRenewals !== undefined && next.renewals >= input.maxRenewals) {
    return {
      subscriptionId: subscription.subscriptionId,
      ended: 'term-completed',
      renewals: next.renewals,
      billed: next.billed,
    };
  }
  // `true`: events that arrived with nothing waiting for them go along to the next generation.
  ctx.continueAsNew(next, true);
  return undefined;
}
