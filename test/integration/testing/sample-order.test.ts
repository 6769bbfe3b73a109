// The samples' order workflow (samples/order-processing) under the time-skipping environment,
// with its default options: a 24 h approval window and payment retries every 2 s, doubling.
import test, { type ExecutionContext } from 'ava';
import { createActivities } from '../../../samples/order-processing/activities.js';
import * as registry from '../../../samples/order-processing/register.js';
import { createServices, type Services } from '../../../samples/order-processing/services/index.js';
import type { Order, OrderResult } from '../../../samples/order-processing/types.js';
import { orderFulfilment } from '../../../samples/order-processing/workflows/order-fulfilment.js';
import { WorkflowRuntimeStatus } from '../../../src/index.js';
import { replayHistories, TestWorkflowEnvironment } from '../../../src/testing/index.js';

const HOUR = 3_600_000;

async function sampleEnv(t: ExecutionContext): Promise<{ env: TestWorkflowEnvironment; services: Services }> {
  // Simulated services that answer at once and fail only where an order's token says so.
  const services = createServices({ seed: 1, latencyScale: 0, transientFailureRate: 0 });
  const env = await TestWorkflowEnvironment.create({
    workflows: registry.sampleWorkflows,
    activities: createActivities(services),
  });
  t.teardown(() => env.teardown());
  return { env, services };
}

function order(id: string, overrides: Partial<Order> = {}): Order {
  return {
    id,
    customer: 'ada@example.com',
    items: [{ sku: 'kbd-01', quantity: 20, unitPrice: 12_500 }], // $2,500: needs approval
    paymentToken: 'tok_visa',
    address: { name: 'Ada', city: 'London', country: 'GB' },
    ...overrides,
  };
}

function result(state: { serializedOutput?: string }): OrderResult {
  return JSON.parse(state.serializedOutput ?? 'null') as OrderResult;
}

test('sample: a big order approved after 3 virtual hours is charged and shipped at +3h', async (t) => {
  const { env, services } = await sampleEnv(t);
  const id = await env.client.scheduleNewWorkflow(orderFulfilment, { order: order('big-1') }, 'big-1');
  await env.sleep('3h');
  t.deepEqual((await env.client.getWorkflowState(id))?.customStatus, {
    stage: 'awaiting-approval',
    total: 250_000,
  });
  await env.client.raiseEvent(id, 'approval', { approved: true, approver: 'grace' });
  const state = await env.client.waitForWorkflowCompletion(id);
  t.like(result(state), { outcome: 'completed', paymentAttempts: 1, compensations: [] });
  t.is(state.lastUpdatedAt.getTime() - state.createdAt.getTime(), 3 * HOUR);
  t.like(services.payments.ledger()[0], { idempotencyKey: 'order-big-1', amount: 250_000 });
});

test('sample: a big order nobody approves is cancelled after 24 virtual hours', async (t) => {
  const { env, services } = await sampleEnv(t);
  const id = await env.client.scheduleNewWorkflow(orderFulfilment, { order: order('big-2') }, 'big-2');
  const state = await env.client.waitForWorkflowCompletion(id);
  t.like(result(state), {
    outcome: 'approval-timeout',
    reason: 'no approval within 24h',
    compensations: ['releaseInventory'],
  });
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(state.lastUpdatedAt.getTime() - state.createdAt.getTime(), 24 * HOUR);
  t.deepEqual(services.payments.ledger(), []);
  t.true(services.inventory.released().includes('res-big-2'));
});

test('sample: a flaky card is retried with backoff (+0s, +2s, +6s) and then charged', async (t) => {
  const { env } = await sampleEnv(t);
  const small = order('small-1', { items: [{ sku: 'kbd-01', quantity: 1, unitPrice: 12_500 }] });
  const id = await env.client.scheduleNewWorkflow(
    orderFulfilment,
    { order: { ...small, paymentToken: 'tok_flaky' } },
    'small-1',
  );
  const state = await env.client.waitForWorkflowCompletion(id);
  t.like(result(state), { outcome: 'completed', paymentAttempts: 3 });
  const calls = await env.activityCalls(id, 'chargePayment');
  t.deepEqual(
    calls.map((c) => [c.attempt, c.scheduledAt.getTime() - state.createdAt.getTime(), c.outcome?.ok]),
    [
      [1, 0, false],
      [2, 2000, false],
      [3, 6000, true],
    ],
  );
  t.true(
    calls.slice(0, 2).every((c) => !c.outcome?.ok && c.outcome?.failure.errorType === 'GatewayTimeoutError'),
  );

  // The sample's histories replay against its current code, found through its module's exports.
  const report = await replayHistories(registry, { [id]: await env.getHistory(id) });
  t.true(report.ok, report.failures.map((f) => f.error.message).join('\n'));
});
