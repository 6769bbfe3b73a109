import test from 'ava';
import {
  createActivities,
  type ChargeSubscriptionInput,
} from '../../../samples/order-processing/activities.js';
import type { Subscription } from '../../../samples/order-processing/types.js';
import type { BillingRunResult } from '../../../samples/order-processing/workflows/billing-run.js';
import {
  BILLING_JOB,
  handleBillingTriggers,
  scheduleBilling,
} from '../../../samples/order-processing/workflows/billing-schedule.js';
import {
  subscriptionWorkflow,
  type SubscriptionResult,
} from '../../../samples/order-processing/workflows/subscription.js';
import { nextEvent, within } from '../../helpers/etcd-wait.js';
import { outputOf, useSampleRuntime } from './sample-fixture.js';

const app = await useSampleRuntime(test);
const subscription: Subscription = {
  subscriptionId: 'sub-test',
  customer: 'ada@example.com',
  plan: 'pro',
  price: 2900,
};

test('a subscription renews on a timer and continues as new, so its history stays small', async (t) => {
  const id = 'subscription-term';
  const generations = new Set<number>();
  await app.client.scheduleNewWorkflow(
    subscriptionWorkflow,
    { subscription: { ...subscription, subscriptionId: id }, period: '300ms', maxRenewals: 3 },
    id,
  );
  const state = await app.finished(id);
  t.is(state.runtimeStatus, 'COMPLETED');
  t.deepEqual(outputOf<SubscriptionResult>(state), {
    subscriptionId: id,
    ended: 'term-completed',
    renewals: 3,
    billed: 3 * 2900,
  });
  // Only the last generation's history is kept: one timer and one charge, whatever came before.
  const history = await app.client.getWorkflowHistory(id);
  for (const e of history) if (e.type === 'ExecutionStarted') generations.add(e.generation);
  t.deepEqual([...generations], [2]);
  t.is(history.filter((e) => e.type === 'TimerFired').length, 1);
  t.is(history.filter((e) => e.type === 'TaskScheduled').length, 1);
  // Three renewals, each billed exactly once under its own idempotency key.
  const keys = app.services.payments
    .ledger()
    .filter((c) => c.idempotencyKey.startsWith(`${id}-`))
    .map((c) => c.idempotencyKey);
  t.deepEqual(keys, [`${id}-renewal-1`, `${id}-renewal-2`, `${id}-renewal-3`]);
});

test('cancelling a subscription ends it at once, with its renewal timer cancelled', async (t) => {
  const id = 'subscription-cancel';
  await app.client.scheduleNewWorkflow(
    subscriptionWorkflow,
    { subscription: { ...subscription, subscriptionId: id }, period: '1h' },
    id,
  );
  await app.client.waitForWorkflowStart(id, false, 20);
  await app.client.raiseEvent(id, 'cancel');
  const state = await app.finished(id);
  t.deepEqual(outputOf<SubscriptionResult>(state), {
    subscriptionId: id,
    ended: 'cancelled',
    renewals: 0,
    billed: 0,
  });
  t.true((await app.client.getWorkflowHistory(id)).some((e) => e.type === 'TimerCancelled'));
});

test('the billing cron job starts one billing-run workflow per tick', async (t) => {
  const off = handleBillingTriggers(app.runtime.timers, app.client);
  t.teardown(off);
  const fired = nextEvent(app.runtime.timers, 'triggered', {
    filter: (e) => e.name === BILLING_JOB && e.result === 'success',
    timeoutMs: 20_000,
  });
  await scheduleBilling(app.runtime.timers, '@every 1s');
  const [tick] = await fired;
  await app.runtime.timers.delete(BILLING_JOB);
  const period = new Date(tick.scheduledAt).toISOString();
  const state = await app.finished(`billing-${period}`);
  t.is(state.name, 'billingRun');
  t.deepEqual(outputOf<BillingRunResult>(state), { period, charged: 3, total: 2900 + 9900 + 900 });
  t.true(
    app.services.mailer.outbox.some((m) => m.to === 'finance@example.com' && m.subject.includes(period)),
  );
});

test('a cancel that arrives while a renewal is being charged ends the subscription after that renewal', async (t) => {
  const id = 'subscription-cancel-mid-renewal';
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let started: () => void = () => {};
  const charging = new Promise<void>((resolve) => (started = resolve));
  // Tests in this file run concurrently: hold only this instance's charge, pass the rest through.
  const real = createActivities(app.services).chargeSubscription;
  app.runtime.overrideActivity('chargeSubscription', async (ctx, input: ChargeSubscriptionInput) => {
    if (ctx.getWorkflowInstanceId() === id) {
      started();
      await within(held, { timeoutMs: 20_000, what: 'the test to release the charge' });
    }
    return real(ctx, input);
  });
  t.teardown(() => app.runtime.overrideActivity('chargeSubscription', undefined));
  await app.client.scheduleNewWorkflow(
    subscriptionWorkflow,
    { subscription: { ...subscription, subscriptionId: id }, period: '200ms' },
    id,
  );
  await charging;
  await app.client.raiseEvent(id, 'cancel');
  release();
  const state = await app.finished(id);
  t.deepEqual(outputOf<SubscriptionResult>(state), {
    subscriptionId: id,
    ended: 'cancelled',
    renewals: 1,
    billed: 2900,
  });
});
