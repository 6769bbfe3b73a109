import type { WorkflowRuntime } from '../../src/index.js';
import { createActivities } from './activities.js';
import type { Services } from './services/index.js';
import { billingRun } from './workflows/billing-run.js';
import { bulkOrders } from './workflows/bulk-orders.js';
import { orderFulfilment } from './workflows/order-fulfilment.js';
import { subscriptionWorkflow } from './workflows/subscription.js';

/** Every workflow of the samples. Each replica registers the same set (see main.ts --join). */
export const workflows = [orderFulfilment, bulkOrders, subscriptionWorkflow, billingRun] as const;

/** Registers the sample workflows, and activities bound to `services`, on a runtime replica. */
export function registerOrderProcessing(runtime: WorkflowRuntime, services: Services): WorkflowRuntime {
  for (const workflow of workflows) runtime.registerWorkflow(workflow);
  for (const [name, activity] of Object.entries(createActivities(services))) {
    runtime.registerActivityWithName(name, activity);
  }
  return runtime;
}
