import test from 'ava';
import type { HistoryEvent } from '../../../src/index.js';
import { orderFulfilment } from '../../../samples/order-processing/workflows/order-fulfilment.js';
import type { OrderInput, OrderResult } from '../../../samples/order-processing/types.js';
import { makeOrder, outputOf, useSampleRuntime } from './sample-fixture.js';

const app = await useSampleRuntime(test);
const FAST = { retryInterval: '100ms' };

function activitiesScheduled(history: HistoryEvent[]): string[] {
  return history.flatMap((e) =>
    e.type === 'TaskScheduled' ? [`${e.name}${e.attempt && e.attempt > 1 ? `#${e.attempt}` : ''}`] : [],
  );
}

async function start(input: OrderInput): Promise<string> {
  return app.client.scheduleNewWorkflow(orderFulfilment, input, input.order.id);
}

test('a small order needs no approval: reserve, charge, ship, notify', async (t) => {
  const order = makeOrder();
  await start({ order, options: FAST });
  const state = await app.finished(order.id);
  t.is(state.runtimeStatus, 'COMPLETED');
  const result = outputOf<OrderResult>(state);
  t.like(result, { outcome: 'completed', total: 25_000, paymentAttempts: 1, compensations: [] });
  t.is(result.trackingNumber?.startsWith('TF'), true);
  t.deepEqual(state.customStatus, { stage: 'done', total: 25_000 });
  const history = await app.client.getWorkflowHistory(order.id);
  t.deepEqual(activitiesScheduled(history), [
    'reserveInventory',
    'chargePayment',
    'shipOrder',
    'notifyCustomer',
  ]);
  t.true(app.services.inventory.held().includes(`res-${order.id}`));
  t.like(
    app.services.payments.ledger().find((c) => c.idempotencyKey === `order-${order.id}`),
    { amount: 25_000, refunded: false },
  );
});

test('a big order waits for approval, and an approval lets it through', async (t) => {
  const order = makeOrder({ big: true });
  await start({ order, options: { ...FAST, approvalTimeout: '1h' } });
  await app.waitForStage(order.id, 'awaiting-approval');
  await app.client.raiseEvent(order.id, 'approval', { approved: true, approver: 'grace' });
  const result = outputOf<OrderResult>(await app.finished(order.id));
  t.like(result, { outcome: 'completed', total: 250_000, paymentAttempts: 1 });
  const history = await app.client.getWorkflowHistory(order.id);
  // The hour-long approval timer lost the race and was cancelled rather than left to fire.
  t.true(history.some((e) => e.type === 'TimerCancelled'));
  t.false(history.some((e) => e.type === 'TimerFired'));
});

test('a rejected order is cancelled: the stock is released and nothing is charged', async (t) => {
  const order = makeOrder({ big: true });
  await start({ order, options: { ...FAST, approvalTimeout: '1h' } });
  await app.waitForStage(order.id, 'awaiting-approval');
  await app.client.raiseEvent(order.id, 'approval', { approved: false, approver: 'grace' });
  const result = outputOf<OrderResult>(await app.finished(order.id));
  t.like(result, { outcome: 'rejected', reason: 'rejected by grace', compensations: ['releaseInventory'] });
  t.true(app.services.inventory.released().includes(`res-${order.id}`));
  t.falsy(app.services.payments.ledger().find((c) => c.idempotencyKey === `order-${order.id}`));
  t.true(app.services.mailer.outbox.some((m) => m.subject === `Order ${order.id} cancelled`));
});

test('a big order nobody approves is cancelled when the approval timer fires', async (t) => {
  const order = makeOrder({ big: true });
  await start({ order, options: { ...FAST, approvalTimeout: '1s' } });
  const state = await app.finished(order.id);
  const result = outputOf<OrderResult>(state);
  t.like(result, {
    outcome: 'approval-timeout',
    reason: 'no approval within 1s',
    compensations: ['releaseInventory'],
  });
  const history = await app.client.getWorkflowHistory(order.id);
  const created = history.find((e) => e.type === 'TimerCreated');
  const fired = history.find((e) => e.type === 'TimerFired');
  if (created?.type !== 'TimerCreated' || fired?.type !== 'TimerFired') return t.fail('no approval timer');
  // Never early: the timer fired no sooner than one second after it was created.
  t.true(fired.timestamp.getTime() >= created.fireAt.getTime());
  t.true(created.fireAt.getTime() - created.timestamp.getTime() >= 1000);
  t.falsy(app.services.payments.ledger().find((c) => c.idempotencyKey === `order-${order.id}`));
});

test('payment gateway timeouts are retried by the retry policy, and the card is charged once', async (t) => {
  const order = makeOrder({ paymentToken: 'tok_flaky' });
  await start({ order, options: FAST });
  const result = outputOf<OrderResult>(await app.finished(order.id));
  t.like(result, { outcome: 'completed', paymentAttempts: 3 });
  const history = await app.client.getWorkflowHistory(order.id);
  t.deepEqual(activitiesScheduled(history), [
    'reserveInventory',
    'chargePayment',
    'chargePayment#2',
    'chargePayment#3',
    'shipOrder',
    'notifyCustomer',
  ]);
  const failures = history.filter((e) => e.type === 'TaskFailed');
  t.deepEqual(
    failures.map((e) => (e.type === 'TaskFailed' ? e.failureDetails.errorType : '')),
    ['GatewayTimeoutError', 'GatewayTimeoutError'],
  );
  // Retry delays are durable timers: 100ms, then 200ms (backoff 2).
  const retryTimers = history.filter((e) => e.type === 'TimerCreated' && e.origin.kind === 'retry');
  t.is(retryTimers.length, 2);
  t.is(app.services.payments.ledger().filter((c) => c.idempotencyKey === `order-${order.id}`).length, 1);
});

test('a failure after payment compensates in reverse order: refund, then release the stock', async (t) => {
  const order = makeOrder({ address: { name: 'Base', city: 'McMurdo', country: 'AQ' } });
  await start({ order, options: FAST });
  const result = outputOf<OrderResult>(await app.finished(order.id));
  t.like(result, {
    outcome: 'compensated',
    compensations: ['refundPayment', 'releaseInventory'],
    paymentAttempts: 1,
  });
  t.regex(result.reason ?? '', /no carrier serves McMurdo/);
  const history = await app.client.getWorkflowHistory(order.id);
  // Non-retryable: the carrier is asked once, then the saga unwinds.
  t.deepEqual(activitiesScheduled(history), [
    'reserveInventory',
    'chargePayment',
    'shipOrder',
    'refundPayment',
    'releaseInventory',
    'notifyCustomer',
  ]);
  t.like(
    app.services.payments.ledger().find((c) => c.idempotencyKey === `order-${order.id}`),
    { refunded: true },
  );
  t.true(app.services.inventory.released().includes(`res-${order.id}`));
});

test('a declined card is not retried; the order ends payment-failed with its stock released', async (t) => {
  const order = makeOrder({ paymentToken: 'tok_declined' });
  await start({ order, options: FAST });
  const result = outputOf<OrderResult>(await app.finished(order.id));
  t.like(result, { outcome: 'payment-failed', compensations: ['releaseInventory'] });
  t.regex(result.reason ?? '', /card declined/);
  const history = await app.client.getWorkflowHistory(order.id);
  t.deepEqual(activitiesScheduled(history), [
    'reserveInventory',
    'chargePayment',
    'releaseInventory',
    'notifyCustomer',
  ]);
});

test('an invalid order fails the workflow with an error naming the field, before anything is reserved', async (t) => {
  const order = makeOrder({ items: [{ sku: 'kbd-01', quantity: 0, unitPrice: 100 }] });
  await start({ order });
  const state = await app.finished(order.id);
  t.is(state.runtimeStatus, 'FAILED');
  t.is(state.workflowFailureDetails?.errorType, 'OrderValidationError');
  t.regex(
    state.workflowFailureDetails?.message ?? '',
    /order\.items\[0\]\.quantity: 0; allowed: an integer >= 1/,
  );
  t.deepEqual(activitiesScheduled(await app.client.getWorkflowHistory(order.id)), []);
});
