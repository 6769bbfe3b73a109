import test from 'ava';
import { loadWorkflowModule } from '../../../src/server/workflow-module.js';

test('the samples load as a `tickflow serve --workflows` module, every workflow and activity by name', async (t) => {
  const module = await loadWorkflowModule('samples/order-processing/serve-module.ts');
  t.deepEqual([...module.workflows.keys()].sort(), [
    'billingRun',
    'bulkOrders',
    'orderFulfilment',
    'subscriptionWorkflow',
  ]);
  t.deepEqual([...module.activities.keys()].sort(), [
    'chargePayment',
    'chargeSubscription',
    'listActiveSubscriptions',
    'notifyCustomer',
    'refundPayment',
    'releaseInventory',
    'reserveInventory',
    'shipOrder',
  ]);
});
