import test from 'ava';
import { WorkflowRuntimeStatus, type WorkflowContext } from '../../../src/index.js';
import { TestEnvironmentError, TestWorkflowEnvironment } from '../../../src/testing/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { chargePayment, orderActivities, orderWorkflow, smallOrder } from './fixtures/order.js';

const etcd = await useEtcd(test);

async function* briefNap(ctx: WorkflowContext) {
  yield ctx.createTimer(0.3);
  return 'rested';
}

test('without time skipping the environment runs on a real etcd and the real clock', async (t) => {
  const env = await TestWorkflowEnvironment.create({
    etcd: { hosts: etcd.hosts },
    workflows: [orderWorkflow, briefNap],
    activities: orderActivities,
  });
  t.teardown(() => env.teardown());
  t.false(env.timeSkipping);
  t.is(env.runtime.timers.ownedPartitions().length, 4);

  const charge = env.mockActivity(chargePayment, () => 'receipt-from-mock');
  const order = await env.client.scheduleNewWorkflow(orderWorkflow, smallOrder);
  const state = await env.client.waitForWorkflowCompletion(order, true, 30);
  t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), {
    status: 'completed',
    receipt: 'receipt-from-mock',
    shipment: 'shipment-o-small',
  });
  t.is(charge.callCount, 1);
  await env.assertActivityCalledWith(order, chargePayment, smallOrder);
  t.deepEqual(await env.timeline(order, { times: false }), [
    'ExecutionStarted orderWorkflow',
    'TaskScheduled checkInventory',
    'TaskCompleted checkInventory',
    'TaskScheduled chargePayment',
    'TaskCompleted chargePayment',
    'TaskScheduled shipOrder',
    'TaskCompleted shipOrder',
    'ExecutionCompleted COMPLETED',
  ]);

  const nap = await env.client.scheduleNewWorkflow(briefNap);
  t.is((await env.client.waitForWorkflowCompletion(nap, true, 30)).serializedOutput, '"rested"');
  const fired = (await env.getHistory(nap)).find((e) => e.type === 'TimerFired');
  t.true(fired !== undefined && fired.timestamp >= fired.fireAt, 'a real timer never fires early');

  await t.throwsAsync(env.advanceTo(Date.now() + 1000), { instanceOf: TestEnvironmentError });
  await t.throwsAsync(env.settle(), { instanceOf: TestEnvironmentError, message: /timeSkipping: true/ });
});
