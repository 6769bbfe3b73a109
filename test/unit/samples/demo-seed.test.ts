/**
 * The demo's promise: the same --seed gives the same orders and the same failures, although every
 * run gives its orders new ids (`order-<tag>-001`, the tag new each run). Checked on the seeded
 * parts (the batch plan and the simulated services' decisions), not by running the demo.
 */
import test from 'ava';
import { planBatch, sameInEveryRun, type BatchPlan } from '../../../samples/order-processing/demo/batch.js';
import { createServices } from '../../../samples/order-processing/services/index.js';
import { SeededRandom } from '../../../samples/order-processing/services/random.js';
import { orderTotal, type Order } from '../../../samples/order-processing/types.js';

const ORDERS = 40;

/** Two runs with the same seed, as the demo makes them: a different run tag in every id. */
function plans(seed: number): [BatchPlan, BatchPlan] {
  return [
    planBatch(ORDERS, new SeededRandom(seed), 'order-k3x9a'),
    planBatch(ORDERS, new SeededRandom(seed), 'order-0p7qz'),
  ];
}

/** A plan without its ids: what the orders are, when they come, and what the manager will do. */
function withoutIds(plan: BatchPlan): unknown[] {
  return plan.orders.map(({ order, arrivalMs, decision, bulk }) => {
    const { id: _id, ...rest } = order;
    return { ...rest, total: orderTotal(order), arrivalMs, decision, bulk };
  });
}

/** What the services decide for each order, driven like the order workflow drives them. */
async function decisions(plan: BatchPlan, seed: number): Promise<string[]> {
  const services = createServices({ seed, latencyScale: 0, decisionKey: sameInEveryRun });
  const out: string[] = [];
  for (const { order } of plan.orders) out.push(await fate(services, order));
  return out;
}

async function fate(services: ReturnType<typeof createServices>, order: Order): Promise<string> {
  const steps: string[] = [];
  await services.inventory.reserve(order);
  // The workflow's policy: up to 5 attempts; a declined card is not retried.
  let paid = false;
  for (let attempt = 1; attempt <= 5 && !paid; attempt++) {
    try {
      const charge = await services.payments.charge({
        idempotencyKey: `order-${order.id}`,
        token: order.paymentToken,
        amount: orderTotal(order),
        attempt,
      });
      steps.push(`paid ${charge.amount} on attempt ${attempt}`);
      paid = true;
    } catch (error) {
      steps.push((error as Error).name);
      if ((error as { nonRetryable?: boolean }).nonRetryable) break;
    }
  }
  if (paid) {
    try {
      await services.carrier.ship(order);
      steps.push('shipped');
    } catch (error) {
      steps.push((error as Error).name);
    }
  }
  return steps.join(', ');
}

test('the same seed plans the same orders in every run, whatever the run tag in their ids', (t) => {
  const [first, second] = plans(7);
  t.not(first.orders[0]?.order.id, second.orders[0]?.order.id);
  t.deepEqual(withoutIds(first), withoutIds(second));
  t.is(first.orders.length, ORDERS);
  // Not hollow: another seed plans another batch.
  t.notDeepEqual(withoutIds(planBatch(ORDERS, new SeededRandom(8), 'order-k3x9a')), withoutIds(first));
});

test('the same seed makes the same service decisions (gateway timeouts, declines, shipping) in every run', async (t) => {
  const [first, second] = plans(7);
  const a = await decisions(first, 7);
  const b = await decisions(second, 7);
  t.deepEqual(a, b);
  // Not hollow: the batch retries some payments, and fails some orders.
  const timeouts = a.join(', ').split('GatewayTimeoutError').length - 1;
  t.true(timeouts >= 5, `${timeouts} gateway timeouts`);
  t.true(a.some((f) => f.includes('PaymentDeclinedError')));
  t.true(a.some((f) => f.includes('ShippingUnavailableError')));
  t.notDeepEqual(await decisions(first, 8), a, 'another seed decides otherwise');
});

test('sameInEveryRun drops the run tag from every id in a decision key, and nothing else', (t) => {
  t.is(sameInEveryRun('charge-fails:order-order-k3x9a-007:2'), 'charge-fails:order-order-007:2');
  t.is(sameInEveryRun('latency:refund:ch_order-order-0p7qz-012'), 'latency:refund:ch_order-order-012');
  t.is(
    sameInEveryRun('latency:mail:a@example.com:Order order-k3x9a-1200 shipped'),
    'latency:mail:a@example.com:Order order-1200 shipped',
  );
  t.is(sameInEveryRun('manager:order-k3x9a-bulk'), 'manager:order-bulk');
  t.is(sameInEveryRun('charge-fails:sub-ada-2026-12:1'), 'charge-fails:sub-ada-2026-12:1');
  t.is(sameInEveryRun('latency:reserve:o-1'), 'latency:reserve:o-1');
});
