import test from 'ava';
import { WorkflowRuntimeStatus, type WorkflowActivityContext } from '../../../src/index.js';
import { TestWorkflowEnvironment } from '../../../src/testing/index.js';
import {
  chargePayment,
  largeOrder,
  orderActivities,
  orderWorkflow,
  smallOrder,
  type Order,
} from './fixtures/order.js';

const HOUR = 3_600_000;

async function orderEnv(t: { teardown(fn: () => Promise<void>): void }): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.create({
    workflows: [orderWorkflow],
    activities: orderActivities,
  });
  t.teardown(() => env.teardown());
  return env;
}

function output(state: { serializedOutput?: string }): unknown {
  return JSON.parse(state.serializedOutput ?? 'null');
}

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

test('a large order approved after 3 virtual hours completes at +3h', async (t) => {
  const env = await orderEnv(t);
  const start = env.now().getTime();
  const id = await env.client.scheduleNewWorkflow(orderWorkflow, largeOrder, 'order-approved');
  await env.sleep('3h');
  const waiting = await env.client.getWorkflowState(id);
  t.is(waiting?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
  t.is(waiting?.customStatus, 'awaiting-approval');

  await env.client.raiseEvent(id, 'approval', { approved: true });
  const state = await env.client.waitForWorkflowCompletion(id);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.deepEqual(output(state), {
    status: 'completed',
    receipt: 'receipt-o-large',
    shipment: 'shipment-o-large',
  });
  t.is(env.now().getTime() - start, 3 * HOUR, 'nothing was due after the approval, so time stayed at +3h');
  await env.assertTimeline(id, [
    '+0s ExecutionStarted orderWorkflow',
    '+0s TaskScheduled checkInventory',
    '+0s TaskCompleted checkInventory',
    '+0s CustomStatusSet "awaiting-approval"',
    '+0s TimerCreated (user) for +24h',
    '+3h EventRaised approval',
    '+3h CustomStatusSet "approved"',
    '+3h TaskScheduled chargePayment',
    '+3h TaskCompleted chargePayment',
    '+3h TaskScheduled shipOrder',
    '+3h TaskCompleted shipOrder',
    // The losing timer of the whenAny is cancelled (its reminder deleted) when the workflow ends.
    '+3h TimerCancelled (user)',
    '+3h ExecutionCompleted COMPLETED',
  ]);
  t.deepEqual(env.warnings, []);
});

test('a large order nobody approves times out after 24 virtual hours', async (t) => {
  const env = await orderEnv(t);
  const charge = env.mockActivity(chargePayment, () => 'never');
  const id = await env.client.scheduleNewWorkflow(orderWorkflow, largeOrder);
  // Nothing raises the approval: the wait skips straight to the 24 h timer.
  const state = await env.client.waitForWorkflowCompletion(id);
  t.deepEqual(output(state), { status: 'approval-timed-out' });
  t.is(state.lastUpdatedAt.getTime() - state.createdAt.getTime(), 24 * HOUR);
  t.is(charge.callCount, 0);
  const timeline = await env.timeline(id);
  t.deepEqual(timeline.slice(-2), ['+24h TimerFired (user)', '+24h ExecutionCompleted COMPLETED']);
});

test('an approval one millisecond before the timeout still wins; the timer never fires', async (t) => {
  const env = await orderEnv(t);
  const id = await env.client.scheduleNewWorkflow(orderWorkflow, largeOrder);
  await env.sleep(24 * HOUR - 1);
  await env.client.raiseEvent(id, 'approval', { approved: false });
  const state = await env.client.waitForWorkflowCompletion(id);
  t.deepEqual(output(state), { status: 'rejected' });
  const history = await env.getHistory(id);
  t.false(history.some((e) => e.type === 'TimerFired'));
  // The timer's reminder was deleted with the completion: skipping a day further fires nothing.
  await env.sleep('24h');
  t.is((await env.getHistory(id)).length, history.length);
});

test('payment retries with exponential backoff: attempts at +0s, +1s, +3s, then success', async (t) => {
  const env = await orderEnv(t);
  const charge = env.mockActivity<Order, string>(chargePayment, (ctx: WorkflowActivityContext, order) => {
    if (ctx.getAttempt() < 3) throw new PaymentDeclinedError(`card declined for ${order.id}`);
    return `receipt-${order.id}-retried`;
  });
  const id = await env.client.scheduleNewWorkflow(orderWorkflow, smallOrder);
  const state = await env.client.waitForWorkflowCompletion(id);
  t.deepEqual(output(state), {
    status: 'completed',
    receipt: 'receipt-o-small-retried',
    shipment: 'shipment-o-small',
  });
  t.deepEqual(
    charge.calls.map((c) => c.attempt),
    [1, 2, 3],
  );
  const calls = await env.activityCalls(id, chargePayment);
  const start = state.createdAt.getTime();
  t.deepEqual(
    calls.map((c) => [c.attempt, c.scheduledAt.getTime() - start, c.outcome?.ok]),
    [
      [1, 0, false],
      [2, 1000, false],
      [3, 3000, true],
    ],
  );
  await env.assertActivityCalledWith(id, chargePayment, smallOrder);
  const retries = (await env.timeline(id)).filter((line) => line.includes('(retry)'));
  t.deepEqual(retries, [
    '+0s TimerCreated (retry) for +1s',
    '+1s TimerFired (retry)',
    '+1s TimerCreated (retry) for +3s',
    '+3s TimerFired (retry)',
  ]);
});

test('payment that always fails gives up after 4 attempts, the last at +7s', async (t) => {
  const env = await orderEnv(t);
  env.mockActivity(chargePayment, () => {
    throw new PaymentDeclinedError('insufficient funds');
  });
  const id = await env.client.scheduleNewWorkflow(orderWorkflow, smallOrder);
  const state = await env.client.waitForWorkflowCompletion(id);
  t.deepEqual(output(state), { status: 'payment-failed' });
  const calls = await env.activityCalls(id, 'chargePayment');
  t.deepEqual(
    calls.map((c) => c.scheduledAt.getTime() - state.createdAt.getTime()),
    [0, 1000, 3000, 7000],
  );
  t.true(
    calls.every((c) => c.outcome?.ok === false && c.outcome.failure.errorType === 'PaymentDeclinedError'),
  );
});

test('an out-of-stock order ends at once without touching payment', async (t) => {
  const env = await orderEnv(t);
  const id = await env.client.scheduleNewWorkflow(orderWorkflow, { ...smallOrder, quantity: 50 });
  const state = await env.client.waitForWorkflowCompletion(id);
  t.deepEqual(output(state), { status: 'out-of-stock' });
  t.deepEqual(
    (await env.activityCalls(id)).map((c) => c.name),
    ['checkInventory'],
  );
  t.is(state.lastUpdatedAt.getTime(), state.createdAt.getTime());
});
