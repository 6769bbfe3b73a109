import test from 'ava';
import { bulkOrders, type BulkOrderResult } from '../../../samples/order-processing/workflows/bulk-orders.js';
import type { OrderResult } from '../../../samples/order-processing/types.js';
import { makeOrder, outputOf, useSampleRuntime } from './sample-fixture.js';

const app = await useSampleRuntime(test);

test('a bulk order fans out one child workflow per order and fans in their results', async (t) => {
  const orders = [
    makeOrder(),
    makeOrder({ paymentToken: 'tok_flaky' }),
    makeOrder({ paymentToken: 'tok_declined' }),
    makeOrder({ address: { name: 'Base', city: 'McMurdo', country: 'AQ' } }),
  ];
  const batchId = `batch-${orders[0]?.id}`;
  await app.client.scheduleNewWorkflow(
    bulkOrders,
    { batchId, orders, options: { retryInterval: '100ms' } },
    batchId,
  );
  const state = await app.finished(batchId);
  t.is(state.runtimeStatus, 'COMPLETED');
  const result = outputOf<BulkOrderResult>(state);
  t.is(result.orders, 4);
  t.deepEqual(result.byOutcome, {
    completed: 2,
    rejected: 0,
    'approval-timeout': 0,
    'payment-failed': 1,
    compensated: 1,
  });
  t.is(result.revenue, 2 * 25_000);
  t.deepEqual(
    result.results.map((r) => r.orderId),
    orders.map((o) => o.id),
    'results come back in the order the children were started',
  );

  // Each child is an instance of its own, named by its order id, pointing back at the batch.
  for (const order of orders) {
    const child = await app.client.getWorkflowState(order.id, true);
    t.is(child?.name, 'orderFulfilment');
    t.is(child?.parentInstanceId, batchId);
    t.is(child && outputOf<OrderResult>(child).orderId, order.id);
  }
  const history = await app.client.getWorkflowHistory(batchId);
  t.is(history.filter((e) => e.type === 'ChildWorkflowCreated').length, 4);
  t.is(history.filter((e) => e.type === 'ChildWorkflowCompleted').length, 4);
});

test('a bulk order with an approval-sized order waits for that child only', async (t) => {
  const small = makeOrder();
  const big = makeOrder({ big: true });
  const batchId = `batch-${big.id}`;
  await app.client.scheduleNewWorkflow(bulkOrders, { batchId, orders: [small, big] }, batchId);
  // The small child finishes on its own while the big one waits for its manager.
  t.is((await app.finished(small.id)).runtimeStatus, 'COMPLETED');
  await app.waitForStage(big.id, 'awaiting-approval');
  t.is((await app.client.getWorkflowState(batchId, false))?.runtimeStatus, 'RUNNING');
  await app.client.raiseEvent(big.id, 'approval', { approved: true, approver: 'grace' });
  const result = outputOf<BulkOrderResult>(await app.finished(batchId));
  t.like(result.byOutcome, { completed: 2 });
  t.is(result.revenue, 25_000 + 250_000);
});
