// The activities of the versioning example (docs/workflows.md, "Versioning"): every version of
// the shipping workflow calls them by function, so their names are the ones history records.
import type { WorkflowActivityContext } from '../../src/index.js';

export interface Order {
  id: string;
}

export async function pack(_ctx: WorkflowActivityContext, order: Order): Promise<string> {
  return `parcel-${order.id}`;
}

export async function handToCarrier(_ctx: WorkflowActivityContext, order: Order): Promise<string> {
  return `carrier-${order.id}`;
}

export async function bookCourier(_ctx: WorkflowActivityContext, order: Order): Promise<string> {
  return `courier-${order.id}`;
}

export const activities = { pack, handToCarrier, bookCourier };
