import type { WorkflowRuntime } from '../../src/index.js';
import { createActivities } from './activities.js';
import type { Services } from './services/index.js';
import { billingRun } from './workflows/billing-run.js';
import { bulkOrders } from './workflows/bulk-orders.js';
import { orderFulfilment } from './workflows/order-fulfilment.js';
import { subscriptionWorkflow } from './workflows/subscription.js';

/** Every workflow of the samples, by name. Each replica registers the same set (see main.ts --join). */
export const sampleWorkflows = { orderFulfilment, bulkOrders, subscriptionWorkflow, billingRun };

/** Registers the sample workflows, and activities bound to `services`, on a runtime replica. */
export function registerOrderProcessing(runtime: WorkflowRuntime, services: Services): WorkflowRuntime {
  for (const [name, workflow] of Object.entries(sampleWorkflows))
    runtime.registerWorkflowWithName(name, workflow);
  for (const [name, activity] of Object.entries(createActivities(services))) {
    runtime.registerActivityWithName(name, activity);
  }
  return runtime;
}
