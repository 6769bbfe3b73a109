import type { WorkflowContext } from '../../../src/index.js';
import type { Charge, Subscription } from '../types.js';

export interface BillingRunInput {
  /** The billing period, e.g. the cron tick that started the run; part of every charge's key. */
  period: string;
}

export interface BillingRunResult {
  period: string;
  charged: number;
  /** Cents. */
  total: number;
}

/**
 * The monthly billing run, started by a cron job (see billing-schedule.ts): charge every active
 * subscription in parallel (fan-out over activities), then report the total to finance.
 */
export async function* billingRun(
  ctx: WorkflowContext,
  input: BillingRunInput,
): AsyncGenerator<unknown, BillingRunResult, unknown> {
  const subscriptions = yield* ctx.callActivity<Subscription[]>('listActiveSubscriptions');
  const retry = { maxAttempts: 5, firstRetryInterval: '1s', backoffCoefficient: 2 };
  const charges = yield* ctx.whenAll(
    subscriptions.map((subscription) =>
      ctx.callActivity<Charge>('chargeSubscription', { subscription, period: input.period }, { retry }),
    ),
  );
  const total = charges.reduce((sum, charge) => sum + charge.amount, 0);
  yield* ctx.callActivity('notifyCustomer', {
    to: 'finance@example.com',
    subject: `Billing run ${input.period}: ${charges.length} charges, ${total} cents`,
  });
  return { period: input.period, charged: charges.length, total };
}
